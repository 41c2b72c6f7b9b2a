"""Issue 15 item 7: approval tokens on websockets with a query string, user binding."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

from tests.e2e.test_approvals_e2e import Board

NINO = "AB 12 34 56 C"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Board:
    return Board(tmp_path_factory.mktemp("board-transport"))


@pytest.fixture(scope="module")
def open_proxy(start_proxy, board: Board):
    return start_proxy(board.config(), name="approvals-unbound")


@pytest.fixture(scope="module")
def bound_proxy(start_proxy, board: Board):
    config = board.config().replace(
        "    reload_seconds: 0.2", "    reload_seconds: 0.2\n    require_user: true"
    )
    return start_proxy(config, name="approvals-require-user")


async def _ws(proxy, url: str, frame: str, token: str) -> str:
    async with connect(
        url,
        proxy=proxy.url,
        ssl=proxy.ssl_context(),
        open_timeout=20,
        additional_headers={"X-AIDLP-Approval": token},
    ) as ws:
        try:
            await ws.send(frame)
            await asyncio.wait_for(ws.recv(), 5)
            await asyncio.wait_for(ws.recv(), 2)
        except websockets.ConnectionClosed as closed:
            return f"closed {closed.rcvd.code if closed.rcvd else None}"
        except TimeoutError:
            return "open"
    return "open"


def _frame(marker: str) -> str:
    return json.dumps(
        {"event": "send", "content": [{"type": "text", "text": f"{marker} NINO {NINO}"}]}
    )


@pytest.mark.parametrize("query", ["", "?api-version=2"])
def test_websocket_approval_survives_a_query_string(open_proxy, board, upstream_log, query):
    token = board.token(tools=("microsoft_copilot",))
    marker = f"approved-ws{len(query)}"
    outcome = asyncio.run(
        _ws(open_proxy, "wss://copilot.microsoft.com/c/api/chat" + query, _frame(marker), token)
    )
    assert outcome == "open"
    got = upstream_log.wait_for(lambda r: r.kind == "ws" and marker.encode() in r.body)
    assert got is not None
    assert "x-aidlp-approval" not in got.headers
    assert open_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.approved" and e.get("path") == "/c/api/chat"
    )


def test_unbound_tokens_warn_at_start(open_proxy):
    assert "approval tokens are trusted with no user binding" in open_proxy.output()


def test_require_user_refuses_a_token_without_an_authenticated_user(
    bound_proxy, board, upstream_log
):
    token = board.token()
    with httpx.Client(proxy=bound_proxy.url, verify=bound_proxy.ssl_context(), timeout=30) as c:
        response = c.post(
            "https://api.openai.com/v1/chat/completions",
            json={
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": f"NINO {NINO}"}],
            },
            headers={"X-AIDLP-Approval": token},
        )
    assert response.status_code == 403
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
    assert bound_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("approval") is not None
    )
    metrics = httpx.get(f"http://127.0.0.1:{bound_proxy.metrics_port}/metrics").text
    assert 'aidlp_approvals_total{result="wrong_user"} 1.0' in metrics
