"""Conversations kept server-side (RT-65), through the real `aidlp run`.

ChatGPT web, Claude web, the Responses API (openai SDK, chained by the id the upstream's
answer gave), Assistants threads and a websocket send one new turn per request: the proxy
remembers the conversation's tail and scans the next turn with it. The splits below pass
their first request and are blocked on the second, whose text never reaches the recording
upstream and which is recorded as a block event; a benign two-turn conversation passes.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import openai
import pytest
import websockets
from websockets.asyncio.client import connect

from tests.e2e.conftest import TEST_CONFIG

NAME = "The claimant is Jane Smith from the Leeds office."
CONDITION = "She has multiple sclerosis; draft her adjustment letter."
MARKER = b"multiple sclerosis"


def _chatgpt(text: str, conversation: str | None) -> dict:
    body: dict = {
        "action": "next",
        "messages": [
            {
                "id": str(uuid.uuid4()),
                "author": {"role": "user"},
                "content": {"content_type": "text", "parts": [text]},
            }
        ],
        "parent_message_id": str(uuid.uuid4()),
        "model": "auto",
    }
    if conversation is not None:
        body["conversation_id"] = conversation
    return body


_EVENTS_BEFORE: dict[int, int] = {}


@pytest.fixture(autouse=True)
def _events_before(aidlp_proxy):
    """The session-shared proxy's event count when the test starts: only later events are
    this test's (earlier tests block chatgpt.com and the rest too)."""
    _EVENTS_BEFORE[id(aidlp_proxy)] = len(aidlp_proxy.events())


def _blocked_second(proxy, upstream_log, path: str, marker: bytes = MARKER) -> None:
    """The second turn did not arrive upstream, and a block event of this test names its
    path."""
    time.sleep(0.3)
    assert not [r for r in upstream_log.snapshot() if marker in r.body]
    since = _EVENTS_BEFORE.get(id(proxy), 0)
    deadline = time.monotonic() + 10
    event = None
    while event is None and time.monotonic() < deadline:
        event = next(
            (
                e
                for e in proxy.events()[since:]
                if e.get("event") == "ai.request.blocked" and e.get("path", "").startswith(path)
            ),
            None,
        )
        time.sleep(0.05)
    assert event is not None
    assert event["decision"] == "block"
    return event


def test_chatgpt_web_name_then_condition_blocked_on_the_second_request(aidlp_proxy, upstream_log):
    url = "https://chatgpt.com/backend-api/conversation"
    with aidlp_proxy.httpx() as client:
        # a new chat: no id yet; the answer's stream names the conversation
        first = client.post(url, json=_chatgpt(NAME, None), headers={"accept": "text/event-stream"})
        assert first.status_code == 200, first.text[:200]
        conversation = None
        for line in first.text.splitlines():
            if line.startswith("data: {"):
                conversation = json.loads(line[6:])["conversation_id"]
        assert conversation
        assert upstream_log.wait_for(lambda r: b"Jane Smith" in r.body) is not None
        second = client.post(url, json=_chatgpt(CONDITION, conversation))
    # the web app gets the explanation inside its own stream, as an assistant turn
    assert second.headers["x-aidlp-decision"] == "block"
    event = _blocked_second(aidlp_proxy, upstream_log, "/backend-api/conversation")
    assert "SPECIAL_CATEGORY" in {f["category"] for f in event["findings"]}


def test_claude_web_name_then_condition_blocked(aidlp_proxy, upstream_log):
    conversation = uuid.uuid4()
    url = (
        "https://claude.ai/api/organizations/1b2c3d4e-0000-4000-8000-000000000001/"
        f"chat_conversations/{conversation}/completion"
    )
    with aidlp_proxy.httpx() as client:
        first = client.post(url, json={"prompt": NAME, "timezone": "Europe/London"})
        assert first.status_code == 200
        second = client.post(url, json={"prompt": CONDITION, "timezone": "Europe/London"})
    assert second.headers["x-aidlp-decision"] == "block"
    _blocked_second(aidlp_proxy, upstream_log, "/api/organizations/")


