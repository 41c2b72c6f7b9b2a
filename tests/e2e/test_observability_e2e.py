"""Issue 6 end to end: a real Prometheus scrapes a running `aidlp run`; events reach real sinks.

- Prometheus (Debian package) scrapes /metrics every second and evaluates the shipped alert
  rules; after blocked, allowed and DeepSeek traffic the counters moved exactly as expected,
  the DeepSeek alert fires, and every Grafana dashboard query runs.
- Events reach stdout, a rotating file, UDP syslog (RFC 5424) and a Splunk-HEC webhook, with
  the incident id the user saw and the content HMAC under the configured key.
- Dead sinks (webhook and TCP syslog with nothing listening) never slow the proxy: every
  request is answered and the drops are counted in aidlp_event_drops_total.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import httpx
import pytest
from mitmproxy import http

from proxy.extract import extract
from tests.e2e.conftest import TEST_CONFIG, require_tool
from tests.e2e.harness import ROOT, free_port
from tests.unit.obs.servers import HecCollector, UdpCollector, closed_port

pytestmark = pytest.mark.e2e

CHAT_URL = "https://api.openai.com/v1/chat/completions"
NINO = "JH 45 71 23 D"
HMAC_KEY = "e2e-hmac-key-0f1e2d3c4b5a69788796a5b4"
RULES = ROOT / "deploy" / "prometheus" / "aidlp-alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "aidlp-dashboard.json"


def chat(text: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def scanned_text(body: dict[str, Any]) -> str:
    """What the proxy scans (and HMACs) for this body: the extractor's joined segments."""
    request = http.Request.make(
        "POST", CHAT_URL, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    return "\n\n".join(segment.text for segment in extract(request).segments)


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


# ---- a real Prometheus ------------------------------------------------------------------------


class Prometheus:
    def __init__(self, workdir: Path, target_port: int) -> None:
        exe = require_tool("prometheus")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        config.write_text(
            json.dumps(  # JSON is YAML
                {
                    "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                    "rule_files": [str(RULES)],
                    "scrape_configs": [
                        {
                            "job_name": "aidlp",
                            "scrape_interval": "1s",
                            "static_configs": [{"targets": [f"127.0.0.1:{target_port}"]}],
                        }
                    ],
                }
            )
        )
        self.log = (workdir / "prometheus.log").open("wb")
        self.proc = subprocess.Popen(
            [
                exe,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.proc.returncode}")
            try:
                if get(self.url + "/-/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("prometheus not ready after 60 s")

    def api(self, path: str, **params: str) -> Any:
        status, body = get(f"{self.url}/api/v1/{path}?{urllib.parse.urlencode(params)}")
        payload = json.loads(body)
        assert payload["status"] == "success", (status, payload)
        return payload["data"]

    def value(self, query: str) -> float | None:
        result = self.api("query", query=query)["result"]
        return float(result[0]["value"][1]) if result else None

    def wait_value(self, query: str, expected: float, timeout: float = 30) -> float | None:
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.value(query)
            if value == expected:
                return value
            time.sleep(0.5)
        return value

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


@pytest.fixture(scope="module")
def collectors():
    udp, hec = UdpCollector(), HecCollector()
    yield udp, hec
    udp.close()
    hec.close()


@pytest.fixture(scope="module")
def obs_proxy(start_proxy, collectors, tmp_path_factory):
    udp, hec = collectors
    workdir = tmp_path_factory.mktemp("obs-sinks")
    key_file = workdir / "hmac.key"
    key_file.write_text(HMAC_KEY + "\n")
    config = TEST_CONFIG + (
        "events:\n"
        f"  hmac_key_file: {key_file}\n"
        "  file:\n"
        f"    path: {workdir / 'events.jsonl'}\n"
        "  syslog:\n"
        "    host: 127.0.0.1\n"
        f"    port: {udp.port}\n"
        "  webhook:\n"
        f"    url: {hec.url}\n"
        "    token_env: AIDLP_E2E_HEC_TOKEN\n"
    )
    proxy = start_proxy(config, name="obs", env_extra={"AIDLP_E2E_HEC_TOKEN": "e2e-hec-token"})
    proxy.events_file = workdir / "events.jsonl"
    return proxy


@pytest.fixture(scope="module")
def prometheus(obs_proxy, tmp_path_factory):
    prom = Prometheus(tmp_path_factory.mktemp("prometheus"), obs_proxy.metrics_port)
    yield prom
    prom.stop()


def test_metrics_port_serves_health_and_readiness(obs_proxy):
    base = f"http://127.0.0.1:{obs_proxy.metrics_port}"
    assert get(base + "/healthz") == (200, "ok\n")
    assert get(base + "/readyz") == (200, "ready\n")
    status, text = get(base + "/metrics")
    assert status == 200 and "aidlp_build_info{" in text
    # never on the proxy port
    with httpx.Client(timeout=10) as client:
        assert client.get(f"{obs_proxy.url}/metrics").status_code != 200


def test_prometheus_sees_the_counters_move(obs_proxy, prometheus):
    assert prometheus.wait_value('up{job="aidlp"}', 1) == 1
    # DeepSeek's counter is exported at 0 before any attempt (so increase() sees the first).
    assert prometheus.wait_value('aidlp_blocked_total{tool="deepseek"}', 0) == 0
    allowed, blocked, deepseek = 3, 2, 2
    with obs_proxy.httpx() as client:
        for i in range(allowed):
            response = client.post(CHAT_URL, json=chat(f"Summarise Roman history, part {i}."))
            assert response.status_code == 200, response.text
        for _ in range(blocked):
            response = client.post(CHAT_URL, json=chat(f"Claimant NINO {NINO}, draft a letter"))
            assert response.status_code == 403
    for _ in range(deepseek):
        with obs_proxy.httpx() as client, pytest.raises(httpx.ProxyError):
            client.get("https://chat.deepseek.com/")

    def wait(query: str, expected: float) -> None:
        assert prometheus.wait_value(query, expected) == expected, query

    wait('sum(aidlp_requests_total{tool="openai",decision="allow"})', allowed)
    wait('sum(aidlp_requests_total{tool="openai",decision="block"})', blocked)
    wait('sum(aidlp_blocked_total{tool="openai",reason="findings"})', blocked)
    wait('sum(aidlp_blocked_total{tool="deepseek",reason="blocked_tool"})', deepseek)
    wait('sum(aidlp_findings_total{category="PERSONAL_DATA"})', blocked)
    wait('sum(aidlp_category_requests_total{category="PERSONAL_DATA",decision="block"})', blocked)
    wait("sum(aidlp_scan_duration_seconds_count)", allowed + blocked)
    wait("sum(aidlp_scan_bytes_count)", allowed + blocked)
    wait('sum(aidlp_events_total{event="ai.request.blocked"})', blocked)
    wait('sum(aidlp_events_total{event="ai.tool.blocked"})', deepseek)
    wait("sum(aidlp_scan_errors_total)", 0)
    wait("aidlp_ready", 1)
    assert prometheus.value("sum(aidlp_event_drops_total)") == 0
    # every observed scan fits under the 5 s top bucket
    assert (
        prometheus.value('sum(aidlp_scan_duration_seconds_bucket{le="5.0"})') == allowed + blocked
    )

    # The shipped alert rule fires in a real Prometheus on the first DeepSeek attempt.
    deadline = time.monotonic() + 30
    firing: list[dict] = []
    while time.monotonic() < deadline and not firing:
        firing = [
            a
            for a in prometheus.api("alerts")["alerts"]
            if a["labels"]["alertname"] == "AidlpDeepSeekAttempt" and a["state"] == "firing"
        ]
        time.sleep(0.5)
    assert firing, "AidlpDeepSeekAttempt did not fire"
    assert not [
        a
        for a in prometheus.api("alerts")["alerts"]
        if a["labels"]["alertname"] in ("AidlpScanErrors", "AidlpEventsDropped")
    ]


def test_every_dashboard_query_runs_in_prometheus(prometheus):
    """Each Grafana query, with its variables filled in, is valid and the key panels have data."""
    dash = json.loads(DASHBOARD.read_text())
    exprs = {}
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for var, value in {
                "$__rate_interval": "1m",
                "$__range": "1h",
                "$instance": ".*",
            }.items():
                expr = expr.replace(var, value)
            exprs.setdefault(panel["title"], []).append(expr)
    assert prometheus.wait_value('sum(aidlp_requests_total{decision="block"})', 4, timeout=30)
    # rate()/increase() need two samples of the newest series: wait for a few scrapes of them
    newest = "min(count_over_time(aidlp_category_requests_total[1m])) >= bool 3"
    assert prometheus.wait_value(newest, 1, timeout=30) == 1
    empty = []
    for title, queries in exprs.items():
        results = [prometheus.api("query", query=expr)["result"] for expr in queries]
        if not any(results):  # every query ran (api() asserts success); some returned data
            empty.append(title)
    for title in (
        "Requests by tool and decision",
        "Blocks by tool and reason",
        "Blocks by category",
        "Top detectors",
        "DeepSeek attempts",
        "Scan latency p50 / p95 / p99",
        "Approvals by result",
        "Build",
    ):
        assert title not in empty, f"dashboard panel {title!r} has no data"


def test_events_reach_every_sink_with_the_incident_id_and_content_hmac(obs_proxy, collectors):
    udp, hec = collectors
    body = chat(f"Case notes for {NINO}: please summarise")
    with obs_proxy.httpx() as client:
        response = client.post(CHAT_URL, json=body)
    assert response.status_code == 403
    incident = response.headers["X-AIDLP-Incident"]
    expected_hmac = hmac.new(
        HMAC_KEY.encode(), scanned_text(body).encode(), hashlib.sha256
    ).hexdigest()

    stdout_event = obs_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert stdout_event is not None
    assert stdout_event["event"] == "ai.request.blocked"
    assert stdout_event["content_hmac"] == expected_hmac
    assert stdout_event["user"] == stdout_event["client_ip"] == "127.0.0.1"
    assert stdout_event["findings"][0]["category"] == "PERSONAL_DATA"

    def from_file() -> dict | None:
        for line in obs_proxy.events_file.read_text().splitlines():
            event = json.loads(line)
            if event.get("incident_id") == incident:
                return event
        return None

    def from_hec() -> dict | None:
        for item in hec.events():
            if item["event"].get("incident_id") == incident:
                return item
        return None

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (from_file() and from_hec()):
        time.sleep(0.1)
    assert from_file() == stdout_event
    hec_item = from_hec()
    assert hec_item is not None and hec_item["event"] == stdout_event
    assert hec_item["sourcetype"] == "aidlp:event"
    assert any(r["headers"].get("Authorization") == "Splunk e2e-hec-token" for r in hec.requests)

    syslog_event = None
    while syslog_event is None:  # UdpCollector.receive times out after 10 s
        message = udp.receive()
        match = re.match(rb"^<(\d+)>1 \S+ \S+ aidlp \d+ (\S+) - (\{.*\})$", message)
        assert match, "not an RFC 5424 message"
        event = json.loads(match[3])
        if event.get("incident_id") == incident:
            syslog_event = event
            assert match[2] == b"ai.request.blocked"
    assert syslog_event == stdout_event
    assert NINO.replace(" ", "") not in json.dumps(stdout_event).replace(" ", "")


def test_dead_sinks_never_slow_the_proxy(start_proxy):
    config = TEST_CONFIG + (
        "events:\n"
        "  syslog:\n"
        "    host: 127.0.0.1\n"
        f"    port: {closed_port()}\n"
        "    protocol: tcp\n"
        "    queue_size: 5\n"
        "  webhook:\n"
        f"    url: http://127.0.0.1:{closed_port()}/services/collector/event\n"
        "    queue_size: 5\n"
        "    max_retries: 50\n"
        "    backoff_seconds: 5\n"
    )
    proxy = start_proxy(config, name="deadsinks")
    n = 30
    with proxy.httpx(timeout=15) as client:
        for i in range(n):
            text = f"Claimant NINO {NINO}" if i % 2 else f"Harmless question {i}"
            response = client.post(CHAT_URL, json=chat(text))
            assert response.status_code == (403 if i % 2 else 200)
    # stdout still has every decision; the dead sinks dropped and counted
    assert len([e for e in proxy.events() if e.get("tool") == "openai"]) == n
    status, text = get(f"http://127.0.0.1:{proxy.metrics_port}/metrics")
    assert status == 200
    drops: dict[str, float] = {}
    for match in re.finditer(r'aidlp_event_drops_total\{reason="\w+",sink="(\w+)"\} (\S+)', text):
        drops[match[1]] = drops.get(match[1], 0) + float(match[2])
    # every event is dropped except at most a queue (5) and a batch in delivery (5)
    assert drops.get("webhook", 0) >= n - 10
    assert drops.get("syslog", 0) >= n - 10
    assert get(f"http://127.0.0.1:{proxy.metrics_port}/readyz")[0] == 200
