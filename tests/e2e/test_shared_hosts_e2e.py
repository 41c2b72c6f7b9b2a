"""Hosts shared with non-AI services (www.bing.com, duckduckgo.com, substrate.office.com),
through the real `aidlp run` and the recording upstream: their AI paths are scanned in every
form a server reads a path, a websocket on any path is scanned, and other paths are
forwarded untouched and unrecorded."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.e2e.rawtls import open_tunnel, status_of
from tests.e2e.test_transport_e2e import _ws_send

NINO = "AB 12 34 56 C"


def _chat(text: str) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def test_a_duck_ai_prompt_is_scanned(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://duckduckgo.com/duckchat/v1/chat", json=_chat(f"my NI number is {NINO}")
        )
        assert response.status_code == 403
        incident = response.headers["X-AIDLP-Incident"]
        ok = client.post("https://duckduckgo.com/duckchat/v1/chat", json=_chat("name a river"))
    assert ok.status_code == 200
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["tool"] == "duck_ai"


@pytest.mark.parametrize(
    "path",
    [
        "/DuckChat/v1/chat",
        "/search/%2e%2e/duckchat/v1/chat",
        "//duckchat/v1/chat",
        "/%64uckchat/v1/chat",
        "/duckchat;x=1/v1/chat",
        # red team RT-74: forms lenient (IIS / Windows) front ends route the same way
        "/%u0064uckchat/v1/chat",
        "/%EF%BD%84%EF%BD%95%EF%BD%83%EF%BD%8B%EF%BD%83%EF%BD%88%EF%BD%81%EF%BD%94/v1/chat",
        "/duckchat./v1/chat",
        "/duckchat%20/v1/chat",
        "/duckchat%00/v1/chat",
        "/duckchat%09/v1/chat",
        "/x%c0%af..%c0%afduckchat/v1/chat",
    ],
)
def test_an_ai_path_written_another_way_is_still_scanned(aidlp_proxy, upstream_log, path):
    body = json.dumps(_chat(f"my NI number is {NINO}")).encode()
    sock, status = open_tunnel(aidlp_proxy.port, "duckduckgo.com:443")
    assert status == 200
    context = aidlp_proxy.ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    with context.wrap_socket(sock, server_hostname="duckduckgo.com") as tls:
        tls.sendall(
            f"POST {path} HTTP/1.1\r\nHost: duckduckgo.com\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        tls.settimeout(10)
        head = tls.recv(4096)
    assert status_of(head) == 403, head[:100]
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.bing.com/search?q=My+NI+number+is+{NINO.replace(' ', '+')}&showconv=1",
        f"https://duckduckgo.com/?q=My+NI+number+is+{NINO.replace(' ', '+')}&ia=chat",
    ],
    ids=["bing-showconv", "duckduckgo-ia-chat"],
)
def test_a_search_that_opens_the_ai_chat_is_scanned(aidlp_proxy, upstream_log, url):
    """Red team RT-74: the search page hands its query to Copilot / Duck.ai as a prompt."""
    with aidlp_proxy.httpx() as client:
        response = client.get(url)
    assert response.status_code == 403, response.text[:200]
    assert upstream_log.wait_for(lambda r: "NI+number" in r.path, timeout=0.5) is None
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["event"] == "ai.request.blocked"


def test_other_paths_of_a_shared_host_are_forwarded_unrecorded(aidlp_proxy, upstream_log):
    """By design (config/catalogue.yaml): autocomplete is not an AI request."""
    before = len(aidlp_proxy.events())
    with aidlp_proxy.httpx() as client:
        response = client.get("https://duckduckgo.com/ac/", params={"q": "rivers of england"})
    assert response.status_code == 200
    got = upstream_log.wait_for(lambda r: r.host == "duckduckgo.com" and "rivers" in r.path)
    assert got is not None
    assert not [e for e in aidlp_proxy.events()[before:] if e.get("host") == "duckduckgo.com"]


@pytest.mark.parametrize(
    "url",
    [
        "wss://www.bing.com/some/unexpected/socket",
        "wss://substrate.office.com/m365Copilot/Chathub/abc@tenant?X-SessionId=1",
        "wss://duckduckgo.com/not-a-chat-path",
    ],
)
def test_a_websocket_on_a_shared_host_is_scanned_on_any_path(aidlp_proxy, upstream_log, url):
    frame = json.dumps({"arguments": [{"message": {"text": f"my NI number is {NINO}"}}]})
    code = asyncio.run(_ws_send(aidlp_proxy, url, [frame + "\x1e"]))
    assert code == 1008
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None


def test_notion_ai_is_scanned_and_the_rest_of_notion_is_not(aidlp_proxy, upstream_log):
    """www.notion.so (red team RT-68): only Notion AI's inference path is the AI tool."""
    text = f"my NI number is {NINO}"
    with aidlp_proxy.httpx() as client:
        held = client.post(
            "https://www.notion.so/api/v3/runInferenceTranscript",
            json={"transcript": [{"type": "user", "value": [[text]]}]},
        )
        page = client.post(
            "https://www.notion.so/api/v3/saveTransactions", json={"operations": [{"args": text}]}
        )
    assert held.status_code == 403, held.text[:200]
    incident = held.headers["X-AIDLP-Incident"]
    assert page.status_code == 200  # a page edit is Notion, not Notion AI: forwarded unscanned
    arrived = upstream_log.wait_for(lambda r: r.host == "www.notion.so")
    assert arrived is not None and arrived.path.startswith("/api/v3/saveTransactions")
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["tool"] == "notion_ai"
