"""Events from files into the register: ``aidlp register import FILE...``.

Accepts what a fleet has to hand: aidlp's own rotating event files (JSON lines), the same
lines behind an RFC 5424 syslog header, and SIEM exports that wrap each event (Splunk
``{"result": {...}}`` / ``{"_raw": "..."}``, HEC ``{"event": {...}}``); ``.gz`` files are
read decompressed. Each event goes through the event schema again before it is stored, so an
export cannot bring in fields or values an aidlp event could not carry.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from proxy.register.store import Occurrences, RegisterStore

BATCH = 1000


@dataclass(slots=True)
class ImportStats:
    lines: int = 0
    events: int = 0
    added: int = 0
    unreadable: int = 0

    @property
    def duplicates_or_skipped(self) -> int:
        return self.events - self.added


def _unwrap(value: Any, depth: int = 0) -> dict[str, Any] | None:
    """The aidlp event inside one parsed line, however the SIEM wrapped it."""
    if depth > 3 or not isinstance(value, dict):
        return None
    if isinstance(value.get("event"), str) and "timestamp" in value:
        return value
    for wrapper in ("event", "result", "_source", "data"):
        inner = value.get(wrapper)
        if isinstance(inner, dict):
            return _unwrap(inner, depth + 1)
    raw = value.get("_raw")
    if isinstance(raw, str):
        return parse_line(raw, depth + 1)
    return None


def parse_line(line: str, depth: int = 0) -> dict[str, Any] | None:
    """One aidlp event from a line, or None (not an event)."""
    start = line.find("{")
    if start < 0:
        return None
    try:
        value = json.loads(line[start:])
    except ValueError:
        return None
    return _unwrap(value, depth)


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return path.open("r", encoding="utf-8", errors="replace")


def read_events(path: Path, stats: ImportStats) -> Iterator[dict[str, Any]]:
    with _open(path) as handle:
        for line in handle:
            if not line.strip():
                continue
            stats.lines += 1
            event = parse_line(line)
            if event is None:
                stats.unreadable += 1
                continue
            stats.events += 1
            yield event


def import_files(store: RegisterStore, paths: list[Path], retention_days: int) -> ImportStats:
    """Load every file (in batches), skipping what is past retention; then purge."""
    stats = ImportStats()
    for path in paths:
        seen = Occurrences()  # identical events within one file are distinct requests
        batch: list[dict[str, Any]] = []
        for event in read_events(path, stats):
            batch.append(event)
            if len(batch) >= BATCH:
                stats.added += store.add(batch, retention_days, seen)
                batch = []
        if batch:
            stats.added += store.add(batch, retention_days, seen)
    store.purge(retention_days)
    return stats
