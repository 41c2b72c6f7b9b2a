"""Event sinks' common parts: the bounded-queue :class:`Sink` thread, and :class:`SinkSpec`.

``offer()`` never blocks: when a sink's queue is full the event is dropped for that sink and
counted (``aidlp_event_drops_total{sink, reason}``), so a slow or dead sink (a stalled pipe,
an unreachable syslog collector, a hung webhook) never slows the proxy.

Every other module of :mod:`proxy.events.sinks` declares one sink: its class, its settings
model and a :class:`SinkSpec` naming its ``events:`` config key; the registry
(:mod:`proxy.events.sinks.registry`) finds them and builds the ``events:`` settings model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger("aidlp.events")


class EventConfigError(ValueError):
    """An events setting that cannot be used (unreadable key, unwritable file...)."""


class EventStats(Protocol):
    """Where the recorder reports what happened to events (the Prometheus metrics)."""

    def event_emitted(self, event: str) -> None: ...

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None: ...


class NullStats:
    def event_emitted(self, event: str) -> None:
        pass

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Rendered:
    """One event as every sink gets it: name (for severity / HEC), JSON line, epoch time."""

    event: str
    line: str
    time: float


_STOP = object()


class Sink:
    """Base sink: a bounded queue and one daemon thread calling :meth:`deliver` with batches."""

    name = "sink"
    batch_size = 100

    def __init__(self, queue_size: int, stats: EventStats) -> None:
        self.stats = stats
        self._queue: queue.Queue[object] = queue.Queue(maxsize=queue_size)
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"aidlp-events-{self.name}")
        self._thread.daemon = True
        self.delivered = 0
        self._in_flight = 0
        self._held: list[Rendered] = []  # offered on the event loop, queued at its next turn

    def start(self) -> None:
        self._thread.start()

    def offer(self, item: Rendered) -> None:
        """Enqueue without blocking; a full queue drops the event (counted).

        On an event loop the event is held and queued with the others of the same loop turn
        at the next one (microseconds later): waking the sink thread is a futex call and,
        on a busy machine, a context switch, so one wake per turn, not one per event."""
        if self._closing.is_set():
            self.stats.event_dropped(self.name, "closed")
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop in this thread: queued now
            self._put(item)
            return
        if not self._held:
            loop.call_soon(self._queue_held)
        self._held.append(item)

    def _queue_held(self) -> None:
        held, self._held = self._held, []
        for item in held:
            self._put(item)

    def _put(self, item: Rendered) -> None:
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.stats.event_dropped(self.name, "queue_full")

    def pending(self) -> int:
        return self._queue.qsize() + len(self._held)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch, stop = self._gather(first)  # type: ignore[arg-type]
            self._deliver_safely(batch)
            if stop:
                return

    def _gather(self, first: Rendered) -> tuple[list[Rendered], bool]:
        """``first`` and what else is queued now (up to ``batch_size``); and whether the stop
        marker came behind them."""
        batch = [first]
        while len(batch) < self.batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
            if item is _STOP:
                return batch, True
            batch.append(item)  # type: ignore[arg-type]
        return batch, False

    def _deliver_safely(self, batch: list[Rendered]) -> None:
        self._in_flight = len(batch)
        try:
            self.deliver(batch)
            self.delivered += len(batch)
        except Exception as exc:
            self.stats.event_dropped(self.name, "delivery_failed", len(batch))
            self._warn(f"delivery failed: {type(exc).__name__}")
        finally:
            self._in_flight = 0

    _last_warning = 0.0

    def _warn(self, message: str) -> None:
        """Rate-limited warning (no event content, ever)."""
        now = time.monotonic()
        if now - self._last_warning > 60:
            self._last_warning = now
            log.warning("aidlp events: %s sink %s", self.name, message)

    def deliver(self, batch: list[Rendered]) -> None:
        raise NotImplementedError

    def close(self, timeout: float) -> None:
        """Deliver what is queued within ``timeout`` seconds, then stop; the rest is dropped."""
        deadline = time.monotonic() + timeout
        self._closing.set()
        self._queue_held()  # offered before closing: delivered like the rest
        stop_queued = False
        if self._thread.is_alive():
            with contextlib.suppress(queue.Full):
                self._queue.put(_STOP, timeout=max(0.0, deadline - time.monotonic()))
                stop_queued = True
            self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():  # stuck: what is queued or in flight is lost
            lost = self._queue.qsize() - (1 if stop_queued else 0) + self._in_flight
            if lost > 0:
                self.stats.event_dropped(self.name, "shutdown", lost)
        self._shutdown()

    def _shutdown(self) -> None:
        """Release resources (called from close, possibly while the thread is stuck)."""


def hostname() -> str:
    """This host's name as syslog and HEC carry it (printable ASCII, at most 255)."""
    name = socket.gethostname() or "-"
    return "".join(c for c in name if "!" <= c <= "~")[:255] or "-"


class SinkSection(BaseModel):
    """Base of a sink's settings model: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


class QueueSettings(SinkSection):
    """Every sink has a bounded queue; when it is full, events to that sink are dropped
    (and counted in ``aidlp_event_drops_total{sink}``) rather than slowing the proxy."""

    queue_size: int = Field(default=10_000, ge=1, le=1_000_000)


#: ``build(section, stats, environ)``: the sink the section enables (not started), or None.
SinkFactory = Callable[[Any, EventStats, Mapping[str, str] | None], "Sink | None"]


@dataclass(frozen=True)
class SinkSpec:
    """What a sink module declares: its ``events:`` key, its settings model, its factory.

    The section is ``events.<key>`` (a mapping validated by ``settings``). A sink whose
    settings sit directly in ``events:`` (stdout: ``stdout``, ``stdout_queue_size``) names
    them in ``flat``: events key -> settings field. ``order`` fixes the sinks' order.
    """

    key: str
    settings: type[BaseModel]
    build: SinkFactory
    order: int = 100
    flat: Mapping[str, str] = field(default_factory=dict)

    def section(self, events: BaseModel) -> BaseModel:
        """This sink's settings, read from a validated ``events:`` model."""
        if not self.flat:
            return getattr(events, self.key)
        values = {name: getattr(events, key) for key, name in self.flat.items()}
        return self.settings.model_validate(values)
