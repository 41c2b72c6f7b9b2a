"""Rotated event files get the register's retention (``register.retention_days``)."""

from __future__ import annotations

import os
import time

from proxy.config import load_config
from proxy.events.sinks.base import Rendered
from proxy.events.sinks.file import FileSink, FileSinkSettings
from proxy.register.settings import DEFAULT_RETENTION_DAYS

DAY = 86_400


class Stats:
    def event_emitted(self, event: str) -> None:
        pass

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None:
        pass


def test_event_files_default_to_the_register_retention(tmp_path):
    assert load_config().config.events.file.retention_days == DEFAULT_RETENTION_DAYS
    config = tmp_path / "aidlp.yaml"
    config.write_text("register: {retention_days: 30}\n")
    assert load_config(config).config.events.file.retention_days == 30
    config.write_text("register: {retention_days: 30}\nevents: {file: {retention_days: 7}}\n")
    assert load_config(config).config.events.file.retention_days == 7


def test_rotated_files_past_retention_are_deleted(tmp_path):
    path = tmp_path / "events.jsonl"
    now = time.time()
    ages = {
        "events.jsonl.1": 5,
        "events.jsonl.2": 31,
        "events.jsonl.10": 400,
        "events.jsonl.bak": 400,
    }
    for name, age in ages.items():
        (tmp_path / name).write_text("{}\n")
        os.utime(tmp_path / name, (now - age * DAY, now - age * DAY))
    sink = FileSink(FileSinkSettings(path=str(path), retention_days=30), Stats())
    assert sink.expire_backups(now=now - 100 * DAY) == 1  # a clock 100 days back: only .10
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events.jsonl", "events.jsonl.1", "events.jsonl.2", "events.jsonl.bak",
    ]  # fmt: skip
    sink.start()  # the first delivery expires with the real clock: .2 goes too
    sink.offer(Rendered("ai.request.allowed", "{}", now))
    sink.close(5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events.jsonl", "events.jsonl.1", "events.jsonl.bak",
    ]  # fmt: skip
    assert path.read_text() == "{}\n"


def test_without_retention_nothing_is_deleted(tmp_path):
    old = tmp_path / "events.jsonl.1"
    old.write_text("{}\n")
    os.utime(old, (0, 0))
    sink = FileSink(FileSinkSettings(path=str(tmp_path / "events.jsonl")), Stats())
    assert sink.expire_backups() == 0 and old.exists()
    sink.close(1)
