"""HTTP/1.1 request trailers: read like HTTP/2's, so they are scanned and stripped the same way.

mitmproxy 12 parses the trailer section of a chunked HTTP/1.1 request and then raises
``NotImplementedError("HTTP trailers are not implemented yet")``: the connection dies with
no flow decided, no event and no metric. This module teaches its HTTP/1 layer, once, what
its HTTP/2 layer already does:

- reading (client side): the trailer fields become a ``RequestTrailers`` event before the
  end of the message, so ``flow.request.trailers`` is set when the ``request`` hook runs.
  The approval-header taker strips ``X-AIDLP-Approval`` from them and the request inspector
  scans them with the headers (:mod:`proxy.transport.metadata`);
- writing (upstream side): trailers left on a chunked request go in its last chunk; a
  request that is not chunked (an HTTP/2 client's, with a length) cannot carry them on
  HTTP/1.1, so they are dropped (RFC 9110 §6.5.1 lets a proxy discard trailer fields).

Response trailers from an HTTP/1.1 server keep mitmproxy's behaviour (not implemented).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable
from typing import Any

from proxy.mitmproxy_patches import Method, patch_method

log = logging.getLogger("aidlp")

_MODULE = "mitmproxy.proxy.layers.http._http1"
_LAST_CHUNK = b"0\r\n\r\n"


class _TrailerKeeper:
    """Wraps an h11 body reader: keeps the trailer fields of the end of the message for the
    layer to send as their own event, and hands on an end of message without them."""

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self.trailers: Any = None

    def _keep(self, event: Any) -> Any:
        import h11
        from mitmproxy.http import Headers

        if isinstance(event, h11.EndOfMessage) and event.headers:
            self.trailers = Headers(list(event.headers.raw_items()))
            return h11.EndOfMessage()
        return event

    def __call__(self, buf: Any) -> Any:
        return self._keep(self.reader(buf))

    def read_eof(self) -> Any:
        return self._keep(self.reader.read_eof())


def _rewritten(
    commands: Generator[Any, Any, Any], rewrite: Callable[[Any], Iterable[Any]]
) -> Generator[Any, Any, Any]:
    """Drive a layer's command generator, yielding ``rewrite(command)`` for each command it
    yields (replies go back to the command they answer: the last one yielded)."""
    reply = None
    while True:
        try:
            command = commands.send(reply)
        except StopIteration as stop:
            return stop.value
        for replacement in rewrite(command):
            reply = yield replacement


def _reading(original: Method) -> Method:
    def read_body(self: Any, event: Any) -> Generator[Any, Any, None]:
        from mitmproxy.proxy.layers.http import RequestEndOfMessage, RequestTrailers
        from mitmproxy.proxy.layers.http._base import ReceiveHttp
        from mitmproxy.proxy.layers.http._http1 import Http1Server

        if not isinstance(self, Http1Server):
            return (yield from original(self, event))
        keeper = self.body_reader
        if not isinstance(keeper, _TrailerKeeper):
            keeper = self.body_reader = _TrailerKeeper(keeper)

        def with_trailers(command: Any) -> Iterable[Any]:
            if (
                keeper.trailers is not None
                and isinstance(command, ReceiveHttp)
                and isinstance(command.event, RequestEndOfMessage)
            ):
                trailers, keeper.trailers = keeper.trailers, None
                yield ReceiveHttp(RequestTrailers(command.event.stream_id, trailers))
            yield command

        return (yield from _rewritten(original(self, event), with_trailers))

    return read_body


def _writing(original: Method) -> Method:
    def send(self: Any, event: Any) -> Generator[Any, Any, None]:
        from mitmproxy.proxy import commands as mitm_commands
        from mitmproxy.proxy.layers.http import RequestEndOfMessage, RequestTrailers

        if isinstance(event, RequestTrailers):
            self.aidlp_trailers = event.trailers  # sent with the last chunk
            return
        trailers = getattr(self, "aidlp_trailers", None)
        if trailers is None or not isinstance(event, RequestEndOfMessage):
            return (yield from original(self, event))
        self.aidlp_trailers = None  # not chunked: no last chunk, the trailers are dropped

        def last_chunk(command: Any) -> Iterable[Any]:
            if isinstance(command, mitm_commands.SendData) and command.data == _LAST_CHUNK:
                last = b"0\r\n" + bytes(trailers) + b"\r\n"
                command = mitm_commands.SendData(command.connection, last)
            yield command

        return (yield from _rewritten(original(self, event), last_chunk))

    return send


def install() -> bool:
    """Patch mitmproxy's HTTP/1 layer for request trailers (idempotent)."""
    needed = ("Http1Server", "Http1Client", "Http1Connection")
    installed = patch_method(
        _MODULE, "Http1Connection", "read_body", _reading, needed
    ) and patch_method(_MODULE, "Http1Client", "send", _writing, needed)
    if not installed:
        log.warning("aidlp: HTTP/1.1 request trailers are not supported on this mitmproxy")
    return installed
