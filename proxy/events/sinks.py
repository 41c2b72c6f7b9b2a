"""Event sinks: each runs on its own thread behind a bounded queue.

``offer()`` never blocks: when a sink's queue is full the event is dropped for that sink and
counted (``aidlp_event_drops_total{sink, reason}``), so a slow or dead sink (a stalled pipe,
an unreachable syslog collector, a hung webhook) never slows the proxy.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TextIO

from proxy.events.schema import (
    APPROVAL_EXPIRING,
    APPROVALS_RELOAD_FAILED,
    APPROVALS_RELOADED,
    CONFIG_RELOAD_FAILED,
    CONFIG_RELOADED,
    EVIDENCE_OPENED,
    INVALID_EVENT,
    REQUEST_APPROVED,
    REQUEST_BLOCKED,
    REQUEST_MONITORED,
    SCAN_ERROR,
    TOOL_BLOCKED,
)
from proxy.events.settings import FileSinkSettings, SyslogProtocol, SyslogSinkSettings

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

    def start(self) -> None:
        self._thread.start()

    def offer(self, item: Rendered) -> None:
        """Enqueue without blocking; a full queue drops the event (counted)."""
        if self._closing.is_set():
            self.stats.event_dropped(self.name, "closed")
            return
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            self.stats.event_dropped(self.name, "queue_full")

    def pending(self) -> int:
        return self._queue.qsize()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.batch_size:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._deliver_safely(batch)  # type: ignore[arg-type]
            if stop:
                return

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


class FileSink(Sink):
    """JSON lines in a size-rotated file (``path``, ``path.1`` ... ``path.N``), mode 0640."""

    name = "file"

    def __init__(self, settings: FileSinkSettings, stats: EventStats) -> None:
        super().__init__(settings.queue_size, stats)
        assert settings.path
        self.path = Path(settings.path)
        self.max_bytes = settings.max_bytes
        self.backup_count = settings.backup_count
        self.retention_days = settings.retention_days
        self._next_expiry = 0.0
        self._fd: int | None = None
        try:
            self._open()
        except OSError as exc:
            raise EventConfigError(
                f"events.file.path {self.path}: cannot open for writing: {exc.strerror or exc}"
            ) from None

    def _open(self) -> None:
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._size = os.fstat(self._fd).st_size

    def _rotate(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.backup_count > 0:
            for i in range(self.backup_count - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{i}")
                if older.exists():
                    older.replace(self.path.with_name(f"{self.path.name}.{i + 1}"))
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))
        else:
            self.path.unlink(missing_ok=True)
        self._open()
        self._next_expiry = 0.0

    def expire_backups(self, now: float | None = None) -> int:
        """Delete rotated files (``path.N``) whose newest line (their mtime) is older than
        ``retention_days`` (the register's retention unless set here); returns how many."""
        if not self.retention_days:
            return 0
        cutoff = (time.time() if now is None else now) - self.retention_days * 86_400
        removed = 0
        for backup in self.path.parent.glob(f"{self.path.name}.*"):
            suffix = backup.name[len(self.path.name) + 1 :]
            with contextlib.suppress(OSError):
                if suffix.isdigit() and backup.stat().st_mtime < cutoff:
                    backup.unlink()
                    removed += 1
        return removed

    def deliver(self, batch: list[Rendered]) -> None:
        if self._fd is None:
            self._open()
        if time.monotonic() >= self._next_expiry:  # at start, after a rotation, then hourly
            self._next_expiry = time.monotonic() + 3600
            self.expire_backups()
        chunk: list[bytes] = []
        size = 0
        for item in batch:
            line = (item.line + "\n").encode("utf-8")
            if self._size + size + len(line) > self.max_bytes and (self._size or size):
                self._write(b"".join(chunk))
                chunk, size = [], 0
                self._rotate()
            chunk.append(line)
            size += len(line)
        self._write(b"".join(chunk))

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._size += len(data)

    def _shutdown(self) -> None:
        if self._fd is not None and not self._thread.is_alive():
            os.close(self._fd)
            self._fd = None


#: RFC 5424 severities by event (default: informational).
SEVERITY = {
    REQUEST_BLOCKED: 4,  # warning
    TOOL_BLOCKED: 4,
    EVIDENCE_OPENED: 5,  # notice: sealed evidence was opened
    SCAN_ERROR: 3,  # error
    REQUEST_MONITORED: 5,  # notice
    REQUEST_APPROVED: 5,
    CONFIG_RELOADED: 5,
    APPROVALS_RELOADED: 5,
    APPROVAL_EXPIRING: 4,  # warning: renew it before it lapses
    CONFIG_RELOAD_FAILED: 3,
    APPROVALS_RELOAD_FAILED: 3,
    INVALID_EVENT: 3,
}


def rfc5424(item: Rendered, facility: int, app_name: str, hostname: str, procid: str) -> bytes:
    """One RFC 5424 message: ``<PRI>1 TIMESTAMP HOST APP PROCID MSGID - MSG`` (MSG = JSON)."""
    pri = facility * 8 + SEVERITY.get(item.event, 6)
    stamp = datetime.fromtimestamp(item.time, UTC).isoformat(timespec="milliseconds")
    msgid = "".join(c for c in item.event if "!" <= c <= "~")[:32] or "-"
    header = f"<{pri}>1 {stamp.replace('+00:00', 'Z')} {hostname} {app_name} {procid} {msgid} - "
    return header.encode("ascii", "replace") + item.line.encode("utf-8")


def _hostname() -> str:
    name = socket.gethostname() or "-"
    return "".join(c for c in name if "!" <= c <= "~")[:255] or "-"


class SyslogSink(Sink):
    """RFC 5424 over UDP (one datagram per event) or TCP (RFC 6587 framing), reconnecting
    with exponential backoff; while the collector is away events wait in the bounded queue."""

    name = "syslog"

    def __init__(self, settings: SyslogSinkSettings, stats: EventStats) -> None:
        super().__init__(settings.queue_size, stats)
        assert settings.host
        self.settings = settings
        self._hostname = _hostname()
        self._procid = str(os.getpid())
        self._sock: socket.socket | None = None
        self._backoff = 0.0
        self._retry_at = 0.0

    def _frame(self, message: bytes) -> bytes:
        if self.settings.protocol is SyslogProtocol.UDP:
            return message
        if self.settings.framing == "newline":
            return message.replace(b"\n", b" ") + b"\n"
        return str(len(message)).encode("ascii") + b" " + message

    def _connect(self) -> socket.socket:
        s = self.settings
        if s.protocol is SyslogProtocol.UDP:
            family, kind, proto, _, addr = socket.getaddrinfo(
                s.host, s.port, type=socket.SOCK_DGRAM
            )[0]
            sock = socket.socket(family, kind, proto)
            sock.connect(addr)
            return sock
        sock = socket.create_connection((s.host, s.port), timeout=s.timeout_seconds)
        sock.settimeout(s.timeout_seconds)
        return sock

    def _close_socket(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None

    def deliver(self, batch: list[Rendered]) -> None:
        wait = self._retry_at - time.monotonic()
        if wait > 0 and self._closing.wait(wait):
            raise ConnectionError("closing during backoff")
        messages = [
            self._frame(
                rfc5424(
                    item,
                    self.settings.facility,
                    self.settings.app_name,
                    self._hostname,
                    self._procid,
                )
            )
            for item in batch
        ]
        for attempt in (1, 2):  # a stale TCP connection gets one immediate reconnect
            try:
                if self._sock is None:
                    self._sock = self._connect()
                if self.settings.protocol is SyslogProtocol.UDP:
                    for message in messages:
                        self._sock.send(message)
                else:
                    self._sock.sendall(b"".join(messages))
                self._backoff = 0.0
                return
            except OSError:
                self._close_socket()
                if attempt == 2:
                    self._backoff = min(30.0, max(0.5, self._backoff * 2))
                    self._retry_at = time.monotonic() + self._backoff
                    raise

    def _shutdown(self) -> None:
        if not self._thread.is_alive():
            self._close_socket()