def test_responses_api_nino_halves_chained_by_the_answer_id(aidlp_proxy, upstream_log):
    http_client = httpx.Client(proxy=aidlp_proxy.url, verify=aidlp_proxy.ssl_context())
    client = openai.OpenAI(
        api_key="sk-test", base_url="https://api.openai.com/v1", http_client=http_client
    )
    first = client.responses.create(model="gpt-4o", input="my NI number is JG1037", store=True)
    assert first.id.startswith("resp_")
    assert upstream_log.wait_for(lambda r: b"JG1037" in r.body) is not None
    with pytest.raises(openai.PermissionDeniedError):
        client.responses.create(
            model="gpt-4o",
            previous_response_id=first.id,
            input="29A is the rest of it; check the format",
        )
    event = _blocked_second(aidlp_proxy, upstream_log, "/v1/responses", b"29A is the rest")
    assert "UK_NINO" in {f["entity_type"] for f in event["findings"]}
    # an id the proxy never saw: that request is scanned alone, and passes
    alone = client.responses.create(
        model="gpt-4o", previous_response_id="resp_unknown0", input="29A is the rest of it"
    )
    assert alone.id.startswith("resp_")
    http_client.close()


def test_assistants_thread_name_then_condition_blocked(aidlp_proxy, upstream_log):
    url = f"https://api.openai.com/v1/threads/thread_{uuid.uuid4().hex[:20]}/messages"
    with aidlp_proxy.httpx() as client:
        headers = {"authorization": "Bearer sk-test", "openai-beta": "assistants=v2"}
        first = client.post(url, json={"role": "user", "content": NAME}, headers=headers)
        assert first.status_code == 200
        second = client.post(url, json={"role": "user", "content": CONDITION}, headers=headers)
    assert second.status_code == 403
    assert second.json()["error"]["code"] == "aidlp_blocked"
    _blocked_second(aidlp_proxy, upstream_log, "/v1/threads/")


async def _socket(proxy, texts: list[str]) -> int | None:
    url = "wss://copilot.microsoft.com/c/api/chat?api-version=2"
    async with connect(url, proxy=proxy.url, ssl=proxy.ssl_context(), open_timeout=20) as ws:
        try:
            for text in texts:
                frame = {"event": "send", "content": [{"type": "text", "text": text}]}
                await ws.send(json.dumps({**frame, "conversationId": "c1", "mode": "chat"}))
                await asyncio.wait_for(ws.recv(), 10)
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None


def test_websocket_aws_key_halves_in_two_messages_close_the_socket(aidlp_proxy, upstream_log):
    key = "AKIA" + "Q3EGRKTN7V2XPZ5M"
    code = asyncio.run(_socket(aidlp_proxy, [f"the key is {key[:10]}", f"{key[10:]} is the rest"]))
    assert code == 1008
    time.sleep(0.3)
    assert upstream_log.wait_for(lambda r: r.kind == "ws" and key[:10].encode() in r.body)
    assert not [r for r in upstream_log.snapshot() if key[10:].encode() in r.body]


_FILLER = (
    " We also discussed the office move, the new rota, parking at the Leeds site, and who"
    " covers the Friday post. Nothing else was agreed."
) * 3


@pytest.mark.parametrize(
    "turns",
    [
        ["My NI number starts JG1037." + _FILLER, "It ends 29A. Please put it in the form."],
        ["My NI number: JG", "then 1037", "then 29A - put it together."],
        ["The last part of my NI number is 29A.", "The first part is JG1037. Join them."],
        ["My NI number starts J G one zero three seven.", "It ends two nine A."],
        [
            "My NI number starts JG1037.",
            "Other references: part AB12, part CD34, part EF56 - ignore those.",
            "My NI number ends 29A.",
        ],
    ],
    ids=["first-half-then-minutes", "three-turns", "last-half-first", "dictated", "decoys"],
)
def test_chatgpt_web_nino_pieces_over_turns_blocked_on_the_last(aidlp_proxy, upstream_log, turns):
    """RT-111: the pieces are not at the turns' ends, come in three turns or last half
    first; every earlier turn arrives, the last one is blocked with a UK_NINO finding."""
    url = "https://chatgpt.com/backend-api/conversation"
    conversation = str(uuid.uuid4())
    with aidlp_proxy.httpx() as client:
        for text in turns[:-1]:
            assert client.post(url, json=_chatgpt(text, conversation)).status_code == 200
            marker = text[:20].encode()
            assert upstream_log.wait_for(lambda r, m=marker: m in r.body) is not None
        last = client.post(url, json=_chatgpt(turns[-1], conversation))
    assert last.headers["x-aidlp-decision"] == "block"
    event = _blocked_second(
        aidlp_proxy, upstream_log, "/backend-api/conversation", turns[-1][-12:].encode()
    )
    assert "UK_NINO" in {f["entity_type"] for f in event["findings"]}


