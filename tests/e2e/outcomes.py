"""How one request through the proxy ended, told from the client's side (httpcore's trace).

Used by the drain e2e tests and bench/bench_lifecycle.py to tell a request that was *cut*
(it went out, and the connection went without an answer: the client cannot know whether it
was acted on) from one that was *refused* (nothing of it was sent: connection refused or
reset, the CONNECT or the TLS handshake failed, or a 503 with Retry-After; safe to retry).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

#: What the proxy's 503 to a CONNECT says in ``Retry-After`` while it is not ready
#: (httpx raises ProxyError for a refused CONNECT without showing its headers;
#: tests/e2e/test_startup_e2e.py reads them on a raw socket).
CONNECT_RETRY_AFTER = 2.0


class Attempt:
    """A trace callback (``extensions={"trace": attempt}``): what one request got to."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def __call__(self, name: str, info: dict[str, Any]) -> None:
        request = info.get("request")
        inner = request is not None and request.method != b"CONNECT"
        if name.endswith(".started"):
            self.events.append(("" if inner or request is None else "CONNECT ") + name)

    @property
    def sent(self) -> bool:
        """Whether any of the request itself (not the CONNECT) went to the proxy on the last
        connection tried. (httpcore moves a request to a new connection by itself only when
        the proxy said it was not processed: an HTTP/2 stream past the GOAWAY's last one.)"""
        last_connect = max(
            (i for i, e in enumerate(self.events) if e.endswith("connect_tcp.started")), default=-1
        )
        return any(
            e.startswith(("http11.send_request", "http2.send_request"))
            for e in self.events[last_connect + 1 :]
        )


def post(
    client: httpx.Client,
    url: str,
    payload: dict[str, Any],
    refusals: Counter | None = None,
    cuts: list[str] | None = None,
    on_retry_after: Callable[[float], Any] | None = None,
) -> httpx.Response | str:
    """The response, or "refused" / "cut" (the kind of refusal is counted in ``refusals``,
    the story of each cut appended to ``cuts``; ``on_retry_after`` is given a 503's
    ``Retry-After`` seconds, e.g. ``time.sleep`` to wait it as the SDKs do)."""
    attempt = Attempt()
    try:
        answer = client.post(url, json=payload, extensions={"trace": attempt})
    except httpx.ProxyError as exc:
        if str(exc).startswith("503"):  # the CONNECT itself refused: not ready, before TLS
            if refusals is not None:
                refusals["CONNECT 503 Retry-After"] += 1
            if on_retry_after is not None:
                on_retry_after(CONNECT_RETRY_AFTER)
            return "refused"
        if refusals is not None:
            refusals[f"ProxyError {str(exc)[:3]}"] += 1
        return "refused"  # any other CONNECT answer: nothing of the request was sent
    except httpx.TransportError as exc:
        if attempt.sent:
            if cuts is not None:
                cuts.append(f"{type(exc).__name__}: {exc} {attempt.events}")
            return "cut"
        if refusals is not None:
            last = attempt.events[-1] if attempt.events else "connect"
            refusals[f"{type(exc).__name__} after {last}"] += 1
        return "refused"
    if answer.status_code == 503 and "retry-after" in answer.headers:
        if refusals is not None:
            refusals["503 Retry-After"] += 1
        if on_retry_after is not None:
            with contextlib.suppress(ValueError):
                on_retry_after(float(answer.headers["retry-after"]))
        return "refused"
    return answer
