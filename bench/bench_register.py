"""The usage register's cost, measured where it is paid (prints figures, asserts nothing).

1. The proxy's event-loop thread: ``EventRecorder.emit()`` per decision event, without and
   with the register sink (the sink only adds a non-blocking queue put on that thread).
2. The register's own thread: how many events per second it writes to SQLite (batches of
   up to 500 per transaction), i.e. the sustained decision rate it keeps up with.
3. The scan workers: subject hashing (normalise + HMAC of each strong identifier) against
   the scan of the same text.

    uv run python bench/bench_register.py [--events 20000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from proxy.events import EventRecorder, EventSettings
from proxy.register.settings import RegisterSettings
from proxy.register.sink import RegisterSink
from proxy.register.store import RegisterStore
from proxy.register.subjects import SubjectHasher
from tests.unit.register.helpers import decision

TEXT = (
    "Please summarise this case note. Claimant Sarah Jones, NI number JK 48 29 17 C, email "
    "sarah.jones@example.com, phone 07700 900123, NHS 943 476 5919, lives in Leeds LS6 2AB. "
)


class Stats:
    drops = 0

    def event_emitted(self, event: str) -> None:
        pass

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None:
        self.drops += count


class DeferredSink(RegisterSink):
    """Started by the benchmark, not by the recorder."""

    def start(self) -> None:
        pass


def events(n: int) -> list[dict]:
    out = []
    for i in range(n):
        kind = i % 5
        day = f"2026-11-{1 + (i // 2000) % 28:02d}"
        if kind == 0:
            out.append(
                decision("ai.request.blocked", day=day, hour=i % 24, categories=("PERSONAL_DATA",),
                         subjects=[("nino", f"{i:064x}")])
            )  # fmt: skip
        else:
            e = decision("ai.request.allowed", day=day, hour=i % 24, user=f"user{i % 300}")
            e["content_hmac"] = f"{i:064x}"
            out.append(e)
    return out


def emit_cost(batch: list[dict], sinks: list) -> tuple[float, EventRecorder]:
    """Microseconds per emit() on this thread."""
    recorder = EventRecorder(EventSettings(stdout=False), Stats(), sinks=sinks)
    started = time.perf_counter()
    for event in batch:
        recorder.emit(event)
    return (time.perf_counter() - started) / len(batch) * 1e6, recorder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    options = parser.parse_args()
    batch = events(options.events)
    tmp = Path(tempfile.mkdtemp(prefix="aidlp-bench-register-"))

    base_us, recorder = emit_cost(batch, [])
    recorder.close()
    stats = Stats()
    sink = DeferredSink(RegisterSettings(directory=str(tmp), queue_size=options.events), stats)
    # The event loop's share: emit() with the sink's queue filling (its thread not started,
    # so the two do not compete for the GIL in this tight loop as they would not in the proxy).
    recorder = EventRecorder(EventSettings(stdout=False), stats, sinks=[sink])
    started = time.perf_counter()
    for event in batch:
        recorder.emit(event)
    with_us = (time.perf_counter() - started) / len(batch) * 1e6
    # The register thread's share: drain the queue into SQLite.
    cpu, wall = time.process_time(), time.perf_counter()
    RegisterSink.start(sink)
    while sink.delivered < len(batch) and time.perf_counter() - wall < 600:
        time.sleep(0.005)
    drained, cpu_us = time.perf_counter() - wall, (time.process_time() - cpu) / len(batch) * 1e6
    recorder.close()
    rows = RegisterStore(tmp).count()
    size = sum(p.stat().st_size for p in tmp.iterdir())
    print(f"{len(batch)} decision events (1 in 5 blocked with a finding and a subject hash)\n")
    print("event-loop thread, EventRecorder.emit() per event:")
    print(f"  no sinks            {base_us:8.1f} us")
    print(f"  + register sink     {with_us:8.1f} us   (+{with_us - base_us:.1f} us: a queue put)")
    print("register thread (SQLite, WAL, batches gathered for 0.5 s, up to 5,000):")
    print(
        f"  {cpu_us:.0f} us CPU per event (one core keeps up with {1e6 / cpu_us:,.0f} events/s); "
        f"drained in {drained:.1f} s wall; "
        f"{rows} rows, {size / rows:.0f} bytes/row on disk; drops {stats.drops}"
    )

    from detectors.engine import ScanEngine
    from detectors.settings import DetectorSettings

    engine = ScanEngine(DetectorSettings())
    hasher = SubjectHasher(b"k" * 32)
    result = engine.scan(TEXT)
    scans, hashes = [], []
    for _ in range(200):
        t0 = time.perf_counter()
        result = engine.scan(TEXT)
        t1 = time.perf_counter()
        pairs = hasher.for_findings(TEXT, result.findings)
        t2 = time.perf_counter()
        scans.append(t1 - t0)
        hashes.append(t2 - t1)
    scan_ms, hash_ms = statistics.median(scans) * 1000, statistics.median(hashes) * 1000
    print(
        f"scan worker, a {len(TEXT)}-char prompt with {len(pairs)} strong identifiers (median of 200):"
    )
    print(
        f"  scan {scan_ms:.3f} ms, subject hashing {hash_ms:.3f} ms ({hash_ms / scan_ms:.1%} of the scan)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
