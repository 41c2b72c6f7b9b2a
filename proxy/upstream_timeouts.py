"""Upstream timeouts: a hung AI host gets a clear 504, never an open-ended wait.

mitmproxy 12 has no upstream timeout of its own: a TCP connect waits for the kernel (about
two minutes), and a request that was sent waits for its response for as long as the client
connection lives. This addon bounds both:

- **connect** (``aidlp_upstream_connect_timeout``): from ``server_connect`` to
  ``server_connected``. On expiry the pending connect is cancelled; a ``CONNECT`` that was
  connecting, or a request let through in a tunnel whose connect timed out (an AI tool's
  tunnel is accepted before connecting: :mod:`proxy.addons.deferred_connect`), is answered
  ``504 Gateway Timeout``. A plain-HTTP request whose connection
  times out gets mitmproxy's own 502 page carrying the same message.
- **read** (``aidlp_upstream_read_timeout``): from the moment aidlp lets a request go
  upstream (the end of the ``request`` hook) until its response headers arrive. On expiry
  the client gets a ``504 Gateway Timeout`` and the upstream connection is closed.

mitmproxy has no public API to answer a request that is already upstream, so the read
timeout injects an event through the proxy server's public ``inject_event`` (as
:mod:`proxy.addons.mitmproxy_ws_close_patch` does) and teaches ``HttpLayer``, once, to turn it into the error the
HTTP layer already knows how to send, with status 504. Streaming responses that stall
after their headers are bounded by mitmproxy's ``tcp_timeout`` (inactivity, 600 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from mitmproxy import ctx, exceptions, http
from mitmproxy.proxy import server_hooks

from proxy.mitmproxy_patches import route_injected

log = logging.getLogger("aidlp")

CONNECT_TIMEOUT_DEFAULT = 10  # seconds (mitmproxy options are ints)
READ_TIMEOUT_DEFAULT = 300


class _GatewayTimeout:
    """Stands in for mitmproxy's ``ErrorCode`` on our error: the HTTP/1 and HTTP/2 layers ask
    it for the status to send (they send an error page with it while headers are unsent);
    anywhere else it behaves as ``GENERIC_SERVER_ERROR`` (an HTTP/2 stream reset)."""

    name = "GATEWAY_TIMEOUT"

    def http_status_code(self) -> int:
        return 504

    def __eq__(self, other: object) -> bool:
        from mitmproxy.proxy.layers.http import ErrorCode

        return other is self or other is ErrorCode.GENERIC_SERVER_ERROR

    def __hash__(self) -> int:
        return hash(self.name)


GATEWAY_TIMEOUT = _GatewayTimeout()
_Injected: Any = None


def _injected_type() -> type:
    """The injected event: a MessageInjected, so the proxy server routes it to the flow's
    connection and every HttpLayer on the way sees it."""
    global _Injected
    if _Injected is None:
        from mitmproxy.proxy.events import MessageInjected

        @dataclass
        class UpstreamTimeoutInjected(MessageInjected):
            reason: str = ""

        _Injected = UpstreamTimeoutInjected
    return _Injected


def install() -> bool:
    """Patch ``HttpLayer`` to answer :class:`UpstreamTimeoutInjected` (idempotent)."""
    installed = route_injected(
        "mitmproxy.proxy.layers.http",
        "HttpLayer",
        "_handle_event",
        _injected_type(),
        _deliver,
        needed=("ResponseProtocolError",),
    )
    if not installed:
        log.warning("aidlp: upstream read timeouts are not supported on this mitmproxy version")
    return installed


def _deliver(layer: Any, event: Any) -> Generator[Any, Any, None]:
    """In the HttpLayer that holds the flow's stream: fail the stream with a 504 and close
    the upstream connection. Elsewhere: pass it into CONNECT tunnels (the flow is inside)."""
    from mitmproxy.proxy import commands
    from mitmproxy.proxy.layers.http import ErrorCode, ResponseProtocolError

    for stream in list(layer.streams.values()):
        if stream.flow is event.flow:
            if stream.flow.response is not None or not stream.flow.live:
                return  # answered meanwhile
            error = ResponseProtocolError(
                stream.stream_id, event.reason, ErrorCode.GENERIC_SERVER_ERROR
            )
            error.code = GATEWAY_TIMEOUT  # type: ignore[assignment]  # after __post_init__'s check
            yield from layer.event_to_child(stream, error)
            server = event.flow.server_conn
            if server is not None and server.alpn != b"h2" and server.connected:
                yield commands.CloseConnection(server)  # one request per HTTP/1 connection
            return
    for stream in list(layer.streams.values()):
        if stream._handle_event == stream.passthrough and stream.child_layer is not None:
            yield from layer.event_to_child(stream, event)


class UpstreamTimeouts:
    """Bounds the upstream connect and the wait for response headers (see module doc)."""

    def __init__(self) -> None:
        self._connects: dict[str, asyncio.TimerHandle] = {}
        self._reads: dict[str, asyncio.TimerHandle] = {}
        self._timed_out: set[str] = set()  # server connection ids whose connect we cancelled

    def load(self, loader: Any) -> None:
        loader.add_option(
            "aidlp_upstream_connect_timeout",
            int,
            CONNECT_TIMEOUT_DEFAULT,
            "Seconds to open a TCP connection to an upstream host (0: no limit); then 504.",
        )
        loader.add_option(
            "aidlp_upstream_read_timeout",
            int,
            READ_TIMEOUT_DEFAULT,
            "Seconds an upstream host may take to start its response once aidlp has let a "
            "request through (0: no limit); then 504.",
        )

    def configure(self, updated: set[str]) -> None:
        for name in ("aidlp_upstream_connect_timeout", "aidlp_upstream_read_timeout"):
            if name in updated and getattr(ctx.options, name) < 0:
                raise exceptions.OptionsError(f"aidlp: {name} must be 0 or more seconds")

    def running(self) -> None:
        install()

    # ---- connect ----------------------------------------------------------------------------

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        timeout = ctx.options.aidlp_upstream_connect_timeout
        if not timeout or data.server.error:
            return
        loop = asyncio.get_running_loop()
        self._connects[data.server.id] = loop.call_later(
            timeout, self._connect_expired, data.client.id, data.server, timeout
        )

    def server_connected(self, data: server_hooks.ServerConnectionHookData) -> None:
        self._cancel(self._connects, data.server.id)

    def server_connect_error(self, data: server_hooks.ServerConnectionHookData) -> None:
        self._cancel(self._connects, data.server.id)

    def server_disconnected(self, data: server_hooks.ServerConnectionHookData) -> None:
        self._cancel(self._connects, data.server.id)
        self._timed_out.discard(data.server.id)

    def _connect_expired(self, client_id: str, server: Any, timeout: int) -> None:
        self._connects.pop(server.id, None)
        proxyserver = ctx.master.addons.get("proxyserver")
        handler = getattr(proxyserver, "connections", {}).get(client_id)
        transport = handler.transports.get(server) if handler is not None else None
        if transport is None or transport.handler is None or server.peername is not None:
            return
        host = server.address[0] if server.address else "?"
        log.warning("aidlp: upstream connect to %s timed out after %g s", host, timeout)
        self._timed_out.add(server.id)
        transport.handler.cancel(f"aidlp: upstream connect timed out after {timeout:g} s")

    def http_connect_error(self, flow: http.HTTPFlow) -> None:
        """A CONNECT whose upstream connect we cancelled: say so with a 504."""
        if flow.server_conn.id in self._timed_out:
            self._timed_out.discard(flow.server_conn.id)
            flow.response = self._connect_timeout_response(flow)

    @staticmethod
    def _connect_timeout_response(flow: http.HTTPFlow) -> http.Response:
        timeout = ctx.options.aidlp_upstream_connect_timeout
        return http.Response.make(
            504,
            f"aidlp: the AI tool's server did not accept a connection within {timeout:g} s "
            f"({flow.request.host}). Try again later.\n",
            {"Content-Type": "text/plain; charset=utf-8", "X-AIDLP-Upstream": "timeout"},
        )

    # ---- read -------------------------------------------------------------------------------

    def request(self, flow: http.HTTPFlow) -> None:
        """Runs after aidlp's own request hook: only requests it let through are timed."""
        if flow.response is None and flow.server_conn.id in self._timed_out:
            # the tunnel was accepted unconnected (proxy/addons/deferred_connect.py) and the
            # TLS layer's connect timed out: mitmproxy would answer 502 with no retry
            flow.response = self._connect_timeout_response(flow)
            return
        timeout = ctx.options.aidlp_upstream_read_timeout
        if not timeout or flow.response is not None or flow.error is not None:
            return
        loop = asyncio.get_running_loop()
        self._reads[flow.id] = loop.call_later(timeout, self._read_expired, flow, timeout)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        self._cancel(self._reads, flow.id)

    def response(self, flow: http.HTTPFlow) -> None:
        self._cancel(self._reads, flow.id)

    def error(self, flow: http.HTTPFlow) -> None:
        self._cancel(self._reads, flow.id)

    def _read_expired(self, flow: http.HTTPFlow, timeout: int) -> None:
        self._reads.pop(flow.id, None)
        if flow.response is not None or not flow.live or not install():
            return
        log.warning(
            "aidlp: %s did not answer within %g s: 504 to the client", flow.request.host, timeout
        )
        from mitmproxy import websocket
        from wsproto.frame_protocol import Opcode

        message = websocket.WebSocketMessage(Opcode.TEXT, False, b"")  # unused payload
        reason = (
            f"aidlp: the AI tool ({flow.request.host}) did not answer within {timeout:g} s "
            "(upstream read timeout). Try again later."
        )
        proxyserver = ctx.master.addons.get("proxyserver")
        with contextlib.suppress(ValueError):  # ValueError: the client connection is gone
            proxyserver.inject_event(_injected_type()(flow, message, reason))

    @staticmethod
    def _cancel(timers: dict[str, asyncio.TimerHandle], key: str) -> None:
        timer = timers.pop(key, None)
        if timer is not None:
            timer.cancel()
