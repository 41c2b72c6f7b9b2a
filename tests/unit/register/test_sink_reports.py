"""The register sink (bounded, off the caller's thread) and the reports over what it wrote."""

from __future__ import annotations

import json
import time

import pytest

from proxy.config import load_config
from proxy.events import EventConfigError, EventRecorder, EventSettings
from proxy.register import reports
from proxy.register.render import render
from proxy.register.settings import RegisterSettings
from proxy.register.sink import RegisterSink
from proxy.register.store import RegisterStore
from proxy.runtime import Runtime
from tests.unit.register.helpers import decision, epoch


class Stats:
    def __init__(self) -> None:
        self.drops: list[tuple[str, str, int]] = []

    def event_emitted(self, event: str) -> None:
        pass

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None:
        self.drops.append((sink, reason, count))


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_recorder_events_reach_the_register_and_reload_events_do_not(tmp_path):
    settings = RegisterSettings(directory=str(tmp_path))
    stats = Stats()
    sink = RegisterSink(settings, stats)
    recorder = EventRecorder(EventSettings(stdout=False), stats, sinks=[sink])
    recorder.emit(decision("ai.request.blocked", categories=("PERSONAL_DATA",)))
    recorder.emit(decision("ai.request.allowed"))
    recorder.emit({"event": "aidlp.config.reloaded", "result": "ok"})
    recorder.close()
    store = RegisterStore(tmp_path)
    assert store.count() == 2
    assert sink.delivered == 2 and stats.drops == []


def test_a_full_queue_drops_and_counts_instead_of_waiting(tmp_path):
    stats = Stats()
    sink = RegisterSink(RegisterSettings(directory=str(tmp_path), queue_size=2), stats)
    from proxy.events.sinks.base import Rendered

    started = time.perf_counter()
    for n in range(50):  # not started: nothing drains the queue
        line = json.dumps(decision(hour=n % 24, day=f"2026-11-{1 + n // 24:02d}"))
        sink.offer(Rendered("ai.request.allowed", line, time.time()))
    assert time.perf_counter() - started < 1.0
    assert stats.drops.count(("register", "queue_full", 1)) == 48
    sink.start()
    sink.close(5)
    assert RegisterStore(tmp_path).count() == 2


def test_the_sink_purges_on_start_and_on_schedule(tmp_path):
    now = [epoch("2026-12-01")]
    store = RegisterStore(tmp_path, clock=lambda: now[0])
    store.add([decision(day="2026-01-01"), decision(day="2026-11-30")])
    settings = RegisterSettings(
        directory=str(tmp_path), retention_days=30, purge_interval_seconds=1
    )
    sink = RegisterSink(settings, Stats(), clock=lambda: now[0])
    sink.start()
    assert wait_for(lambda: store.count() == 1)  # at start: January is gone
    now[0] = epoch("2027-02-01")  # the clock moves on; no new events arrive
    assert wait_for(lambda: store.count() == 0, timeout=15)  # the schedule purged November
    sink.close(5)
    assert sink.purged == 2


