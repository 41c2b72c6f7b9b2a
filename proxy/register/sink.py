"""RegisterSink: the event stream into the usage register, on its own thread.

Like every event sink (``proxy/events/sinks/``) it sits behind a bounded queue: ``offer()``
never blocks, and a full queue drops the event and counts it
(``aidlp_event_drops_total{sink="register", reason="queue_full"}``). The thread parses each
JSON line the recorder rendered (already through the schema processors), writes batches in
one transaction, and purges what is past retention at start and every
``purge_interval_seconds``.
"""

from __future__ import annotations

import json
import logging
import queue
import time
from collections.abc import Callable

from proxy.events.schema import DECISION_EVENTS
from proxy.events.sinks.base import EventConfigError, EventStats, Rendered, Sink
from proxy.register.settings import RegisterSettings
from proxy.register.store import Occurrences, RegisterError, RegisterStore

log = logging.getLogger("aidlp.register")


class RegisterSink(Sink):
    name = "register"
    batch_size = 5000
    #: After the first event of a batch, wait this long for more: one transaction and a few
    #: GIL hand-offs per interval rather than per event (the event loop shares the GIL).
    flush_seconds = 0.5

    def __init__(
        self,
        settings: RegisterSettings,
        stats: EventStats,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(settings.queue_size, stats)
        assert settings.directory
        self.settings = settings
        self.clock = clock
        self.purged = 0
        try:  # open (and migrate) now, so a bad directory fails the config, not later
            RegisterStore(settings.directory, clock=clock).close()
        except RegisterError as exc:
            raise EventConfigError(f"register.directory: {exc}") from None
        self._store: RegisterStore | None = None
        self._seen = Occurrences()
        self._next_purge = 0.0

    def offer(self, item: Rendered) -> None:
        if item.event in DECISION_EVENTS:  # reload events are not the register's business
            super().offer(item)

    def _run(self) -> None:
        """The base loop, plus a purge when the queue has been idle past the schedule."""
        try:
            self._store = RegisterStore(self.settings.directory or "", clock=self.clock)
        except RegisterError as exc:
            self._warn(f"cannot open: {exc}")
        self._purge_if_due()
        while True:
            try:
                first = self._queue.get(timeout=self._purge_wait())
            except queue.Empty:
                self._purge_if_due()
                continue
            if not isinstance(first, Rendered):
                break
            self._closing.wait(self.flush_seconds)  # gather a batch (returns early on close)
            batch, stop = self._gather(first)
            self._deliver_safely(batch)
            self._purge_if_due()
            if stop:
                break
        if self._store is not None:
            self._store.close()
            self._store = None

    def _purge_wait(self) -> float:
        return max(0.05, min(60.0, self._next_purge - time.monotonic()))

    def _purge_if_due(self) -> None:
        if self._store is None or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + self.settings.purge_interval_seconds
        try:
            self.purged += self._store.purge(self.settings.retention_days)
        except Exception as exc:
            self._warn(f"purge failed: {type(exc).__name__}")

    def deliver(self, batch: list[Rendered]) -> None:
        if self._store is None:
            raise RegisterError("register not open")
        events = []
        for item in batch:
            try:
                events.append(json.loads(item.line))
            except ValueError:
                self.stats.event_dropped(self.name, "rejected")
        self._store.add(events, seen=self._seen, sanitised=True)  # the recorder's output

    def _shutdown(self) -> None:
        pass


def build_register_sinks(settings: RegisterSettings, stats: EventStats) -> list[Sink]:
    """The register sink when ``register.directory`` is set, and the evidence keeper when
    ``register.evidence.public_key_file`` is too (not started)."""
    sinks: list[Sink] = [RegisterSink(settings, stats)] if settings.directory else []
    evidence = settings.evidence
    if evidence.public_key_file:
        if not settings.directory:
            raise EventConfigError("register.evidence needs register.directory")
        from proxy.register.evidence import EvidenceKeeper

        sinks.append(
            EvidenceKeeper(
                settings.directory,
                evidence.public_key_file,
                evidence.queue_size,
                evidence.max_chars,
                stats,
            )
        )
    return sinks
