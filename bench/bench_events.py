"""emit() cost with healthy and dead sinks (prints figures; asserts nothing).

    uv run python bench/bench_events.py

A dead TCP syslog collector (nothing listening) and a hung HEC webhook (accepts, never
answers) must not change what emit() costs the proxy: emit only enqueues.
"""

from __future__ import annotations

import io
import socket
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry

from proxy.events import EventRecorder, EventSettings
from proxy.events.sinks.stdout import StdoutSink
from proxy.metrics import Metrics

EVENT = {
    "event": "ai.request.blocked",
    "incident_id": "AIDLP-0123456789AB",
    "user": "jane.doe",
    "client_ip": "10.1.2.3",
    "tool": "openai",
    "host": "api.openai.com",
    "method": "POST",
    "path": "/v1/chat/completions",
    "decision": "block",
    "reason": "findings",
    "policy_clauses": ["PS2", "A1"],
    "findings": [
        {
            "category": "PERSONAL_DATA",
            "entity_type": "UK_NINO",
            "count": 1,
            "max_score": 0.95,
            "detector": "uk_nino",
        },
        {
            "category": "PERSONAL_DATA",
            "entity_type": "PERSON",
            "count": 2,
            "max_score": 0.85,
            "detector": "spacy_ner",
        },
    ],
    "approval": None,
    "bytes_scanned": 1200,
    "scan_ms": 3.2,
    "content_hmac": "ab" * 32,
}


def hung_webhook() -> tuple[str, threading.Event]:
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            release.wait(60)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/services/collector/event", release


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(name: str, recorder: EventRecorder, metrics: Metrics, n: int = 20_000) -> None:
    times = []
    for _ in range(n):
        start = time.perf_counter_ns()
        recorder.emit(EVENT)
        times.append(time.perf_counter_ns() - start)
    times.sort()
    drops = sum(
        s.value
        for family in metrics.registry.collect()
        if family.name == "aidlp_event_drops"
        for s in family.samples
        if s.name.endswith("_total")
    )
    print(
        f"{name:34s} emit p50 {times[n // 2] / 1000:6.1f} us  p99 {times[int(n * 0.99)] / 1000:6.1f} us"
        f"  max {times[-1] / 1000:8.1f} us  mean {statistics.fmean(times) / 1000:6.1f} us"
        f"  drops {int(drops)}"
    )


def main() -> None:
    metrics = Metrics(CollectorRegistry())
    measure(
        "no sinks (schema + JSON only)",
        EventRecorder(EventSettings(stdout=False), metrics, sinks=[]),
        metrics,
    )
    metrics = Metrics(CollectorRegistry())
    sink = StdoutSink(10_000, metrics, stream=io.StringIO)
    measure(
        "stdout (in-memory stream)",
        EventRecorder(EventSettings(stdout=False), metrics, sinks=[sink]),
        metrics,
    )

    url, release = hung_webhook()
    metrics = Metrics(CollectorRegistry())
    recorder = EventRecorder(
        EventSettings.model_validate(
            {
                "stdout": False,
                "webhook": {"url": url, "queue_size": 1000},
                "syslog": {
                    "host": "127.0.0.1",
                    "port": closed_port(),
                    "protocol": "tcp",
                    "queue_size": 1000,
                },
            }
        ),
        metrics,
    )
    measure("hung webhook + dead TCP syslog", recorder, metrics)
    release.set()
    started = time.perf_counter()
    recorder.close(2)
    print(f"close() with dead sinks took {time.perf_counter() - started:.2f} s (budget 2 s)")


if __name__ == "__main__":
    main()
