"""Recording: one schema event per decision, content HMAC, metrics, identity (addons + pipeline)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import urllib.request

import pytest
from mitmproxy.test import taddons, tflow

from detectors.types import Finding, ScanResult
from proxy.addons import (
    ApprovalHeaderTaker,
    ConnectionGate,
    MetricsEndpoint,
    RequestInspector,
    RuntimeHost,
    default_addons,
)
from proxy.addons.flows import subject_of
from proxy.events import EventRecorder, EventSettings
from proxy.extract import extract
from proxy.inspection import Outcome, Recording
from proxy.policy import PolicySettings, decide
from tests.unit.obs.helpers import ListSink, sample, wait_until

KEY = "unit-test-hmac-key-0123456789"
NINO = "AB123456C"


@pytest.fixture
def addon(tmp_path, monkeypatch):
    monkeypatch.setenv("AIDLP_HMAC_KEY", KEY)
    config = tmp_path / "aidlp.yaml"
    config.write_text("workers:\n  processes: 1\nevents:\n  stdout: false\n")
    chain = default_addons()
    a = Chain({type(x): x for x in chain})
    with taddons.context(*chain) as tctx:
        tctx.configure(a.host, aidlp_config=str(config), aidlp_metrics_port=0)
        sink = ListSink()
        a.host.runtime.recorder.close()
        a.host.runtime.recorder = EventRecorder(
            EventSettings(stdout=False), a.host.metrics, sinks=[sink]
        )
        a.host.recording = Recording(
            [a.host.runtime.recorder.on_decision, a.host.metrics.on_decision]
        )
        a.events = lambda n: [
            json.loads(i.line) for i in wait_until(lambda: len(sink.items) >= n and sink.items)
        ]
        yield a
        a.done()


class Chain:
    """The addon chain, driven hook by hook as mitmproxy would."""

    def __init__(self, addons: dict) -> None:
        self.addons = addons
        self.host: RuntimeHost = addons[RuntimeHost]
        self.metrics = self.host.metrics
        self.inspector: RequestInspector = addons[RequestInspector]

    def requestheaders(self, flow) -> None:
        for kind in (ConnectionGate, ApprovalHeaderTaker, RequestInspector):
            self.addons[kind].requestheaders(flow)

    async def request(self, flow) -> None:
        self.addons[ApprovalHeaderTaker].request(flow)
        await self.inspector.request(flow)

    def http_connect(self, flow) -> None:
        self.addons[ConnectionGate].http_connect(flow)

    async def running(self) -> None:
        for addon in self.addons.values():
            hook = getattr(addon, "running", None)
            if hook is not None:
                result = hook()
                if result is not None:
                    await result

    def done(self) -> None:
        for addon in self.addons.values():
            hook = getattr(addon, "done", None)
            if hook is not None:
                hook()

    @property
    def metrics_server(self):
        return self.addons[MetricsEndpoint].server

    def act(self, flow, decision, result=None, chars=0, digest=None) -> None:
        """Act on a decision as the request inspector does for a pipeline outcome."""
        noteworthy = decision.action != "allow" or decision.approval is not None
        outcome = Outcome(
            subject_of(flow, flow.metadata["aidlp.tool"]),
            decision,
            style="openai",
            result=result,
            incident_id="AIDLP-0123456789AB" if noteworthy else None,
            chars=chars,
            content_hmac=digest,
        )
        self.inspector.act(flow, outcome)


def openai_flow(body: dict, *, auth: tuple[str, str] | None = None):
    flow = tflow.tflow()
    flow.request.host = "api.openai.com"
    flow.request.port = 443
    flow.request.scheme = "https"
    flow.request.method = "POST"
    flow.request.path = f"/v1/chat/completions?user={NINO}"
    flow.request.headers["host"] = "api.openai.com"
    flow.request.headers["content-type"] = "application/json"
    flow.request.content = json.dumps(body).encode()
    flow.client_conn.peername = ("10.20.30.40", 50000)
    if auth:
        flow.metadata["proxyauth"] = auth
    return flow


def test_block_event_has_contract_fields_and_no_values(addon):
    flow = openai_flow({"messages": [{"role": "user", "content": f"NINO {NINO}"}]})
    addon.requestheaders(flow)
    result = ScanResult(
        [Finding("PERSONAL_DATA", "UK_NINO", 5, 14, 0.95, "uk_nino")] * 2,
        ["PERSONAL_DATA"],
        14,
        1.5,
    )
    addon.act(flow, decide(result.categories, PolicySettings()), result, 14, "ab" * 32)
    (event,) = addon.events(1)
    assert event["event"] == "ai.request.blocked"
    assert event["incident_id"] == flow.response.headers["X-AIDLP-Incident"]
    assert event["user"] == event["client_ip"] == "10.20.30.40"
    assert event["path"] == "/v1/chat/completions"
    assert event["findings"] == [
        {
            "category": "PERSONAL_DATA",
            "entity_type": "UK_NINO",
            "count": 2,
            "max_score": 0.95,
            "detector": "uk_nino",
        }
    ]
    assert event["content_hmac"] == "ab" * 32
    assert NINO not in json.dumps(event)
    m = addon.metrics
    assert sample(m, "aidlp_requests_total", tool="openai", decision="block") == 1
    assert sample(m, "aidlp_blocked_total", tool="openai", reason="findings") == 1
    assert sample(m, "aidlp_findings_total", category="PERSONAL_DATA", entity_type="UK_NINO") == 2
    assert sample(m, "aidlp_detector_findings_total", detector="uk_nino") == 2
    assert (
        sample(m, "aidlp_category_requests_total", category="PERSONAL_DATA", decision="block") == 1
    )


def test_proxyauth_user_is_the_identity_never_the_password(addon):
    flow = openai_flow({"messages": []}, auth=("jane.doe", "hunter2-password"))
    addon.requestheaders(flow)
    addon.act(flow, decide([], PolicySettings()))
    (event,) = addon.events(1)
    assert event["event"] == "ai.request.allowed" and event["incident_id"] is None
    assert event["user"] == "jane.doe" and event["client_ip"] == "10.20.30.40"
    assert "hunter2" not in json.dumps(event)


def test_deepseek_connect_is_recorded(addon):
    flow = tflow.tflow()
    flow.request.method = "CONNECT"
    flow.request.host = "chat.deepseek.com"
    flow.request.port = 443
    flow.client_conn.peername = ("10.9.8.7", 1)
    addon.http_connect(flow)
    (event,) = addon.events(1)
    assert flow.response.status_code == 403
    assert event["event"] == "ai.tool.blocked" and event["tool"] == "deepseek"
    assert event["incident_id"] == flow.response.headers["X-AIDLP-Incident"]
    assert sample(addon.metrics, "aidlp_blocked_total", tool="deepseek", reason="blocked_tool") == 1


def test_full_request_path_hmacs_the_scanned_text_and_serves_metrics(addon):
    async def go():
        await addon.running()  # starts the metrics server and, in the background, one worker
        if addon.host.starting is not None:
            await addon.host.starting
        flow = openai_flow(
            {"model": "gpt-4o", "messages": [{"role": "user", "content": f"my NINO is {NINO}"}]}
        )
        addon.requestheaders(flow)
        await addon.request(flow)
        return flow

    flow = asyncio.new_event_loop().run_until_complete(go())
    (event,) = addon.events(1)
    assert flow.response is not None and flow.response.status_code == 403
    assert event["event"] == "ai.request.blocked"
    # the extracted, joined text, HMAC'd under the configured key
    text = "\n\n".join(segment.text for segment in extract(flow.request).segments)
    assert NINO in text
    assert (
        event["content_hmac"] == hmac.new(KEY.encode(), text.encode(), hashlib.sha256).hexdigest()
    )
    assert event["bytes_scanned"] > 0
    port = addon.metrics_server.port
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    assert 'aidlp_requests_total{decision="block",tool="openai"} 1.0' in body
    assert "aidlp_scan_duration_seconds_count 1.0" in body
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
        assert response.status == 200
    addon.done()
    assert addon.metrics_server is None
