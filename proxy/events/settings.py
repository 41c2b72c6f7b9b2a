"""The ``events:`` config section: where incident events go, and the content-HMAC key."""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_APP_NAME = re.compile(r"^[!-~]{1,48}$")  # RFC 5424 APP-NAME: PRINTUSASCII, 1..48


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueSettings(_Section):
    """Every sink has a bounded queue; when it is full, events to that sink are dropped
    (and counted in ``aidlp_event_drops_total{sink}``) rather than slowing the proxy."""

    queue_size: int = Field(default=10_000, ge=1, le=1_000_000)


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


class WebhookSinkSettings(QueueSettings):
    """An HTTP(S) collector taking Splunk-HEC-compatible JSON (off unless ``url`` is set).

    The HEC token is read from the environment variable named by ``token_env`` or from
    ``token_file``; it is never written to any log.
    """

    url: str | None = None
    token_env: str | None = "AIDLP_HEC_TOKEN"  # noqa: S105 - a variable name
    token_file: str | None = None
    source: str = "aidlp"
    sourcetype: str = "aidlp:event"
    index: str | None = None
    batch_size: int = Field(default=100, ge=1, le=10_000)
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    max_retries: int = Field(default=5, ge=0, le=100)
    backoff_seconds: float = Field(default=0.5, gt=0, le=60)
    max_backoff_seconds: float = Field(default=30.0, gt=0, le=3600)
    ca_file: str | None = None
    verify_tls: bool = True

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; use token_env or token_file")
        return value

    @field_validator("token_env")
    @classmethod
    def _token_env(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name (A-Z, 0-9, _)")
        return value


class EventSettings(_Section):
    """The ``events:`` config section."""

    stdout: bool = True
    stdout_queue_size: int = Field(default=10_000, ge=1, le=1_000_000)
    hmac_key_file: str | None = Field(
        default=None,
        description="Key for content_hmac; else $AIDLP_HMAC_KEY; else a random per-process key.",
    )
    file: FileSinkSettings = FileSinkSettings()
    syslog: SyslogSinkSettings = SyslogSinkSettings()
    webhook: WebhookSinkSettings = WebhookSinkSettings()
    close_timeout_seconds: float = Field(
        default=5.0, ge=0, le=120, description="How long shutdown waits for sinks to drain."
    )
