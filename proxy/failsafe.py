"""Fail closed on any unexpected exception in aidlp's handling of a flow.

mitmproxy catches an exception escaping an addon hook, logs it and carries on: the request
is then forwarded unscanned. Every aidlp hook that handles a request, a websocket message or
a TLS ClientHello is wrapped with :func:`fail_closed`, so that any exception instead calls the
owner's ``internal_error(target, hook, exc)``: the flow is blocked (reason ``internal_error``),
``ai.scan.error`` is recorded and ``aidlp_scan_errors_total{kind="internal_error"}`` counted.

The fallback itself must not fail open: :func:`minimal_block` builds a 403 with nothing but
literals, for when the usual block response could not be rendered.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

from mitmproxy import http

log = logging.getLogger("aidlp")


def fail_closed[F: Callable[..., Any]](hook: F) -> F:
    """Wrap an addon hook method ``hook(self, target, ...)`` (sync or async)."""
    name = hook.__name__

    if inspect.iscoroutinefunction(hook):

        @functools.wraps(hook)
        async def async_inner(self: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await hook(self, target, *args, **kwargs)
            except Exception as exc:
                _handle(self, target, name, exc)
                return None

        return async_inner  # type: ignore[return-value]

    @functools.wraps(hook)
    def inner(self: Any, target: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return hook(self, target, *args, **kwargs)
        except Exception as exc:
            _handle(self, target, name, exc)
            return None

    return inner  # type: ignore[return-value]


def _handle(owner: Any, target: Any, hook: str, exc: Exception) -> None:
    # The exception's text may quote request content: only its type is ever logged.
    log.warning("aidlp: internal error in %s (%s); failing closed", hook, type(exc).__name__)
    try:
        owner.internal_error(target, hook, exc)
    except Exception as second:
        log.error(
            "aidlp: fail-closed handler failed in %s (%s); killing the flow",
            hook,
            type(second).__name__,
        )
        last_resort(target)


def minimal_block(incident_id: str) -> http.Response:
    """A 403 built from literals only (used when the usual block response failed)."""
    return http.Response.make(
        403,
        b'{"error": {"message": "aidlp: this request was blocked (internal error). '
        b"Incident " + incident_id.encode("ascii", "replace") + b'", '
        b'"type": "policy_violation", "code": "aidlp_blocked"}}',
        {
            "Content-Type": "application/json",
            "X-AIDLP-Decision": "block",
            "X-AIDLP-Incident": incident_id,
            "Cache-Control": "no-store",
        },
    )


def last_resort(target: Any) -> None:
    """Nothing else worked: make sure nothing is forwarded."""
    try:
        if isinstance(target, http.HTTPFlow):
            if target.websocket is not None and target.websocket.messages:
                target.websocket.messages[-1].drop()
            if target.killable:
                target.kill()
        elif hasattr(target, "ignore_connection"):  # tls.ClientHelloData: intercept, not pass
            target.ignore_connection = False
    except Exception:  # noqa: S110 - the log line above already says what happened
        pass