def test_an_unusable_register_directory_fails_the_config(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(EventConfigError, match=r"register\.directory"):
        RegisterSink(RegisterSettings(directory=str(blocker / "sub")), Stats())


def test_runtime_adds_the_register_sink_when_a_directory_is_set(tmp_path):
    config = tmp_path / "aidlp.yaml"
    config.write_text("events: {stdout: false}\nregister:\n  directory: reg\n")
    loaded = load_config(config)
    assert loaded.config.register.directory == str(tmp_path / "reg")
    runtime = Runtime.build(loaded)
    try:
        assert [s.name for s in runtime.recorder.sinks] == ["register"]
    finally:
        runtime.recorder.close()
    config.write_text("register:\n  subjects: {key_file: absent.key}\n")
    with pytest.raises(EventConfigError, match=r"register\.subjects\.key_file"):
        Runtime.build(load_config(config))


@pytest.fixture
def filled(tmp_path):
    store = RegisterStore(tmp_path)
    approval = {"jti": "jti-1", "ref": "DPIA-123", "issuer": "DPO"}
    store.add(
        [
            decision(day="2026-11-28", user="alice"),
            decision(day="2026-11-28", user="alice", tool="claude"),
            decision("ai.request.blocked", day="2026-11-29", categories=("PERSONAL_DATA",)),
            decision(
                "ai.request.blocked",
                day="2026-11-29",
                user="bob",
                categories=("PERSONAL_DATA", "OFFICIAL_SENSITIVE"),
            ),
            decision("ai.tool.blocked", day="2026-11-30", user="bob", tool="deepseek",
                     reason="blocked_tool"),
            decision("ai.request.approved", day="2026-11-30", categories=("PERSONAL_DATA",),
                     approval=approval, reason="approved"),
            decision("ai.request.approved", day="2026-11-30", hour=14, tool="claude",
                     categories=("PERSONAL_DATA",), approval=approval, reason="approved"),
            decision("ai.request.monitored", day="2026-12-01", user="carol",
                     categories=("SPECIAL_CATEGORY",), reason="monitor"),
        ]
    )  # fmt: skip
    yield store
    store.close()


def test_usage_counts_by_tool_with_totals_and_a_daily_chart(filled):
    report = reports.usage(filled.db, reports.Filters())
    data = report.data
    assert data["total"]["requests"] == 8
    assert {k: data["total"][k] for k in reports.OUTCOMES} == {
        "allowed": 2, "approved": 2, "monitored": 1, "blocked": 3,
    }  # fmt: skip
    assert data["total"]["blocks_by_reason"] == {"blocked_tool": 1, "findings": 2}
    assert data["total"]["blocks_by_category"] == {"OFFICIAL_SENSITIVE": 1, "PERSONAL_DATA": 2}
    assert data["total"]["approvals_used"] == 2
    assert data["groups"]["claude"]["requests"] == 2
    assert data["groups"]["deepseek"]["blocked"] == 1
    assert report.chart is not None
    assert report.chart.days == ["2026-11-28", "2026-11-29", "2026-11-30", "2026-12-01"]
    assert report.chart.series["blocked"] == [0, 2, 1, 0]


def test_usage_filters_and_groupings(filled):
    period = reports.Filters(
        start_ms=reports.parse_when("2026-11-29"), end_ms=reports.parse_when("2026-11-30", end=True)
    )
    by_user = reports.usage(filled.db, period, "user").data
    assert by_user["total"]["requests"] == 5
    assert sorted(by_user["groups"]) == ["alice", "bob"]
    by_category = reports.usage(filled.db, reports.Filters(), "category").data["groups"]
    assert by_category["PERSONAL_DATA"]["requests"] == 4
    assert by_category["(none)"]["requests"] == 3
    by_day = reports.usage(filled.db, reports.Filters(tool="claude"), "day").data
    assert sorted(by_day["groups"]) == ["2026-11-28", "2026-11-30"]
    assert by_day["total"]["requests"] == 2
    with pytest.raises(ValueError, match="expected YYYY-MM-DD"):
        reports.parse_when("yesterday")


def test_user_approvals_and_incidents_reports(filled):
    alice = reports.user_report(filled.db, reports.Filters(user="alice")).data
    assert alice["total"]["requests"] == 5
    assert [e["outcome"] for e in alice["events"]] == [
        "allowed", "allowed", "blocked", "approved", "approved",
    ]  # fmt: skip
    approvals = reports.approvals_report(filled.db, reports.Filters()).data
    assert approvals["by_reference"] == {
        "DPIA-123": {"uses": 2, "tools": {"claude": 1, "openai": 1}}
    }
    incidents = reports.incidents_report(filled.db, reports.Filters()).data["incidents"]
    assert len(incidents) == 3 and all(i["incident_id"].startswith("AIDLP-") for i in incidents)


def test_every_format_renders(filled):
    report = reports.usage(filled.db, reports.Filters(), "tool")
    text = render(report, "table")
    assert "Use by tool" in text and "total" in text
    csv_text = render(report, "csv").splitlines()
    assert csv_text[0].startswith("tool,requests,allowed,approved,monitored,blocked")
    assert csv_text[-1].startswith("total,8,2,2,1,3")
    assert json.loads(render(report, "json"))["total"]["requests"] == 8
    html = render(report, "html")
    assert html.startswith("<!DOCTYPE html>") and '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    empty = reports.incidents_report(filled.db, reports.Filters(user="nobody"))
    assert "None in this period" in render(empty, "html") and "(none)" in render(empty, "table")
