"""Contract metric names/labels, histogram buckets, and the /metrics /healthz /readyz server."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from proxy.metrics import (
    SCAN_BYTES_BUCKETS,
    SCAN_SECONDS_BUCKETS,
    Metrics,
    MetricsServer,
)
from tests.unit.obs.helpers import sample

#: ../shared/DESIGN.md "Metrics (contract)": exported name → (type, labels)
CONTRACT = {
    "aidlp_requests_total": ("counter", {"tool", "decision"}),
    "aidlp_findings_total": ("counter", {"category", "entity_type"}),
    "aidlp_blocked_total": ("counter", {"tool", "reason"}),
    "aidlp_approvals_total": ("counter", {"result"}),
    "aidlp_scan_duration_seconds": ("histogram", set()),
    "aidlp_scan_bytes": ("histogram", set()),
    "aidlp_scan_errors_total": ("counter", {"kind"}),
    "aidlp_build_info": ("gauge", {"version"}),
}


def touch_everything(m: Metrics) -> None:
    m.requests.labels(tool="openai", decision="allow").inc()
    m.findings.labels(category="PERSONAL_DATA", entity_type="UK_NINO").inc()
    m.blocked.labels(tool="openai", reason="findings").inc()
    m.scan_duration.observe(0.002)
    m.scan_bytes.observe(1500)


def exposition(m: Metrics) -> dict:
    from prometheus_client import generate_latest

    text = generate_latest(m.registry).decode()
    return {f.name: f for f in text_string_to_metric_families(text)}, text


def test_contract_names_types_and_labels():
    m = Metrics(CollectorRegistry())
    touch_everything(m)
    _, text = exposition(m)
    for name, (kind, labels) in CONTRACT.items():
        assert f"# TYPE {name} {kind}" in text, name
        series = name + "_bucket" if kind == "histogram" else name
        lines = [ln for ln in text.splitlines() if ln.startswith((series + "{", series + " "))]
        assert lines, name
        for line in lines:
            found = set()
            if "{" in line:
                found = {
                    kv.split("=", 1)[0]
                    for kv in line[line.index("{") + 1 : line.index("}")].split(",")
                }
            assert found - {"le"} == labels, (name, line)


def test_histogram_buckets_cover_the_workload():
    assert SCAN_SECONDS_BUCKETS[0] == 0.0005 and SCAN_SECONDS_BUCKETS[-1] == 5.0
    assert SCAN_BYTES_BUCKETS[0] == 100 and SCAN_BYTES_BUCKETS[-1] >= 20 * 1024 * 1024
    assert list(SCAN_SECONDS_BUCKETS) == sorted(SCAN_SECONDS_BUCKETS)
    m = Metrics(CollectorRegistry())
    m.scan_duration.observe(0.0007)
    assert sample(m, "aidlp_scan_duration_seconds_bucket", le="0.0005") == 0
    assert sample(m, "aidlp_scan_duration_seconds_bucket", le="0.001") == 1


def test_known_label_values_are_exported_at_zero():
    m = Metrics(CollectorRegistry())
    m.prime_tools(["deepseek"])
    m.prime_sinks(["webhook"])
    exposition(m)
    assert (
        m.registry.get_sample_value(
            "aidlp_blocked_total", {"tool": "deepseek", "reason": "blocked_tool"}
        )
        == 0
    )
    assert m.registry.get_sample_value("aidlp_approvals_total", {"result": "invalid"}) == 0
    assert m.registry.get_sample_value("aidlp_scan_errors_total", {"kind": "scan_timeout"}) == 0
    assert (
        m.registry.get_sample_value(
            "aidlp_event_drops_total", {"sink": "webhook", "reason": "queue_full"}
        )
        == 0
    )


def test_pool_gauges_read_live_values():
    m = Metrics(CollectorRegistry())
    pool = SimpleNamespace(in_flight=0, ready=False, settings=SimpleNamespace(processes=3))
    m.watch_pool(pool)
    assert sample(m, "aidlp_scan_queue_depth") == 0 and sample(m, "aidlp_ready") == 0
    pool.in_flight, pool.ready = 7, True
    assert sample(m, "aidlp_scan_queue_depth") == 7
    assert sample(m, "aidlp_scan_workers") == 3 and sample(m, "aidlp_ready") == 1


def test_exported_names_include_suffixes():
    names = Metrics(CollectorRegistry()).exported_names()
    assert {
        "aidlp_requests_total",
        "aidlp_scan_duration_seconds_bucket",
        "aidlp_scan_duration_seconds_count",
        "aidlp_scan_bytes_sum",
        "aidlp_build_info",
        "aidlp_event_drops_total",
        "aidlp_scan_queue_depth",
    } <= names
    assert "aidlp_requests" not in names


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def server():
    m = Metrics(CollectorRegistry())
    state = {"ready": False}
    srv = MetricsServer(m.registry, lambda: state["ready"], "127.0.0.1", 0).start()
    yield m, state, f"http://127.0.0.1:{srv.port}"
    srv.stop()


def test_server_endpoints(server):
    m, state, base = server
    m.requests.labels(tool="openai", decision="block").inc(3)
    status, body = get(base + "/metrics")
    assert status == 200
    assert 'aidlp_requests_total{decision="block",tool="openai"} 3.0' in body
    assert get(base + "/healthz") == (200, "ok\n")
    assert get(base + "/readyz") == (503, "not ready\n")
    state["ready"] = True
    assert get(base + "/readyz") == (200, "ready\n")
    assert get(base + "/")[0] == 404


def test_readyz_is_not_ready_when_the_check_fails(server):
    _, state, base = server
    state["ready"] = None  # bool(None) is False
    assert get(base + "/readyz")[0] == 503


def test_server_stops_and_releases_the_port():
    m = Metrics(CollectorRegistry())
    srv = MetricsServer(m.registry, lambda: True, "127.0.0.1", 0).start()
    port = srv.port
    srv.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_event_stats():
    m = Metrics(CollectorRegistry())
    m.event_emitted("ai.request.blocked")
    m.event_dropped("webhook", "queue_full", 5)
    assert sample(m, "aidlp_events_total", event="ai.request.blocked") == 1
    assert sample(m, "aidlp_event_drops_total", sink="webhook", reason="queue_full") == 5
