"""EventRecorder: the structlog pipeline (schema processors → JSON) fanned out to sinks.

``emit()`` runs the processors and enqueues the JSON line on every sink; it never blocks on
I/O and never raises into the proxy.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Mapping
from typing import Any

import structlog

from proxy.events.content_hmac import ContentHasher, HmacKeyError
from proxy.events.model import DecisionEvent
from proxy.events.schema import INVALID_EVENT, PROCESSORS
from proxy.events.settings import EventSettings
from proxy.events.sinks import registry
from proxy.events.sinks.base import EventConfigError, EventStats, NullStats, Rendered, Sink

log = logging.getLogger("aidlp.events")


def new_incident_id() -> str:
    """A short, unguessable, human-quotable incident id (``AIDLP-`` + 12 hex digits)."""
    return "AIDLP-" + uuid.uuid4().hex[:12].upper()


def build_sinks(
    settings: EventSettings, stats: EventStats, environ: dict[str, str] | None = None
) -> list[Sink]:
    """The sinks the settings enable, in registry order (not started). Raises
    :class:`EventConfigError`."""
    return registry.build(registry.SPECS, settings, stats, environ)


class _Fanout:
    """The structlog "logger": hands the rendered line to every sink's queue."""

    def __init__(self, sinks: list[Sink], stats: EventStats) -> None:
        self.sinks = sinks
        self.stats = stats

    def info(self, event: str, line: str) -> None:
        """``event`` is a schema name (a bounded set): safe as a metric label."""
        self.stats.event_emitted(event)
        item = Rendered(event, line, time.time())
        for sink in self.sinks:
            sink.offer(item)


def _render(
    _logger: Any, _method: str, event_dict: dict[str, Any]
) -> tuple[tuple[str, str], dict[str, Any]]:
    """Final processor: compact JSON (ASCII only) and the event name, as ``info`` args."""
    line = json.dumps(event_dict, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return (str(event_dict.get("event", INVALID_EVENT)), line), {}


class EventRecorder:
    """One JSON event per decision, to the configured sinks, never slowing the caller."""

    def __init__(
        self,
        settings: EventSettings,
        stats: EventStats | None = None,
        *,
        environ: dict[str, str] | None = None,
        sinks: list[Sink] | None = None,
    ) -> None:
        self.settings = settings
        self.stats = stats or NullStats()
        try:
            self._hasher = ContentHasher(settings.hmac_key_file, environ)
        except HmacKeyError as exc:
            raise EventConfigError(str(exc)) from None
        self.sinks = build_sinks(settings, self.stats, environ) if sinks is None else sinks
        self._logger = structlog.wrap_logger(
            _Fanout(self.sinks, self.stats),
            processors=[*PROCESSORS, _render],
            wrapper_class=structlog.BoundLogger,
            cache_logger_on_first_use=False,
        )
        self.failures = 0
        self._closed = False
        for sink in self.sinks:
            sink.start()

    @property
    def hmac_key_source(self) -> str:
        """``file`` | ``env`` | ``random`` (never the key)."""
        return self._hasher.source

    def content_hmac(self, text: str) -> str:
        """HMAC-SHA256 (hex) of the scanned text under the configured key."""
        return self._hasher(text)

    def on_decision(self, event: DecisionEvent) -> None:
        """Subscriber of :class:`proxy.inspection.record.Recording`: the decision's line."""
        self.emit(event.fields())

    def emit(self, event: Mapping[str, Any]) -> None:
        """Validate ``event`` against the schema, render it, enqueue it on every sink."""
        try:
            fields = {str(k): v for k, v in event.items()}
            self._logger.info(**fields)
        except Exception as exc:  # never into the proxy; never the event's content
            self.failures += 1
            log.error("aidlp events: could not record an event (%s)", type(exc).__name__)

    def close(self, timeout: float | None = None) -> None:
        """Drain the sinks (bounded by ``close_timeout_seconds`` overall), then stop them."""
        if self._closed:
            return
        self._closed = True
        budget = self.settings.close_timeout_seconds if timeout is None else timeout
        deadline = time.monotonic() + budget
        for sink in self.sinks:
            sink.close(max(0.0, deadline - time.monotonic()))
