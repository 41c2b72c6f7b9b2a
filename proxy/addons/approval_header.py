"""Approval-header taker: ``X-AIDLP-Approval`` is aidlp's own credential, never forwarded.

The header (and a trailer of that name) is removed from every request, to any host, at the
request headers and again at the full request. For an AI-tool flow the token is kept, outside ``flow.metadata`` (which
flow dumps would show), until the request inspector takes it; for a websocket handshake it
is kept for the life of the socket, to cover its messages.
"""

from __future__ import annotations

import weakref

from mitmproxy import http

from proxy.addons.fail_closed import FailsClosed
from proxy.addons.flows import tool_of
from proxy.addons.host import RuntimeHost
from proxy.approvals.header import APPROVAL_HEADER
from proxy.failsafe import fail_closed


class ApprovalHeaderTaker(FailsClosed):
    """Takes the approval header off requests and holds the token per flow."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        self._tokens: weakref.WeakKeyDictionary[http.HTTPFlow, str] = weakref.WeakKeyDictionary()

    @fail_closed
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self._take(flow)

    @fail_closed
    def request(self, flow: http.HTTPFlow) -> None:
        self._take(flow)  # headers can still change between the two hooks (other addons)

    def _take(self, flow: http.HTTPFlow) -> None:
        token = flow.request.headers.pop(APPROVAL_HEADER, None)
        trailers = flow.request.trailers
        if trailers is not None:  # HTTP/2 (or chunked) trailers: never forwarded either
            token = trailers.pop(APPROVAL_HEADER, None) or token
        _undeclare(flow.request.headers)
        if token is not None and tool_of(flow) is not None:
            self._tokens[flow] = token

    def token(self, flow: http.HTTPFlow) -> str | None:
        """The token presented with ``flow`` (or its websocket handshake), if any."""
        return self._tokens.get(flow)

    def release(self, flow: http.HTTPFlow) -> None:
        """Forget the token once the request is decided (kept for websocket handshakes)."""
        if flow.request.headers.get("upgrade", "").lower() != "websocket":
            self._tokens.pop(flow, None)


def _undeclare(headers: http.Headers) -> None:
    """Drop the approval header's name from a ``Trailer:`` declaration (RFC 9110 §6.6.2)."""
    declared = headers.get_all("trailer")
    if not declared:
        return
    names = [n.strip() for value in declared for n in value.split(",") if n.strip()]
    kept = [n for n in names if n.lower() != APPROVAL_HEADER.lower()]
    if len(kept) == len(names):
        return
    if kept:
        headers["trailer"] = ", ".join(kept)
    else:
        del headers["trailer"]
