"""The syslog sink: RFC 5424 to a SIEM collector (``events.syslog``, off unless ``host``)."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import Field, field_validator

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
from proxy.events.sinks.base import EventStats, QueueSettings, Rendered, Sink, SinkSpec, hostname

_APP_NAME = re.compile(r"^[!-~]{1,48}$")  # RFC 5424 APP-NAME: PRINTUSASCII, 1..48


class SyslogProtocol(StrEnum):
    UDP = "udp"
    TCP = "tcp"


class SyslogSinkSettings(QueueSettings):
    """RFC 5424 syslog to a SIEM collector (off unless ``host`` is set).

    TCP uses octet-counting framing (RFC 6587 3.4.1) unless ``framing: newline``.
    """

    host: str | None = None
    port: int = Field(default=514, ge=1, le=65535)
    protocol: SyslogProtocol = SyslogProtocol.UDP
    framing: str = Field(default="octet-counting", pattern="^(octet-counting|newline)$")
    facility: int = Field(default=13, ge=0, le=23, description="13 = log audit")
    app_name: str = "aidlp"
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)

    @field_validator("app_name")
    @classmethod
    def _app_name(cls, value: str) -> str:
        if not _APP_NAME.match(value):
            raise ValueError("must be 1-48 printable ASCII characters without spaces")
        return value


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


class SyslogSink(Sink):
    """RFC 5424 over UDP (one datagram per event) or TCP (RFC 6587 framing), reconnecting
    with exponential backoff; while the collector is away events wait in the bounded queue."""

    name = "syslog"

    def __init__(self, settings: SyslogSinkSettings, stats: EventStats) -> None:
        super().__init__(settings.queue_size, stats)
        assert settings.host
        self.settings = settings
        self._hostname = hostname()
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


def _build(
    settings: SyslogSinkSettings, stats: EventStats, environ: Mapping[str, str] | None
) -> SyslogSink | None:
    return SyslogSink(settings, stats) if settings.host else None


SPEC = SinkSpec(key="syslog", settings=SyslogSinkSettings, build=_build, order=20)
