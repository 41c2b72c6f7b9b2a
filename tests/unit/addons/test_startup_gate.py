"""The start-up gate: AI-tool requests get 503 + Retry-After while the scan workers are not
ready, each refusal recorded (event and metrics) without any request content."""

from __future__ import annotations

import asyncio
import json

import pytest
from mitmproxy import ctx, exceptions
from mitmproxy.addons.proxyserver import Proxyserver
from mitmproxy.test import taddons, tflow

from proxy.addons import (
    ApprovalHeaderTaker,
    ConnectionGate,
    ConnectNameScanner,
    RuntimeHost,
    default_addons,
)
from proxy.startup_gate import StartupConnectGate, StartupGate

NINO = "AB 12 34 56 C"


@pytest.fixture
def chain():
    addons = default_addons()
    with taddons.context(Proxyserver(), *addons) as context:
        host = next(a for a in addons if isinstance(a, RuntimeHost))
        context.configure(host)
        events: list = []
        assert host.recording is not None
        host.recording.subscribers.append(events.append)
        context.options.update(aidlp_startup_hold=0)  # answered at once (the hold: below)
        yield {type(a): a for a in addons}, host, events


def request_headers(addons, host_name: str):
    flow = tflow.tflow()
    flow.request.host = host_name
    flow.request.headers["host"] = host_name
    flow.request.path = f"/v1/chat/completions?user={NINO}"
    flow.request.content = json.dumps({"messages": [{"content": NINO}]}).encode()
    for kind in (ConnectionGate, ApprovalHeaderTaker, StartupGate):
        addons[kind].requestheaders(flow)
    return flow


def connect_flow(host_name: str):
    flow = tflow.tflow()
    flow.request.method = "CONNECT"
    flow.request.host, flow.request.port, flow.request.path = host_name, 443, ""
    flow.request.headers.clear()
    flow.response = None
    return flow


def connect(addons, host_name: str):
    """A CONNECT through the chain's http_connect hooks, in chain order."""
    flow = connect_flow(host_name)
    addons[ConnectionGate].http_connect(flow)
    asyncio.run(addons[StartupConnectGate].http_connect(flow))
    return flow


def sample(host, name: str, **labels) -> float:
    return host.metrics.registry.get_sample_value(name, labels) or 0.0


def test_not_ready_refuses_with_503_and_records_an_event(chain):
    addons, host, events = chain
    assert host.pool is not None and not host.pool.ready  # configured, workers not started
    flow = request_headers(addons, "api.openai.com")
    assert flow.response is not None and flow.response.status_code == 503
    assert flow.response.headers["Retry-After"] == "2"
    assert flow.response.headers["X-AIDLP-Decision"] == "block"
    incident = flow.response.headers["X-AIDLP-Incident"]
    assert "starting" in flow.response.json()["error"]["message"]

    [event] = events
    assert (event.event, event.decision, event.reason) == ("ai.scan.error", "block", "unavailable")
    assert event.incident_id == incident and event.tool == "openai"
    assert event.path == "/v1/chat/completions"  # the query is never recorded
    assert NINO not in repr(event.fields())
    assert sample(host, "aidlp_blocked_total", tool="openai", reason="unavailable") == 1
    assert sample(host, "aidlp_scan_errors_total", kind="unavailable") == 1
    assert sample(host, "aidlp_requests_total", tool="openai", decision="block") == 1


def test_other_hosts_are_not_held_up(chain):
    addons, _host, events = chain
    flow = request_headers(addons, "www.example.com")
    assert flow.response is None and not events


def test_ready_workers_let_the_request_on(chain):
    addons, host, events = chain
    host.pool.ready = True
    flow = request_headers(addons, "api.openai.com")
    assert flow.response is None and not events
    host.pool.ready = False  # a crash later: "restarting", not "starting"
    flow = request_headers(addons, "api.openai.com")
    assert flow.response.status_code == 503
    assert "restarting" in flow.response.json()["error"]["message"]


def test_a_recorder_failure_still_refuses(chain):
    addons, host, _events = chain

    def broken(event):
        raise RuntimeError("sink down")

    host.recording.subscribers.insert(0, broken)
    flow = request_headers(addons, "api.openai.com")
    assert flow.response is not None and flow.response.status_code == 503


def test_not_ready_refuses_an_ai_connect_before_tls(chain):
    """No TLS handshake, no certificate, no upstream connection: the CONNECT itself is
    answered 503 + Retry-After + Connection: close, and recorded like any refusal."""
    addons, host, events = chain
    flow = connect(addons, "api.openai.com")
    assert flow.response is not None and flow.response.status_code == 503
    assert flow.response.headers["Retry-After"] == "2"
    assert flow.response.headers["Connection"] == "close"
    assert flow.response.headers["X-AIDLP-Decision"] == "block"
    assert "starting" in flow.response.json()["error"]["message"]
    [event] = events
    assert (event.event, event.reason, event.tool) == ("ai.scan.error", "unavailable", "openai")
    assert event.incident_id == flow.response.headers["X-AIDLP-Incident"]
    assert (event.method, event.stage) == ("CONNECT", "connect")
    assert sample(host, "aidlp_blocked_total", tool="openai", reason="unavailable") == 1


