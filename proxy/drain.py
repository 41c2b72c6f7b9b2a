"""Graceful shutdown: SIGTERM drains the proxy instead of cutting requests in flight.

On the first SIGTERM (systemd stop, Kubernetes pod deletion, ``docker stop``):

1. ``/readyz`` turns 503 (load balancers and endpoints stop sending new connections);
2. the proxy stops listening: new connections are refused, so clients retry elsewhere;
3. requests already in flight are finished, and every HTTP/1 response sent meanwhile says
   ``Connection: close`` so no client reuses a connection that is about to go; each HTTP/2
   client connection gets a ``GOAWAY`` (no error) as soon as it has no stream open, naming
   the last stream it had sent, so the client opens no new stream on it (a stream opened
   meanwhile is not served: the client retries it on a new connection);
4. once nothing is in flight (and stays so for a short settle time), or the grace period
   ``aidlp_drain_timeout`` (seconds) is over, mitmproxy shuts down as usual.

A second SIGTERM, or SIGINT, stops at once. The grace period must fit in the platform's:
Kubernetes ``terminationGracePeriodSeconds`` (minus the ``preStop`` pause), systemd
``TimeoutStopSec``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from mitmproxy import ctx, exceptions, http

from proxy.mitmproxy_patches import route_injected

log = logging.getLogger("aidlp")

DRAIN_TIMEOUT_DEFAULT = 20  # seconds
SETTLE_SECONDS = 0.5  # nothing in flight for this long: done
#: ... unless a client connection was not yet told to close (its last answer came before the
#: drain: a keep-alive client may be sending its next request right now): wait this long.
UNTOLD_SETTLE_SECONDS = 2.0


class GracefulShutdown:
    """Option ``aidlp_drain_timeout``; owns SIGTERM once the proxy is running."""

    def __init__(self) -> None:
        self.draining = False
        self.in_flight: set[str] = set()
        self.goaway_sent: set[str] = set()  # HTTP/2 client connections told to go away
        self.told: set[str] = set()  # HTTP/1 client connections answered with Connection: close
        self._h2_flows: dict[str, http.HTTPFlow] = {}  # client id -> its latest HTTP/2 flow
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def load(self, loader: Any) -> None:
        loader.add_option(
            "aidlp_drain_timeout",
            int,
            DRAIN_TIMEOUT_DEFAULT,
            "On SIGTERM: stop listening, then wait at most this many seconds for requests in "
            "flight to finish before exiting (0: exit at once).",
        )

    def configure(self, updated: set[str]) -> None:
        if "aidlp_drain_timeout" in updated and ctx.options.aidlp_drain_timeout < 0:
            raise exceptions.OptionsError("aidlp: aidlp_drain_timeout must be 0 or more seconds")

    def running(self) -> None:
        self._loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            self._loop.add_signal_handler(signal.SIGTERM, self.begin)  # replaces mitmproxy's

    def done(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.remove_signal_handler(signal.SIGTERM)

    # ---- in-flight bookkeeping --------------------------------------------------------------

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        if self.draining and flow.client_conn.id in self.goaway_sent:
            flow.kill()  # a stream past our GOAWAY: the client retries it elsewhere
            return
        self.in_flight.add(flow.id)
        if flow.request.http_version == "HTTP/2.0":
            self._h2_flows[flow.client_conn.id] = flow

    def client_disconnected(self, client: Any) -> None:
        self._h2_flows.pop(client.id, None)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if self.draining and flow.response is not None and _is_http1(flow):
            flow.response.headers["connection"] = "close"
            self.told.add(flow.client_conn.id)

    def response(self, flow: http.HTTPFlow) -> None:
        response = flow.response
        if self.draining and response is not None and _is_http1(flow) and not response.stream:
            # not yet sent (answers aidlp made itself, buffered bodies): the client is told
            response.headers["connection"] = "close"
            self.told.add(flow.client_conn.id)
        # A streamed response's headers went out at ``responseheaders``: if that was before
        # the drain they said keep-alive, and the client will send its next request on this
        # connection. Adding ``Connection: close`` now would only make mitmproxy close the
        # connection after this response, under that request (the client sees it cut): so
        # the connection stays open and untold, and its next request is answered with
        # ``Connection: close`` (:meth:`_drain` waits for it).
        self.in_flight.discard(flow.id)

    def error(self, flow: http.HTTPFlow) -> None:
        self.in_flight.discard(flow.id)

    # ---- the drain ------------------------------------------------------------------------

    def begin(self) -> None:
        """SIGTERM: start draining; a second one stops at once."""
        if self.draining:
            log.info("aidlp: second SIGTERM: stopping now")
            ctx.master.shutdown()
            return
        self.draining = True
        grace = ctx.options.aidlp_drain_timeout
        log.info(
            "aidlp: SIGTERM: draining (%d requests in flight, up to %d s)",
            len(self.in_flight),
            grace,
        )
        ctx.options.update(server=False)  # close the listening sockets; connections stay
        self._task = asyncio.get_running_loop().create_task(self._drain(grace))

    async def _drain(self, grace: float) -> None:
        started = time.monotonic()
        deadline = started + grace
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            self._send_goaways()
            now = time.monotonic()
            if self.in_flight:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= (UNTOLD_SETTLE_SECONDS if self._untold() else SETTLE_SECONDS):
                break
            await asyncio.sleep(0.05)
        left = len(self.in_flight)
        took = time.monotonic() - started
        if left:
            log.warning("aidlp: drain grace over after %.1f s: %d requests cut", took, left)
        else:
            log.info("aidlp: drained in %.1f s", took)
        ctx.master.shutdown()

    def _untold(self) -> bool:
        """Is a client connection still open that was not told to close (or go away)?"""
        server = ctx.master.addons.get("proxyserver")
        told = self.told | self.goaway_sent
        return any(cid not in told for cid in getattr(server, "connections", {}))

    def _send_goaways(self) -> None:
        """GOAWAY to every HTTP/2 client connection that has no stream open (any earlier,
        and h2 clients such as httpx fail the streams still in flight)."""
        server = ctx.master.addons.get("proxyserver")
        for client_id, flow in list(self._h2_flows.items()):
            handler = getattr(server, "connections", {}).get(client_id)
            if client_id in self.goaway_sent or handler is None:
                continue
            layers = list(_http2_client_layers(getattr(handler, "layer", None)))
            idle = layers and not any(layer.h2_conn.open_inbound_streams for layer in layers)
            if idle and install():
                with contextlib.suppress(ValueError):  # the connection is gone
                    server.inject_event(_goaway_event(flow, self.goaway_sent))


def install() -> bool:
    """Teach ``HttpLayer`` to send a GOAWAY when :func:`_goaway_event` asks (idempotent)."""
    installed = route_injected(
        "mitmproxy.proxy.layers.http", "HttpLayer", "_handle_event", _event_type(), _deliver
    )
    if not installed:
        log.warning("aidlp: HTTP/2 GOAWAY on drain is not supported on this mitmproxy version")
    return installed


_GoawayInjected: Any = None


def _event_type() -> type:
    """A MessageInjected: the proxy server routes it to the flow's client connection."""
    global _GoawayInjected
    if _GoawayInjected is None:
        from mitmproxy.proxy.events import MessageInjected

        @dataclass
        class GoawayInjected(MessageInjected):
            sent: set[str] = field(default_factory=set)  # told the client ids that got one

        _GoawayInjected = GoawayInjected
    return _GoawayInjected


