"""Prometheus metrics (names and labels are a contract: ../shared/DESIGN.md) and the server
for ``/metrics``, ``/healthz`` and ``/readyz`` on its own port (never the proxy port).

prometheus_client appends ``_total`` to counter names: ``Counter("aidlp_requests", ...)`` is
exported as ``aidlp_requests_total``. Label values come from bounded sets only (tool ids,
decisions, categories, entity types, detector names, reasons, sink names): never users,
paths or values.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    make_wsgi_app,
)
from pydantic import BaseModel, ConfigDict, Field

from proxy import __version__
from proxy.events.model import DecisionEvent
from proxy.events.schema import APPROVALS_RELOAD_FAILED, CONFIG_RELOAD_FAILED

# `*_created` series double the exported series and no dashboard or alert reads them.
disable_created_metrics()

log = logging.getLogger("aidlp.metrics")

#: Scan wall time: 0.5 ms (short prompt, regex only) to 5 s (the default scan timeout).
SCAN_SECONDS_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip
#: Scanned size: 100 B (one-line prompt) to 20 MiB (the default max body, file uploads).
SCAN_BYTES_BUCKETS = (
    100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 300_000,
    1_000_000, 3_000_000, 10_000_000, 20_971_520,
)  # fmt: skip

#: Event-loop lag: 0.25 ms (noise) to 1 s (a badly blocked loop).
LOOP_LAG_BUCKETS = (0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

#: Known label values, exported at 0 from start-up so that ``increase()`` sees the first event.
#: How many labelled series :meth:`Metrics._child` keeps (label sets are bounded; a bound anyway).
MAX_REMEMBERED_CHILDREN = 4096

SCAN_ERROR_KINDS = ("scan_error", "scan_timeout", "overloaded", "internal_error")
APPROVAL_RESULTS = (
    "valid", "expired", "revoked", "invalid", "insufficient", "wrong_user", "wrong_tool",
)  # fmt: skip


class MetricsSettings(BaseModel):
    """The ``metrics:`` config section."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class Metrics:
    """The aidlp metric family, on its own registry. Also the events' :class:`EventStats`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._children: dict[tuple[Any, tuple[str, ...]], Any] = {}
        r = self.registry
        # ---- contract ----
        self.requests = Counter(
            "aidlp_requests", "AI-tool requests decided", ["tool", "decision"], registry=r
        )
        self.findings = Counter(
            "aidlp_findings", "Findings that counted", ["category", "entity_type"], registry=r
        )
        self.blocked = Counter("aidlp_blocked", "Blocked requests", ["tool", "reason"], registry=r)
        self.approvals = Counter("aidlp_approvals", "Approval token checks", ["result"], registry=r)
        self.scan_duration = Histogram(
            "aidlp_scan_duration_seconds",
            "Scan wall time per request",
            registry=r,
            buckets=SCAN_SECONDS_BUCKETS,
        )
        self.scan_bytes = Histogram(
            "aidlp_scan_bytes",
            "Characters of extracted text scanned per request",
            registry=r,
            buckets=SCAN_BYTES_BUCKETS,
        )
        self.scan_errors = Counter("aidlp_scan_errors", "Scan failures", ["kind"], registry=r)
        self.build_info = Gauge("aidlp_build_info", "Build information", ["version"], registry=r)
        self.build_info.labels(version=__version__).set(1)
        # ---- additions ----
        self.category_requests = Counter(
            "aidlp_category_requests",
            "Requests with findings of a category, by decision (blocks by category)",
            ["category", "decision"],
            registry=r,
        )
        self.detector_findings = Counter(
            "aidlp_detector_findings",
            "Findings that counted, by detector",
            ["detector"],
            registry=r,
        )
        self.events = Counter(
            "aidlp_events", "Events recorded, by event name", ["event"], registry=r
        )
        self.event_drops = Counter(
            "aidlp_event_drops",
            "Events a sink dropped (queue_full, delivery_failed, rejected, closed, shutdown)",
            ["sink", "reason"],
            registry=r,
        )
        self.scan_queue_depth = Gauge(
            "aidlp_scan_queue_depth", "Scans submitted to the worker pool, not finished", registry=r
        )
        self.scan_workers = Gauge("aidlp_scan_workers", "Scan worker processes", registry=r)
        self.ready = Gauge("aidlp_ready", "1 when models are loaded and workers are up", registry=r)
        self.loop_lag = Histogram(
            "aidlp_event_loop_lag_seconds",
            "How late the event loop ran a timer: the time a callback held the loop",
            registry=r,
            buckets=LOOP_LAG_BUCKETS,
        )
        self.loop_lag_max = Gauge(
            "aidlp_event_loop_lag_max_seconds",
            "The longest event-loop stall since start",
            registry=r,
        )
        self.approvals_expiring = Gauge(
            "aidlp_approvals_expiring",
            "Registered approvals (policy.approvals.token_dir), valid now, that expire within "
            "policy.approvals.expiry_warning_days",
            registry=r,
        )
        self._loop_lag_max = 0.0
        self.loop_hold = Histogram(
            "aidlp_loop_hold_seconds",
            "How long one synchronous step of aidlp's request/message handling held the loop",
            registry=r,
            buckets=LOOP_LAG_BUCKETS,
        )
        self.loop_hold_max = Gauge(
            "aidlp_loop_hold_max_seconds",
            "The longest step of aidlp's request/message handling on the event loop since start",
            registry=r,
        )
        self._loop_hold_max = 0.0
        self.inline_scans = Gauge(
            "aidlp_inline_scans",
            "Scans since the pool started, by stage-1 outcome: decided inline; declined (names "
            "or code fingerprints needed) or over_budget (stopped at the budget): in a worker",
            ["outcome"],
            registry=r,
        )
        self.inline_scan_max = Gauge(
            "aidlp_inline_scan_max_seconds",
            "The longest inline (stage-1) scan since the pool started: event-loop time",
            registry=r,
        )
        for kind in SCAN_ERROR_KINDS:
            self.scan_errors.labels(kind=kind)
        for result in APPROVAL_RESULTS:
            self.approvals.labels(result=result)
        for event in (CONFIG_RELOAD_FAILED, APPROVALS_RELOAD_FAILED):
            self.events.labels(event=event)  # at 0, so the first failed reload alerts

    # ---- wiring -------------------------------------------------------------------------

    def prime_tools(self, blocked_tool_ids: Iterable[str]) -> None:
        """Export blocked tools' block counters at 0 (so a first DeepSeek attempt alerts)."""
        for tool in blocked_tool_ids:
            self.blocked.labels(tool=tool, reason="blocked_tool")
            self.requests.labels(tool=tool, decision="block")

    def prime_sinks(self, sink_names: Iterable[str]) -> None:
        for sink in sink_names:
            for reason in ("queue_full", "delivery_failed"):
                self.event_drops.labels(sink=sink, reason=reason)

    def watch_pool(self, pool: Any) -> None:
        """Gauges read live from a :class:`proxy.worker_pool.ScanPool`."""
        self.scan_queue_depth.set_function(lambda: pool.in_flight)
        self.scan_workers.set_function(lambda: pool.settings.processes if pool.ready else 0)
        self.ready.set_function(lambda: 1 if pool.ready else 0)

        def inline(read: Callable[[Any], float]) -> Callable[[], float]:
            return lambda: read(pool.inline) if pool.inline is not None else 0.0

        self.inline_scans.labels(outcome="inline").set_function(inline(lambda s: s.scans))
        self.inline_scans.labels(outcome="declined").set_function(inline(lambda s: s.declined))
        self.inline_scan_max.set_function(inline(lambda s: s.longest))
        self.inline_scans.labels(outcome="over_budget").set_function(
            inline(lambda s: s.over_budget)
        )

    # ---- decisions (a subscriber of proxy.inspection.record.Recording) -------------------

    def _child(self, metric: Any, *values: str) -> Any:
        """``metric.labels(*values)``, remembered: ``labels()`` checks and joins its values
        each call (~3 us; a decision with five finding types made fourteen calls). Label
        values come from bounded sets (tools, decisions, categories, entity types,
        detectors); past :data:`MAX_REMEMBERED_CHILDREN` they are looked up, not kept."""
        key = (metric, values)
        child = self._children.get(key)
        if child is None:
            child = metric.labels(*values)
            if len(self._children) < MAX_REMEMBERED_CHILDREN:
                self._children[key] = child
        return child

    def on_decision(self, event: DecisionEvent) -> None:
        """Count one decision: requests, blocks, findings, approvals, scan figures."""
        child = self._child
        for f in event.findings:
            child(self.findings, f.category, f.entity_type).inc(f.count)
            child(self.detector_findings, f.detector).inc(f.count)
        for category in event.categories:
            child(self.category_requests, category, event.decision).inc()
        child(self.requests, event.tool, event.decision).inc()
        if event.blocked:
            child(self.blocked, event.tool, event.reason).inc()
        if event.approval_result is not None:
            child(self.approvals, event.approval_result).inc()
        if event.scanned_chars is not None:
            self.scan_duration.observe(event.scan_ms / 1000)
            self.scan_bytes.observe(event.scanned_chars)
        if event.scan_failure is not None:
            child(self.scan_errors, event.scan_failure).inc()

    def observe_loop_lag(self, seconds: float) -> None:
        self.loop_lag.observe(seconds)
        if seconds > self._loop_lag_max:
            self._loop_lag_max = seconds
            self.loop_lag_max.set(seconds)

    def observe_loop_hold(self, seconds: float) -> None:
        self.loop_hold.observe(seconds)
        if seconds > self._loop_hold_max:
            self._loop_hold_max = seconds
            self.loop_hold_max.set(seconds)

    # ---- EventStats -----------------------------------------------------------------------

    def event_emitted(self, event: str) -> None:
        self._child(self.events, event).inc()

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None:
        self.event_drops.labels(sink=sink, reason=reason).inc(count)

    # ---- names (for the dashboard / rules tests) ------------------------------------------

    def exported_names(self) -> set[str]:
        """Every series name this registry can export (with _total/_bucket/... suffixes)."""
        names: set[str] = set()
        for family in self.registry.collect():
            if family.type == "counter":
                names |= {family.name + "_total", family.name + "_created"}
            elif family.type == "histogram":
                names |= {family.name + s for s in ("_bucket", "_sum", "_count", "_created")}
            else:
                names.add(family.name)
        return names


# ---- server -------------------------------------------------------------------------------


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log (scrapes every few seconds would flood the event stream)."""


def _text(start_response: Callable, status: str, body: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [body.encode()]


class MetricsServer:
    """``/metrics``, ``/healthz`` (liveness) and ``/readyz`` (``ready()``) on a daemon thread."""

    def __init__(
        self, registry: CollectorRegistry, ready: Callable[[], bool], host: str, port: int
    ) -> None:
        self.ready = ready
        self._metrics_app = make_wsgi_app(registry)
        self._server = make_server(
            host,
            port,
            self._app,
            server_class=_Server6 if ":" in host else _Server,
            handler_class=_QuietHandler,
        )
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="aidlp-metrics", daemon=True
        )

    def _app(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/metrics":
            return self._metrics_app(environ, start_response)
        if path == "/healthz":
            return _text(start_response, "200 OK", "ok\n")
        if path == "/readyz":
            try:
                ok = bool(self.ready())
            except Exception:
                ok = False
            if ok:
                return _text(start_response, "200 OK", "ready\n")
            return _text(start_response, "503 Service Unavailable", "not ready\n")
        return _text(start_response, "404 Not Found", "not found: /metrics /healthz /readyz\n")

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
