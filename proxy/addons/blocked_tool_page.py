"""The block page for a blocked tool (DeepSeek) over HTTPS, without ever reaching the tool.

A browser that is refused at CONNECT shows its own "tunnel connection failed" error, so staff
never learn why. Instead, for the CONNECTs that ``catalogue.blocked_tool_page`` selects (by
default: web browsers), the connection gate accepts the tunnel itself and mitmproxy's
TLS layer terminates it with a certificate made by the proxy's own CA (which staff devices
trust). Every request inside is then refused by the gate's ``requestheaders`` like a plain
HTTP one: the browser renders the block page citing PS6 (PS5 with the unblock route for tools
that can be requested), API-shaped clients get their 403 error shape.

No connection to the blocked host is ever opened:

- the CONNECT is answered with ``200 Connection established`` by this addon, so mitmproxy's
  eager connection strategy never opens one (it only does when the CONNECT has no response);
- the ClientHello does not wait for server TLS (``establish_server_tls_first = False``, set
  by this addon at the end of the addon chain, after mitmproxy's own TlsConfig);
- every request in the tunnel is answered by the gate before any upstream is chosen;
- and should anything still try, :meth:`server_connect` kills that connection (fail closed).

Other clients (curl, SDKs) keep the CONNECT refusal with 403, which they report plainly.
A tunnel whose TLS handshake fails (a device that does not trust the proxy's CA) is recorded
as a blocked-tool attempt at the ``connect`` stage, so no attempt goes unrecorded.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from mitmproxy import http, tls
from mitmproxy.proxy import server_hooks

from proxy.catalogue import BlockedToolPage, Tool
from proxy.inspection import Subject

log = logging.getLogger("aidlp")

#: Every mainstream browser's User-Agent starts so (Chromium, Firefox, Safari, Edge); HTTP
#: libraries and command-line tools (curl/, python-httpx/, Go-http-client/) do not.
BROWSER_AGENT_PREFIX = "mozilla/"


def is_browser_connect(flow: http.HTTPFlow) -> bool:
    """Whether a CONNECT came from a web browser (its User-Agent says ``Mozilla/...``)."""
    agent = flow.request.headers.get("user-agent", "")
    return agent.strip().lower().startswith(BROWSER_AGENT_PREFIX)


def shows_page(setting: BlockedToolPage, flow: http.HTTPFlow) -> bool:
    """Whether this CONNECT to a blocked tool gets the page over TLS (else 403 at CONNECT)."""
    if setting is BlockedToolPage.ALL:
        return True
    if setting is BlockedToolPage.BROWSERS:
        return is_browser_connect(flow)
    return False


def connection_established(flow: http.HTTPFlow) -> http.Response:
    """The same 2xx mitmproxy sends for a CONNECT it accepts (no headers, no body)."""
    now = time.time()
    return http.Response(
        flow.request.data.http_version, 200, b"Connection established",
        http.Headers(), b"", None, now, now,
    )  # fmt: skip


@dataclass(slots=True)
class PageTunnel:
    """A CONNECT to a blocked tool accepted so that its requests get the block page."""

    tool: Tool
    host: str
    client_ip: str | None
    answered: int = 0  # requests answered with the block response


class BlockedToolPages:
    """The tunnels to blocked tools opened only to show the block page (by client id)."""

    def __init__(self, record_failed_handshake=None) -> None:
        self.tunnels: dict[str, PageTunnel] = {}
        #: called with (tunnel) when a tunnel's TLS handshake fails before any request
        self._record_failed_handshake = record_failed_handshake

    def open(self, flow: http.HTTPFlow, tool: Tool) -> None:
        """Accept ``flow`` (a CONNECT to ``tool``) without any upstream connection."""
        peer = flow.client_conn.peername
        self.tunnels[flow.client_conn.id] = PageTunnel(
            tool, flow.request.host, peer[0] if peer else None
        )
        flow.response = connection_established(flow)

    def tunnel(self, client_id: str) -> PageTunnel | None:
        return self.tunnels.get(client_id)

    def answered(self, flow: http.HTTPFlow) -> None:
        """The gate answered a request in the tunnel with the block response."""
        tunnel = self.tunnels.get(flow.client_conn.id)
        if tunnel is not None:
            tunnel.answered += 1

    # ---- hooks (at the end of the addon chain, after mitmproxy's TlsConfig) -----------------

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        """TLS with the client only: never open the server side first (eager strategy)."""
        if data.context.client.id in self.tunnels:
            data.ignore_connection = False
            data.establish_server_tls_first = False

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        """Fail closed: nothing in a page tunnel ever connects upstream."""
        tunnel = self.tunnels.get(data.client.id)
        if tunnel is not None:
            data.server.error = f"aidlp: {tunnel.tool.id} is a blocked tool, never connected to"
            log.warning("aidlp: refused an upstream connection for a blocked tool's page tunnel")

    def tls_failed_client(self, data: tls.TlsData) -> None:
        tunnel = self.tunnels.get(data.context.client.id)
        if tunnel is not None and tunnel.answered == 0 and self._record_failed_handshake:
            tunnel.answered += 1  # recorded once
            self._record_failed_handshake(tunnel)

    def client_disconnected(self, client) -> None:
        self.tunnels.pop(client.id, None)


def failed_handshake_subject(tunnel: PageTunnel) -> Subject:
    """The attempt, for the record, when the browser would not complete TLS with us."""
    return Subject(
        tool=tunnel.tool,
        host=tunnel.host,
        method="CONNECT",
        client_ip=tunnel.client_ip,
        stage="connect",
    )