def _goaway_event(flow: http.HTTPFlow, sent: set[str]) -> Any:
    from mitmproxy import websocket
    from wsproto.frame_protocol import Opcode

    unused = websocket.WebSocketMessage(Opcode.TEXT, False, b"")
    return _event_type()(flow, unused, sent)


def _deliver(layer: Any, event: Any) -> Generator[Any, Any, None]:
    """In the HttpLayer whose client side is HTTP/2: the GOAWAY frame, sent through the layers
    above it (the client TLS layer encrypts it), if no stream is open. Elsewhere: on into
    CONNECT tunnels (the HTTP/2 connection is inside)."""
    from mitmproxy.proxy import commands
    from mitmproxy.proxy.layers.http._http2 import Http2Server

    client = layer.connections.get(layer.context.client)
    if isinstance(client, Http2Server):
        h2 = client.h2_conn
        if not h2.open_inbound_streams and event.flow.client_conn.id not in event.sent:
            event.sent.add(event.flow.client_conn.id)
            yield commands.SendData(
                layer.context.client, _goaway_frame(h2.highest_inbound_stream_id)
            )
        return
    for stream in list(layer.streams.values()):
        if stream._handle_event == stream.passthrough and stream.child_layer is not None:
            yield from layer.event_to_child(stream, event)


def _http2_client_layers(root: Any) -> Iterator[Any]:
    """The HTTP/2 server layers (towards the client) in a connection's layer tree.

    mitmproxy 12 has no API for a graceful HTTP/2 shutdown, and its h2 state machine would
    refuse to send the responses still due after a GOAWAY of its own: so aidlp sends the
    frame itself (:func:`_deliver`) once the connection has no stream open.
    """
    from mitmproxy.proxy.layers.http._http2 import Http2Server

    stack, seen = [root], set()
    while stack:
        layer = stack.pop()
        if layer is None or id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, Http2Server):
            yield layer
        delegate = getattr(getattr(layer, "_handle_event", None), "__self__", None)
        stack += [getattr(layer, "layer", None), getattr(layer, "child_layer", None), delegate]
        for name in ("connections", "streams"):
            children = getattr(layer, name, None)
            if isinstance(children, dict):
                stack += list(children.values())


def _goaway_frame(last_stream_id: int) -> bytes:
    from hyperframe.frame import GoAwayFrame

    return GoAwayFrame(stream_id=0, last_stream_id=last_stream_id, error_code=0).serialize()


def _is_http1(flow: http.HTTPFlow) -> bool:
    return flow.request.http_version.startswith("HTTP/1")