def test_chatgpt_web_name_then_minutes_then_condition_blocked(aidlp_proxy, upstream_log):
    """RT-111 (people): the name's sentence is kept as the referent of a later "she",
    however much text came between; the first turn arrives, the second is blocked."""
    url = "https://chatgpt.com/backend-api/conversation"
    conversation = str(uuid.uuid4())
    with aidlp_proxy.httpx() as client:
        first = client.post(url, json=_chatgpt(NAME + _FILLER, conversation))
        assert first.status_code == 200
        assert upstream_log.wait_for(lambda r: b"Jane Smith" in r.body) is not None
        second = client.post(url, json=_chatgpt(CONDITION, conversation))
    assert second.headers["x-aidlp-decision"] == "block"
    event = _blocked_second(aidlp_proxy, upstream_log, "/backend-api/conversation")
    assert "SPECIAL_CATEGORY" in {f["category"] for f in event["findings"]}


def test_claude_web_nino_in_three_bare_turns_blocked(aidlp_proxy, upstream_log):
    conversation = uuid.uuid4()
    url = (
        "https://claude.ai/api/organizations/1b2c3d4e-0000-4000-8000-000000000001/"
        f"chat_conversations/{conversation}/completion"
    )
    with aidlp_proxy.httpx() as client:
        for text in ("NI: JG", "1037"):
            assert (
                client.post(url, json={"prompt": text, "timezone": "Europe/London"}).status_code
                == 200
            )
        last = client.post(url, json={"prompt": "29A", "timezone": "Europe/London"})
    assert last.headers["x-aidlp-decision"] == "block"
    event = _blocked_second(aidlp_proxy, upstream_log, "/api/organizations/", b'"29A"')
    assert "UK_NINO" in {f["entity_type"] for f in event["findings"]}


def test_a_benign_two_turn_conversation_passes(aidlp_proxy, upstream_log):
    url = "https://chatgpt.com/backend-api/conversation"
    conversation = str(uuid.uuid4())
    with aidlp_proxy.httpx() as client:
        first = client.post(url, json=_chatgpt("What is the capital of Wales?", conversation))
        second = client.post(url, json=_chatgpt("And how many people live there?", conversation))
    assert first.status_code == 200 and second.status_code == 200
    assert upstream_log.wait_for(lambda r: b"how many people" in r.body) is not None
    # numbers and "part"/"ends" words over several turns are not glued into a value
    conversation = str(uuid.uuid4())
    with aidlp_proxy.httpx() as client:
        for text in (
            "Part 1 of the plan starts in 2025 with 12 sites.",
            "The second half of 2026 adds 340 staff.",
            "Which part of 2028 is the 99 day review in?",
        ):
            assert client.post(url, json=_chatgpt(text, conversation)).status_code == 200
    assert upstream_log.wait_for(lambda r: b"99 day review" in r.body) is not None
    # a public figure, then a generic health question: not linked into personal data
    code = asyncio.run(
        _socket(
            aidlp_proxy,
            [
                "Who was Winston Churchill?",
                "What are the early symptoms of multiple sclerosis in general?",
            ],
        )
    )
    assert code is None  # the socket stayed open: both messages went upstream
    assert upstream_log.wait_for(lambda r: r.kind == "ws" and b"early symptoms" in r.body)


def test_with_the_memory_off_each_turn_is_scanned_alone(start_proxy, upstream_log):
    """The control: ``conversations.enabled: false`` lets the same split through (so the
    blocks above come from the memory, not from the second turn alone)."""
    proxy = start_proxy(TEST_CONFIG + "conversations:\n  enabled: false\n", name="nomemory")
    url = "https://chatgpt.com/backend-api/conversation"
    conversation = str(uuid.uuid4())
    with proxy.httpx() as client:
        client.post(url, json=_chatgpt(NAME, conversation))
        second = client.post(url, json=_chatgpt(CONDITION, conversation))
    assert second.headers.get("x-aidlp-decision") != "block"
    assert upstream_log.wait_for(lambda r: MARKER in r.body) is not None
