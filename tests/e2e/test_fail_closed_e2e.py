"""Issue 15 item 2: any unexpected exception in aidlp's handling of an AI-tool flow blocks it.

Fault injection from the test side only: tests/e2e/faults.py, loaded into the real
`aidlp run` with `-- -s`, makes one stage raise at a time (header taking, approval check,
extraction, scan, decision, block response, recording). For HTTP/1.1, HTTP/2 and websockets
the sensitive value must not reach the recording upstream, the client must be refused, and
the failure must be recorded (``ai.scan.error``) and counted
(``aidlp_scan_errors_total{kind="internal_error"}``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

from tests.e2e.conftest import TEST_CONFIG

FAULTS_SCRIPT = Path(__file__).with_name("faults.py")
NINO = "AB 12 34 56 C"
STAGES = ["headers", "approval", "extraction", "scan", "decision", "response", "recording"]
#: Stages whose failure is an escaped exception (extraction failures are already caught and
#: blocked as ``unparseable`` by the extraction wrapper).
INTERNAL = {"headers", "approval", "scan", "decision", "response", "recording"}


@pytest.fixture(scope="module")
def faults(start_proxy, tmp_path_factory):
    fault_file = tmp_path_factory.mktemp("faults") / "stage"
    fault_file.write_text("")
    proxy = start_proxy(
        TEST_CONFIG,
        extra_args=("-s", str(FAULTS_SCRIPT)),
        env_extra={"AIDLP_TEST_FAULT_FILE": str(fault_file)},
        name="faults",
    )
    proxy.fault_file = fault_file
    yield proxy
    fault_file.write_text("")


@pytest.fixture
def stage(request, faults):
    faults.fault_file.write_text(request.param)
    yield request.param
    faults.fault_file.write_text("")


def _internal_errors(proxy) -> float:
    text = httpx.get(f"http://127.0.0.1:{proxy.metrics_port}/metrics", timeout=10).text
    match = re.search(r'^aidlp_scan_errors_total\{kind="internal_error"\} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def _recorded(proxy, stage: str, before_events: int) -> bool:
    if stage == "recording":
        return True  # recording itself is broken: the metric is the record (asserted apart)
    reason = "internal_error" if stage in INTERNAL else None

    def found(event: dict) -> bool:
        return event.get("decision") == "block" and (
            reason is None or (event.get("event") == "ai.scan.error" and event["reason"] == reason)
        )

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(found(e) for e in proxy.events()[before_events:]):
            return True
        time.sleep(0.1)
    return False


def _chat(text: str) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "http2"])
@pytest.mark.parametrize("stage", STAGES, indirect=True)
def test_a_failing_stage_blocks_http(faults, upstream_log, stage, http2):
    before, errors = len(faults.events()), _internal_errors(faults)
    with faults.httpx(http2=http2) as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            json=_chat(f"Claimant NINO {NINO}, summarise the case"),
        )
    assert response.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert response.status_code == 403
    assert response.headers["X-AIDLP-Decision"] == "block"
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
    assert _recorded(faults, stage, before)
    if stage in INTERNAL:
        assert _internal_errors(faults) > errors


@pytest.mark.parametrize("stage", ["headers", "scan", "decision", "recording"], indirect=True)
def test_a_failing_stage_blocks_benign_prompts_too(faults, upstream_log, stage):
    """Fail closed means closed for everything the stage handles, not only risky prompts."""
    with faults.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions", json=_chat("Name three rivers")
        )
    assert response.status_code == 403
    assert upstream_log.wait_for(lambda r: b"three rivers" in r.body, timeout=0.5) is None


def test_without_a_fault_the_same_requests_pass(faults, upstream_log):
    """Control: the fault script is inert when no stage is selected."""
    with faults.httpx(http2=True) as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions", json=_chat("Name three rivers")
        )
    assert response.status_code == 200
    assert upstream_log.wait_for(lambda r: b"three rivers" in r.body) is not None


async def _ws(proxy, frames: list[str]) -> str:
    """'closed <code>' / 'refused' / 'open': what the client saw."""
    try:
        async with connect(
            "wss://copilot.microsoft.com/c/api/chat",
            proxy=proxy.url,
            ssl=proxy.ssl_context(),
            open_timeout=20,
        ) as ws:
            try:
                for frame in frames:
                    await ws.send(frame)
                while True:
                    await asyncio.wait_for(ws.recv(), 5)
            except websockets.ConnectionClosed as closed:
                return f"closed {closed.rcvd.code if closed.rcvd else None}"
            except TimeoutError:
                return "open"
    except websockets.InvalidStatus as refused:
        return f"refused {refused.response.status_code}"


@pytest.mark.parametrize("stage", STAGES, indirect=True)
def test_a_failing_stage_blocks_websocket_messages(faults, upstream_log, stage):
    frame = json.dumps(
        {"event": "send", "content": [{"type": "text", "text": f"NINO {NINO}"}], "mode": "chat"}
    )
    before = len(faults.events())
    outcome = asyncio.run(_ws(faults, [frame]))
    assert outcome in ("closed 1008", "refused 403"), outcome
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
    assert _recorded(faults, stage, before)
