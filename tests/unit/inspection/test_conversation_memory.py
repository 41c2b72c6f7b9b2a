"""Conversations kept server-side (RT-65): the pipeline scans a new turn after the
remembered tail of the same conversation, with the real scan engine in this process.

Rules pinned here:
- a name in one request and the condition in the next request of the same conversation
  (ChatGPT web conversation_id, Claude web path id, Assistants thread, a websocket) block;
- half an identifier in each of two requests blocks (the seam across the join);
- the tail is the client's own: another user, another tool, another conversation id, or
  no id at all is scanned alone;
- a blocked turn is not remembered (it never reached the tool);
- what the tail alone held was judged when it was sent: it does not block again;
- memory off, expired or evicted: scanned alone, never an error.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from detectors.engine import ScanEngine
from proxy.commands.scan import EngineScanner
from proxy.config import load_config
from proxy.conversation import (
    AnswerIds,
    ConversationMemory,
    Conversations,
    ConversationSettings,
    with_context,
)
from proxy.conversation.memory import continued
from proxy.conversation.threads import ThreadSpecError, load_specs
from proxy.extract import Extraction, Segment
from proxy.inspection import HttpRequest, Inspector, Subject, WebsocketMessage

NAME = "The claimant is Jane Smith from the Leeds office."
CONDITION = "She has multiple sclerosis; draft her adjustment letter."
CONVERSATION = "6801a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_config(None).config.detectors)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(engine: ScanEngine, settings: ConversationSettings | None = None, clock=None):
    loaded = load_config(None)
    memory = ConversationMemory(settings, clock or Clock())
    conversations = Conversations(memory)
    inspector = Inspector(
        loaded.config,
        loaded.catalogue,
        EngineScanner(engine),
        content_hmac=lambda text: "ab" * 32,
        conversations=conversations,
    )
    return inspector, conversations


def subject(tool_id: str, host: str, path: str, user: str = "alice") -> Subject:
    tool = load_config(None).catalogue.tools[tool_id]
    return Subject(tool, host=host, method="POST", path=path, user=user)


def chatgpt(text: str, conversation: str | None = CONVERSATION) -> HttpRequest:
    body: dict = {
        "action": "next",
        "messages": [
            {
                "id": "aaa1",
                "author": {"role": "user"},
                "content": {"content_type": "text", "parts": [text]},
            }
        ],
        "parent_message_id": "client-created-root",
        "model": "auto",
    }
    if conversation is not None:
        body["conversation_id"] = conversation
    return HttpRequest(
        "POST",
        "chatgpt.com",
        "/backend-api/conversation",
        {"content-type": "application/json"},
        json.dumps(body).encode(),
    )


def run(inspector: Inspector, request: HttpRequest, who: Subject):
    return asyncio.run(inspector.inspect(request, who))


def web(user: str = "alice") -> Subject:
    return subject("openai", "chatgpt.com", "/backend-api/conversation", user)


def test_chatgpt_web_name_then_condition_blocks_on_the_second_request(engine):
    inspector, _ = make(engine)
    first = run(inspector, chatgpt(NAME), web())
    assert first.decision.action == "allow"
    second = run(inspector, chatgpt(CONDITION), web())
    assert second.blocked
    assert "SPECIAL_CATEGORY" in second.result.categories
    # control: the same second turn in a fresh conversation passes
    alone, _ = make(engine)
    assert run(alone, chatgpt(CONDITION), web()).decision.action == "allow"


def test_nino_halves_in_two_turns_block_across_the_join(engine):
    inspector, _ = make(engine)
    assert run(inspector, chatgpt("my NI number is JG1037"), web()).decision.action == "allow"
    second = run(inspector, chatgpt("29A is the rest of it, check the format"), web())
    assert second.blocked
    assert any(f.entity_type == "UK_NINO" for f in second.result.findings)


def test_another_user_tool_or_conversation_is_scanned_alone(engine):
    inspector, _ = make(engine)
    run(inspector, chatgpt(NAME), web("alice"))
    assert run(inspector, chatgpt(CONDITION), web("bob")).decision.action == "allow"
    other = chatgpt(CONDITION, conversation="7701a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b")
    assert run(inspector, other, web("alice")).decision.action == "allow"
    assert run(inspector, chatgpt(CONDITION, conversation=None), web()).decision.action == "allow"


def test_a_blocked_turn_is_not_remembered(engine):
    inspector, conversations = make(engine)
    blocked = run(inspector, chatgpt(f"{NAME} {CONDITION}"), web())
    assert blocked.blocked
    assert len(conversations.memory) == 0


def test_what_the_tail_held_alone_does_not_block_again(engine):
    # a name alone in the tail and a harmless follow-up: the follow-up passes
    inspector, conversations = make(engine)
    run(inspector, chatgpt(NAME), web())
    follow = run(inspector, chatgpt("Please keep the tone formal and short."), web())
    assert follow.decision.action == "allow"
    assert len(conversations.memory) == 1


def test_claude_web_path_id_links_two_turns(engine):
    inspector, _ = make(engine)
    path = (
        "/api/organizations/1b2c3d4e-0000-4000-8000-000000000001/chat_conversations/"
        "2c3d4e5f-0000-4000-8000-000000000002/completion"
    )
    who = subject("anthropic", "claude.ai", path)

    def turn(text: str) -> HttpRequest:
        body = json.dumps({"prompt": text, "parent_message_uuid": "0000", "timezone": "UTC"})
        return HttpRequest(
            "POST", "claude.ai", path, {"content-type": "application/json"}, body.encode()
        )

    assert run(inspector, turn(NAME), who).decision.action == "allow"
    assert run(inspector, turn(CONDITION), who).blocked


def test_assistants_thread_messages_link_by_thread_id(engine):
    inspector, _ = make(engine)
    path = "/v1/threads/thread_abc123XYZ/messages"
    who = subject("openai", "api.openai.com", path)

    def turn(text: str) -> HttpRequest:
        body = json.dumps({"role": "user", "content": text})
        return HttpRequest(
            "POST", "api.openai.com", path, {"content-type": "application/json"}, body.encode()
        )

    assert run(inspector, turn(NAME), who).decision.action == "allow"
    assert run(inspector, turn(CONDITION), who).blocked


def test_responses_api_links_through_the_answer_id(engine):
    inspector, conversations = make(engine)
    who = subject("openai", "api.openai.com", "/v1/responses")

    def turn(body: dict) -> HttpRequest:
        return HttpRequest(
            "POST",
            "api.openai.com",
            "/v1/responses",
            {"content-type": "application/json"},
            json.dumps(body).encode(),
        )

    first = run(inspector, turn({"model": "gpt-4o", "input": NAME}), who)
    assert first.decision.action == "allow" and first.thread is not None
    assert first.thread.answer_fields == ("id",)
    reader = AnswerIds(first.thread.answer_fields)
    stream = b'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_'
    assert reader.feed(stream) is None  # the id is not whole yet
    found = reader.feed(b'0123abc","object":"response"}}\n\n')
    assert found == "resp_0123abc"
    conversations.learn(first.thread, found)
    chained = {"model": "gpt-4o", "previous_response_id": "resp_0123abc", "input": CONDITION}
    assert run(inspector, turn(chained), who).blocked
    unknown = {**chained, "previous_response_id": "resp_unknown"}
    assert run(inspector, turn(unknown), who).decision.action == "allow"


def test_websocket_messages_of_one_socket_are_one_conversation(engine):
    inspector, _ = make(engine)
    who = subject("microsoft_copilot", "copilot.microsoft.com", "/c/api/chat")

    def message(text: str, socket: str) -> WebsocketMessage:
        body = {"event": "send", "content": [{"type": "text", "text": text}], "mode": "chat"}
        return WebsocketMessage(
            "copilot.microsoft.com", "/c/api/chat", json.dumps(body).encode(), socket=socket
        )

    first = asyncio.run(inspector.inspect_message(message(NAME, "s1"), who))
    assert first.decision.action == "allow"
    other = asyncio.run(inspector.inspect_message(message(CONDITION, "s2"), who))
    assert other.decision.action == "allow"  # another socket: scanned alone
    second = asyncio.run(inspector.inspect_message(message(CONDITION, "s1"), who))
    assert second.blocked


def test_memory_off_expired_or_evicted_scans_alone(engine):
    off, _ = make(engine, ConversationSettings(enabled=False))
    run(off, chatgpt(NAME), web())
    assert run(off, chatgpt(CONDITION), web()).decision.action == "allow"

    clock = Clock()
    expiring, _ = make(engine, ConversationSettings(ttl_seconds=60), clock)
    run(expiring, chatgpt(NAME), web())
    clock.now += 61
    assert run(expiring, chatgpt(CONDITION), web()).decision.action == "allow"

    small, conversations = make(engine, ConversationSettings(max_conversations=1))
    run(small, chatgpt(NAME), web())
    other = chatgpt("hello there", conversation="7701a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b")
    run(small, other, web())
    assert len(conversations.memory) == 1
    assert run(small, chatgpt(CONDITION), web()).decision.action == "allow"


def test_the_tail_is_bounded_and_starts_at_a_sentence():
    tail = continued("First sentence here. " * 40, "Last turn.", 200)
    assert len(tail) <= 200
    assert tail.startswith("First") and tail.endswith("Last turn.")
    memory = ConversationMemory(ConversationSettings(context_chars=100), Clock())
    memory.remember(("u", "t", "c"), "x" * 500)
    assert len(memory.recall(("u", "t", "c")) or "") == 100


def test_context_segment_moves_the_seams_and_adds_the_join():
    extraction = Extraction(segments=[Segment("29A rest", "messages[0].content")])
    scanned, shift = with_context(extraction, "my NI is JG1037")
    assert scanned.text.startswith("my NI is JG1037\n\n29A rest")
    assert shift == len("my NI is JG1037") + 2
    assert any("JG1037 29A" in s.text for s in scanned.seams)
    assert extraction.segments == [Segment("29A rest", "messages[0].content")]  # untouched


def test_settings_are_validated_at_load():
    with pytest.raises(ValueError):
        ConversationSettings(ttl_seconds=0)
    with pytest.raises(ValueError):
        ConversationSettings(context_chars=10)
    with pytest.raises(ValueError):
        ConversationSettings(max_conversations=0)


def test_a_bad_thread_spec_names_the_file_and_entry(tmp_path):
    bad = tmp_path / "threads.yaml"
    bad.write_text("threads:\n  - name: x\n    tools: [openai]\n    path: '(unclosed'\n")
    with pytest.raises(ThreadSpecError, match=r"threads\.yaml: threads\.0\.path"):
        load_specs(bad)
    assert load_specs().of("openai", "/backend-api/conversation") is not None
    assert load_specs().of("openai", "/v1/chat/completions") is None


@pytest.mark.parametrize(
    ("first", "second", "entity"),
    [
        ("My NI number starts JG1037", "and ends 29A", "UK_NINO"),
        ("key part 1: AKIAQ3EGRK", "key part 2: TN7V2XPZ5M", "AWS_ACCESS_KEY"),
    ],
)
def test_halves_given_in_words_across_turns_are_read_whole(engine, first, second, entity):
    inspector, _ = make(engine)
    assert run(inspector, chatgpt(first), web()).decision.action == "allow"
    blocked = run(inspector, chatgpt(second), web())
    assert blocked.blocked
    assert entity in {f.entity_type for f in blocked.result.findings}


def test_unrelated_numbers_in_two_turns_do_not_join(engine):
    inspector, _ = make(engine)
    run(inspector, chatgpt("We met in room 214 on floor 3"), web())
    follow = run(inspector, chatgpt("Version 2 of the plan is due in 2027"), web())
    assert follow.decision.action == "allow"


def test_answer_ids_in_a_gzip_answer_and_not_past_the_bound():
    import gzip

    reader = AnswerIds(("id",), "gzip")
    packed = gzip.compress(b'{"id": "resp_zip1", "object": "response"}')
    assert reader.feed(packed[:10]) is None
    assert reader.feed(packed[10:]) == "resp_zip1"
    late = AnswerIds(("id",))
    assert late.feed(b" " * (17 * 1024) + b'{"id": "resp_late"}') is None  # past 16 KiB
    assert late.done
    assert AnswerIds(("id",), "br").feed(b'{"id": "resp_x"}') is None  # not read


def test_seams_from_the_tail_stop_at_the_request_metadata():
    extraction = Extraction(
        segments=[Segment("29A", "messages[0].content"), Segment("x-note: JG10", "header.x-note")]
    )
    scanned, _ = with_context(extraction, "nothing here", prompt_parts=1)
    assert all("x-note" not in s.text for s in scanned.seams)
    assert any("nothing here 29A" in s.text for s in scanned.seams)


FILLER = (
    " We also discussed the office move, the new rota, parking at the Leeds site, and who"
    " covers the Friday post. Nothing else was agreed."
) * 3


@pytest.mark.parametrize(
    "turns",
    [
        ["My NI number starts JG1037." + FILLER, "It ends 29A. Please put it in the form."],
        ["My NI number: JG", "then 1037", "then 29A - put it together."],
        ["NI: JG", "1037", "29A"],
        ["The last part of my NI number is 29A.", "The first part is JG1037. Join them."],
        ["The NHS number starts 943." + FILLER, "The middle part is 476.", FILLER, "It ends 5919."],
    ],
)
def test_pieces_of_a_value_over_any_turns_block_on_the_last(engine, turns):
    """RT-111: the value fragments of every turn are remembered (not only the tail's end)
    and glued with the new turn's, in either order, whatever came between."""
    inspector, _ = make(engine)
    for text in turns[:-1]:
        assert run(inspector, chatgpt(text), web()).decision.action == "allow"
    last = run(inspector, chatgpt(turns[-1]), web())
    assert last.blocked
    assert {f.entity_type for f in last.result.findings} & {"UK_NINO", "UK_NHS"}
    # control: the last turn alone, in a fresh conversation, passes
    alone, _ = make(engine)
    assert run(alone, chatgpt(turns[-1]), web()).decision.action == "allow"


def test_numbers_over_many_ordinary_turns_do_not_join(engine):
    inspector, _ = make(engine)
    turns = [
        "Part 1 of the plan starts in 2025 with 12 sites.",
        "The second half of 2026 adds 340 staff.",
        "Room 214 is where the rest of the 2027 work starts.",
        "The budget ends at 4500 for part 3.",
        "Which part of 2028 is the 99 day review in?",
    ]
    for text in turns:
        assert run(inspector, chatgpt(text), web()).decision.action == "allow", text


def test_remembered_fragments_are_bounded_and_go_with_the_tail():
    from proxy.conversation.memory import MAX_FRAGMENTS

    memory = ConversationMemory(ConversationSettings(), Clock())
    key = ("u", "t", "c")
    memory.remember(key, "tail", tuple((f"{i}A", i, False, False) for i in range(100)), 100)
    kept = memory.recall_all(key)
    assert kept is not None and len(kept.fragments) == MAX_FRAGMENTS
    assert kept.fragments[-1] == ("99A", 99, False, False) and kept.turns == 100
    memory.forget(key)
    assert memory.recall_all(key) is None


@pytest.mark.parametrize(
    "turns",
    [
        ["My NI number starts J G one zero three seven.", "It ends two nine A."],
        [
            "My NI number starts JG1037.",
            "Other references: part AB12, part CD34, part EF56 - ignore those.",
            "My NI number ends 29A.",
        ],
        [
            "Thanks for yesterday. I quoted JG1037 on the HMRC call about my tax code."
            + " The rota is fine." * 10,
            "29A was the rest of it",
        ],
    ],
    ids=["dictated", "decoys-between", "cue-less-first-piece"],
)
def test_dictated_pieces_decoys_and_an_uncued_first_piece_block(engine, turns):
    """RT-125: pieces read out letter by letter and in digit words are fragments; halves
    with cued decoys between them, and a first piece no cue pointed at, glue into a whole
    value's shape (NINO, 10-19 digits, AWS key id) only."""
    inspector, _ = make(engine)
    for text in turns[:-1]:
        assert run(inspector, chatgpt(text), web()).decision.action == "allow"
    last = run(inspector, chatgpt(turns[-1]), web())
    assert last.blocked
    assert "UK_NINO" in {f.entity_type for f in last.result.findings}


def test_uncued_numbers_of_long_turns_glue_only_into_a_whole_value(engine):
    inspector, _ = make(engine)
    turns = [
        "We reviewed 214 cases in 2025; case ref AB12 and CD34 were closed. The rota is fine."
        + " Nothing else." * 5,
        "The rest of the 340 claims wait for part 2 of the review in 2026.",
        "Remaining: 12 appeals, ref EF56, due 1030 on Friday.",
    ]
    for text in turns:
        assert run(inspector, chatgpt(text), web()).decision.action == "allow", text
