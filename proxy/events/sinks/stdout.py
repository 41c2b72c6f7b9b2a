"""The stdout sink: JSON lines on stdout (on by default; ``events.stdout``)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

from pydantic import Field

from proxy.events.sinks.base import EventStats, Rendered, Sink, SinkSection, SinkSpec


class StdoutSinkSettings(SinkSection):
    """``events.stdout`` (on or off) and ``events.stdout_queue_size``."""

    enabled: bool = True
    queue_size: int = Field(default=10_000, ge=1, le=1_000_000)


class StdoutSink(Sink):
    """JSON lines on stdout (the default; collected by journald / the container runtime)."""

    name = "stdout"

    def __init__(
        self, queue_size: int, stats: EventStats, stream: Callable[[], TextIO] | None = None
    ) -> None:
        super().__init__(queue_size, stats)
        self._stream = stream or (lambda: sys.stdout)

    def deliver(self, batch: list[Rendered]) -> None:
        stream = self._stream()
        data = "".join(item.line + "\n" for item in batch)
        # mitmproxy's terminal log print()s to the same stream from the event loop thread, in
        # two writes (text, newline): hold the lock of every logging handler writing to this
        # stream so that an event line never lands inside a log line.
        locks = [h.lock for h in _handlers_writing_to(stream) if h.lock is not None]
        held = [lock for lock in locks if lock.acquire(timeout=2.0)]
        try:
            stream.write(data)
            stream.flush()
        finally:
            for lock in held:
                lock.release()


def _handlers_writing_to(stream: TextIO) -> list[logging.Handler]:
    handlers = logging.getLogger().handlers
    return [
        h
        for h in handlers
        if getattr(h, "file", None) is stream or getattr(h, "stream", None) is stream
    ]


def _build(
    settings: StdoutSinkSettings, stats: EventStats, environ: Mapping[str, str] | None
) -> StdoutSink | None:
    return StdoutSink(settings.queue_size, stats) if settings.enabled else None


SPEC = SinkSpec(
    key="stdout",
    settings=StdoutSinkSettings,
    build=_build,
    order=0,
    flat={"stdout": "enabled", "stdout_queue_size": "queue_size"},
)
