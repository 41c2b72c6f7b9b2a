"""The webhook sink (``events.webhook``): Splunk-HEC-compatible JSON, batched, retried.

Body: concatenated HEC event objects, one per line
``{"time": 1700000000.123, "host": ..., "source": ..., "sourcetype": ..., "event": {...}}``,
posted with ``Authorization: Splunk <token>``. 5xx, 408, 429 and connection errors are
retried with exponential backoff and jitter up to ``max_retries``; other 4xx are dropped at
once (retrying would not help). Every dropped event is counted.
"""

from __future__ import annotations

import json
import os
import random
import re
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from proxy.events.sinks.base import (
    EventConfigError,
    EventStats,
    QueueSettings,
    Rendered,
    Sink,
    SinkSpec,
    hostname,
)

_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")


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


RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect with the token attached."""

    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def _token(settings: WebhookSinkSettings, environ: Mapping[str, str]) -> str | None:
    if settings.token_file:
        try:
            return Path(settings.token_file).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise EventConfigError(
                f"events.webhook.token_file {settings.token_file}: cannot read: "
                f"{exc.strerror or exc}"
            ) from None
    if settings.token_env:
        return environ.get(settings.token_env) or None
    return None


class WebhookSink(Sink):
    name = "webhook"

    def __init__(
        self,
        settings: WebhookSinkSettings,
        stats: EventStats,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(settings.queue_size, stats)
        assert settings.url
        self.settings = settings
        self.batch_size = settings.batch_size
        self._token = _token(settings, dict(os.environ) if environ is None else environ)
        self._prefix = (
            ',"host":'
            + json.dumps(hostname())
            + ',"source":'
            + json.dumps(settings.source)
            + ',"sourcetype":'
            + json.dumps(settings.sourcetype)
            + (',"index":' + json.dumps(settings.index) if settings.index else "")
            + ',"event":'
        )
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if settings.url.startswith("https:"):
            context = ssl.create_default_context(cafile=settings.ca_file)
            if not settings.verify_tls:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            handlers.append(urllib.request.HTTPSHandler(context=context))
        self._opener = urllib.request.build_opener(*handlers)
        self.attempts = 0

    def body(self, batch: list[Rendered]) -> bytes:
        return "".join(
            f'{{"time":{item.time:.3f}' + self._prefix + item.line + "}\n" for item in batch
        ).encode("utf-8")

    def _post(self, body: bytes) -> int:
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = f"Splunk {self._token}"
        request = urllib.request.Request(  # noqa: S310 - url validated http(s) in settings
            self.settings.url or "", data=body, headers=headers, method="POST"
        )
        self.attempts += 1
        try:
            with self._opener.open(request, timeout=self.settings.timeout_seconds) as response:
                response.read(65536)
                return response.status
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code

    def deliver(self, batch: list[Rendered]) -> None:
        body = self.body(batch)
        s = self.settings
        for attempt in range(s.max_retries + 1):
            try:
                status = self._post(body)
            except (OSError, ValueError) as exc:  # URLError, timeouts, resets
                status = None
                failure = type(exc).__name__
            else:
                if 200 <= status < 300:
                    return
                failure = f"HTTP {status}"
                if status not in RETRYABLE_STATUS:
                    self.stats.event_dropped(self.name, "rejected", len(batch))
                    self._warn(f"rejected a batch: {failure}")
                    return
            if attempt == s.max_retries or self._closing.is_set():
                break
            delay = min(s.max_backoff_seconds, s.backoff_seconds * 2**attempt)
            if self._closing.wait(delay * random.uniform(0.5, 1.0)):  # noqa: S311 - jitter
                break
        self.stats.event_dropped(self.name, "delivery_failed", len(batch))
        self._warn(f"dropped a batch after retries: {failure}")


def _build(
    settings: WebhookSinkSettings, stats: EventStats, environ: Mapping[str, str] | None
) -> WebhookSink | None:
    return WebhookSink(settings, stats, environ) if settings.url else None


SPEC = SinkSpec(key="webhook", settings=WebhookSinkSettings, build=_build, order=30)
