"""The register file: migrations, idempotent loads, retention under a controlled clock."""

from __future__ import annotations

import json
import sqlite3

import pytest

from proxy.register.importer import import_files, parse_line
from proxy.register.store import DB_NAME, SCHEMA_VERSION, RegisterError, RegisterStore
from tests.unit.register.helpers import decision, epoch


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_new_register_is_migrated_to_the_current_schema(tmp_path):
    store = RegisterStore(tmp_path / "reg")
    assert store.version() == SCHEMA_VERSION
    tables = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"decisions", "findings", "subjects"} <= tables
    assert (tmp_path / "reg" / DB_NAME).stat().st_mode & 0o077 == 0o040  # 0640
    store.close()
    RegisterStore(tmp_path / "reg").close()  # reopening applies nothing twice


def test_a_register_from_a_newer_aidlp_is_refused(tmp_path):
    RegisterStore(tmp_path).close()
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RegisterError, match="newer than this aidlp"):
        RegisterStore(tmp_path)


def test_the_same_events_twice_are_stored_once(tmp_path):
    store = RegisterStore(tmp_path)
    events = [
        decision("ai.request.blocked", categories=("PERSONAL_DATA",)),
        decision("ai.request.allowed"),
        decision("ai.request.allowed", hour=13),
    ]
    assert store.add(events) == 3
    assert store.add(events) == 0
    assert store.count() == 3
    assert store.db.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == 1


def test_what_is_not_a_decision_or_not_in_the_schema_is_not_stored(tmp_path):
    store = RegisterStore(tmp_path)
    odd = decision("ai.request.blocked", categories=("PERSONAL_DATA",))
    odd["prompt"] = "Claimant JG 10 37 29 A"  # not a field: dropped by the schema
    odd["user"] = "alice jg 10 37 29 a"  # does not fit the field: redacted
    reload = {"event": "aidlp.config.reloaded", "timestamp": "2026-11-30T12:00:00Z"}
    no_time = {**decision("ai.request.allowed"), "timestamp": None}
    assert store.add([odd, reload, no_time]) == 1
    row = store.db.execute("SELECT user FROM decisions").fetchone()
    assert row == (None,)
    store.close()
    assert b"JG 10 37" not in (tmp_path / DB_NAME).read_bytes().upper()


def test_retention_deletes_what_is_older_than_the_setting(tmp_path):
    clock = Clock(epoch("2026-12-01", 0))
    store = RegisterStore(tmp_path, clock=clock)
    old = decision("ai.request.blocked", day="2026-10-01", subjects=[("nino", "aa" * 32)])
    edge = decision("ai.request.blocked", day="2026-10-31", hour=1)
    new = decision("ai.request.allowed", day="2026-11-30")
    store.add([old, edge, new])
    assert store.purge(31) == 1  # 2026-10-01 is 61 days old; 10-31 01:00 is within 31 days
    assert store.count() == 2
    assert store.db.execute("SELECT COUNT(*) FROM subjects").fetchone()[0] == 0  # cascaded
    clock.now = epoch("2026-12-02", 2)
    assert store.purge(31) == 1
    assert [r[0] for r in store.db.execute("SELECT day FROM decisions")] == ["2026-11-30"]
    # Import skips what is already past retention.
    assert store.add([decision("ai.request.allowed", day="2026-01-01")], retention_days=31) == 0


def test_import_reads_event_files_syslog_lines_and_siem_exports(tmp_path):
    events = [decision("ai.request.blocked", categories=("PERSONAL_DATA",)) for _ in range(3)]
    plain = tmp_path / "events.jsonl"
    plain.write_text(json.dumps(events[0]) + "\n\nnot json\n")
    syslog = tmp_path / "syslog.log"
    header = "<156>1 2026-11-30T12:00:00Z host aidlp 1 ai.request.blocked - "
    syslog.write_text(header + json.dumps(events[1]) + "\n")
    splunk = tmp_path / "splunk.json"
    splunk.write_text(
        json.dumps({"result": {"_raw": json.dumps(events[2])}}) + "\n"
        + json.dumps({"time": 1, "event": events[0]}) + "\n"
    )  # fmt: skip
    store = RegisterStore(tmp_path / "reg", clock=Clock(epoch("2026-12-01")))
    stats = import_files(store, [plain, syslog, splunk], retention_days=30)
    assert (stats.added, stats.events, stats.unreadable) == (3, 4, 1)
    assert parse_line("no braces") is None


def test_identical_events_in_one_stream_are_two_requests_and_reloading_adds_none(tmp_path):
    from proxy.register.store import Occurrences

    same = decision("ai.request.allowed")
    store = RegisterStore(tmp_path)
    assert (
        store.add([same, dict(same), decision("ai.request.allowed", hour=9)], seen=Occurrences())
        == 3
    )
    assert store.add([same, dict(same)], seen=Occurrences()) == 0  # the same stream again
    lines = tmp_path / "events.jsonl"
    lines.write_text((json.dumps(same) + "\n") * 3)
    assert import_files(store, [lines], retention_days=36_500).added == 1  # the third one
    assert store.count() == 4