def test_not_ready_connects_elsewhere_are_left_alone(chain):
    """Other hosts pass through as ever; a host shared with non-AI services (its other
    paths must pass) is refused in the tunnel, per request, by StartupGate instead."""
    addons, _host, events = chain
    for name in ("www.example.com", "www.bing.com"):
        assert connect(addons, name).response is None, name
    assert not events


def test_a_blocked_tool_keeps_its_refusal_while_not_ready(chain):
    """DeepSeek at CONNECT: the blocked tool's 403 (ai.tool.blocked), not the 503."""
    addons, host, events = chain
    assert not host.pool.ready
    flow = connect(addons, "api.deepseek.com")
    assert flow.response is not None and flow.response.status_code == 403
    assert [e.event for e in events] == ["ai.tool.blocked"]


def test_ready_workers_let_the_connect_on(chain):
    addons, host, events = chain
    host.pool.ready = True
    assert connect(addons, "api.openai.com").response is None and not events
    host.pool.ready = False  # a crash later: refused again, "restarting"
    flow = connect(addons, "api.openai.com")
    assert flow.response.status_code == 503
    assert "restarting" in flow.response.json()["error"]["message"]


def test_a_held_connect_goes_on_once_ready(chain):
    """Held (no TLS, no upstream) while not ready: served the moment the workers are."""
    addons, host, events = chain
    addons[StartupConnectGate].hold = 5.0

    async def ready_soon():
        await asyncio.sleep(0.3)
        host.pool.ready = True

    async def go():
        flow = connect_flow("api.openai.com")
        started = asyncio.get_running_loop().time()
        await asyncio.gather(addons[StartupConnectGate].http_connect(flow), ready_soon())
        return flow, asyncio.get_running_loop().time() - started

    flow, held = asyncio.run(go())
    assert flow.response is None and not events
    assert held < 5.0  # released at ready, not at the end of the hold
    host.pool.ready = False


def test_a_held_connect_is_refused_when_the_hold_ends_or_a_drain_starts(chain):
    addons, _host, events = chain
    gate = addons[StartupConnectGate]
    gate.hold = 0.3
    flow = connect_flow("api.openai.com")
    asyncio.run(gate.http_connect(flow))
    assert flow.response.status_code == 503 and len(events) == 1
    gate.hold = 30.0
    drain = next(a for a in addons.values() if type(a).__name__ == "GracefulShutdown")
    drain.draining = True
    try:
        flow = connect_flow("api.openai.com")
        asyncio.run(asyncio.wait_for(gate.http_connect(flow), 5))  # not the 30 s
        assert flow.response.status_code == 503
    finally:
        drain.draining = False


def test_the_hold_option_is_validated(chain):
    with pytest.raises(exceptions.OptionsError, match="aidlp_startup_hold"):
        ctx.options.update(aidlp_startup_hold=-1)
    ctx.options.update(aidlp_startup_hold=7)
    assert chain[0][StartupConnectGate].hold == 7.0


def test_a_broken_check_or_recorder_refuses_the_connect(chain):
    addons, host, _events = chain
    gate = addons[StartupConnectGate]

    def broken(event):
        raise RuntimeError("sink down")

    host.recording.subscribers.insert(0, broken)
    assert connect(addons, "api.openai.com").response.status_code == 503
    gate.catalogue = lambda: (_ for _ in ()).throw(RuntimeError("no catalogue"))
    assert connect(addons, "api.openai.com").response.status_code == 503


def test_the_connect_gate_runs_before_the_connect_name_scanner():
    """The name scanner would scan on workers that are not ready: the gate answers first."""
    kinds = [type(a) for a in default_addons()]
    assert kinds.index(ConnectionGate) < kinds.index(StartupConnectGate)
    assert kinds.index(StartupConnectGate) < kinds.index(ConnectNameScanner)


def test_upstream_cert_is_kept_off_however_the_addon_is_loaded():
    """`mitmdump -s proxy/addon.py` leaves mitmproxy's upstream_cert=true: the addon turns
    it off (a name-constrained CA rejects forged certificates carrying upstream names)."""
    from mitmproxy.addons.tlsconfig import TlsConfig

    addons = default_addons()
    with taddons.context(Proxyserver(), TlsConfig(), *addons) as context:
        assert context.options.upstream_cert is False
        context.options.update(upstream_cert=True)  # a later --set / console change
        assert context.options.upstream_cert is False
        context.options.update(aidlp_forge_sni_only=False, upstream_cert=True)
        assert context.options.upstream_cert is True
