"""The next-layer gate: a connection to an AI tool, or to a destination that cannot be named,
is TLS-intercepted, handled as HTTP, or refused. It is never relayed as raw bytes.

mitmproxy's own ``NextLayer`` addon runs first and may pick a raw TCP relay when the first
bytes look like neither TLS nor HTTP (a ClientHello whose first byte came alone, a record
version of 0x0304, an HTTP request written a byte at a time). This addon runs after it and
overrides such a choice:

- bytes that are, or could still become, a TLS handshake record (content type 0x16, major
  version 3) → wait for the whole ClientHello, normalise its record versions, intercept as TLS
  (the ``tls_clienthello`` hook then passes non-AI names through, as usual);
- anything else towards an AI tool, an unnamed destination, or inside an intercepted TLS
  connection → mitmproxy's HTTP layer (which waits for a whole request head, and answers
  garbage with 400);
- a request line still arriving byte by byte towards any destination → wait for more bytes;
- a request line after empty lines (``\r\nPOST / HTTP/1.1``, which servers accept) towards
  any destination → the HTTP layer, without the empty lines, so its Host is classified (it was
  a raw relay in a tunnel to a non-AI name: red team RT-94).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from mitmproxy.proxy import events, layer
from mitmproxy.proxy.layers import ClientTLSLayer, HttpLayer, ServerTLSLayer, TCPLayer
from mitmproxy.proxy.layers.http import HTTPMode

from proxy.catalogue import Catalogue, Tool
from proxy.transport.names import ConnectHosts, classify, is_ip_literal
from proxy.transport.records import (
    client_hello_state,
    may_be_http_request_line,
    may_be_tls,
    normalise_record_versions,
)

log = logging.getLogger("aidlp")
#: Leading line breaks judged before a request line (more: judged as they come).
MAX_LEADING_LINES = 8192


class TransportGate:
    """``next_layer`` hook: overrides mitmproxy's raw-TCP choice for AI-tool traffic."""

    def __init__(
        self, catalogue: Callable[[], Catalogue | None], connect_hosts: ConnectHosts
    ) -> None:
        self._catalogue = catalogue
        self._connect_hosts = connect_hosts
        self.overrides = 0  # decisions changed (for tests and debugging)

    def _destination(self, context) -> tuple[Tool | None, bool]:
        """(the AI tool any of the connection's names matches, whether it is unnamed)."""
        catalogue = self._catalogue()
        address = context.server.address
        connect = self._connect_hosts.get(context.client.id)
        host = connect or (address[0] if address else None)
        sni = context.client.sni
        names = [connect, address[0] if address else None, sni]
        found = classify(catalogue, names) if catalogue is not None else None
        unnamed = not sni and (host is None or is_ip_literal(host))
        return found, unnamed

    def next_layer(self, nextlayer: layer.NextLayer) -> None:
        """Runs after mitmproxy's NextLayer (added at the end of the addon chain)."""
        chosen = nextlayer.layer
        try:
            self._decide(nextlayer, chosen)
        except Exception as exc:  # fail closed: never leave a raw relay in place
            log.warning("aidlp: transport gate failed (%s); handling as HTTP", type(exc).__name__)
            if nextlayer.layer is None or isinstance(nextlayer.layer, TCPLayer):
                nextlayer.layer = HttpLayer(nextlayer.context, HTTPMode.transparent)

    def _decide(self, nextlayer: layer.NextLayer, chosen: layer.Layer | None) -> None:
        if chosen is not None and not isinstance(chosen, TCPLayer):
            return  # TLS, HTTP, DNS... (a layer mitmproxy inspects)
        context = nextlayer.context
        if context.client.transport_protocol != "tcp":
            return
        if context.server.address is None and not context.client.tls:
            return  # the proxy's own first layer (mitmproxy sets up the explicit HTTP proxy)
        data = nextlayer.data_client()
        if nextlayer.data_server():
            # A server spoke first: not TLS or HTTP from this client. Never raw to an AI tool.
            if self._guarded(context) or context.client.tls:
                nextlayer.layer = HttpLayer(context, HTTPMode.transparent)
                self.overrides += 1
            return
        if not data:
            return
        inside_tls = bool(context.client.tls)
        if not inside_tls and may_be_tls(data):
            state = client_hello_state(data) if len(data) >= 2 else "partial"
            if state == "partial":
                nextlayer.layer = None  # wait for the rest of the ClientHello
                return
            self._normalise(nextlayer)
            server_tls = ServerTLSLayer(context)
            server_tls.child_layer = ClientTLSLayer(context)
            nextlayer.layer = server_tls  # an invalid hello is refused by the TLS layer
            self.overrides += chosen is not None
            return
        request = data.lstrip(b"\r\n")
        if len(request) != len(data) and len(data) <= MAX_LEADING_LINES:
            # Empty lines before a request line (RFC 9112 §2.2: servers skip them): the
            # request after them is HTTP, whichever host the tunnel names (its Host is read).
            if not request:
                nextlayer.layer = None  # only line breaks so far: wait for the request line
                return
            if may_be_http_request_line(request.split(b"\n", 1)[0]):
                self._skip_leading_lines(nextlayer)
                nextlayer.layer = HttpLayer(context, HTTPMode.transparent)
                self.overrides += 1
                return
        if self._guarded(context) or inside_tls:
            nextlayer.layer = HttpLayer(context, HTTPMode.transparent)
            self.overrides += chosen is not None
            return
        if chosen is not None and may_be_http_request_line(data):
            nextlayer.layer = None  # a request line written in pieces: judge it whole

    def _guarded(self, context) -> bool:
        tool, unnamed = self._destination(context)
        return tool is not None or unnamed

    @staticmethod
    def _skip_leading_lines(nextlayer: layer.NextLayer) -> None:
        """Merge the buffered client bytes into one event without the leading line breaks
        (mitmproxy's HTTP/1 reader would stop at the first empty line and wait)."""
        client = nextlayer.context.client
        received = [
            e
            for e in nextlayer.events
            if isinstance(e, events.DataReceived) and e.connection == client
        ]
        if not received:
            return
        received[0].data = b"".join(e.data for e in received).lstrip(b"\r\n")
        for extra in received[1:]:
            nextlayer.events.remove(extra)

    @staticmethod
    def _normalise(nextlayer: layer.NextLayer) -> None:
        """Merge the buffered client bytes into one event with normalised record versions."""
        client = nextlayer.context.client
        received = [
            e
            for e in nextlayer.events
            if isinstance(e, events.DataReceived) and e.connection == client
        ]
        if not received:
            return
        merged = normalise_record_versions(b"".join(e.data for e in received))
        received[0].data = merged
        for extra in received[1:]:
            nextlayer.events.remove(extra)
