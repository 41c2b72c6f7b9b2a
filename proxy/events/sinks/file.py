"""The file sink: a rotating file of JSON lines (``events.file``, off unless ``path`` is set)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field

from proxy.events.sinks.base import (
    EventConfigError,
    EventStats,
    QueueSettings,
    Rendered,
    Sink,
    SinkSpec,
)


class FileSinkSettings(QueueSettings):
    """A rotating file of JSON lines (off unless ``path`` is set)."""

    path: str | None = None
    max_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    backup_count: int = Field(default=10, ge=0, le=1000)
    retention_days: int | None = Field(
        default=None,
        ge=1,
        le=36_500,
        description="Rotated files older than this are deleted; default register.retention_days.",
    )


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


def _build(
    settings: FileSinkSettings, stats: EventStats, environ: Mapping[str, str] | None
) -> FileSink | None:
    return FileSink(settings, stats) if settings.path else None


SPEC = SinkSpec(key="file", settings=FileSinkSettings, build=_build, order=10)
