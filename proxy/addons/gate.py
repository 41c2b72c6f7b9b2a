"""Connection gate: only AI-tool traffic is intercepted; blocked tools never get through.

- next layer (:class:`proxy.transport.gate.TransportGate`): an AI-tool or unnamed connection
  is intercepted as TLS or handled as HTTP, never relayed as raw bytes;
- HTTP/1.1 chunked trailers: read like HTTP/2's (:mod:`proxy.transport.http1_trailers`);
- ClientHello: a host that is not an AI tool is passed through, never decrypted
  (``catalogue.other_tls: intercept`` decrypts it and classifies each request); a blocked
  tool's connection is killed before any TLS (:class:`RefuseBlockedSni`); a connection that
  names no host at all is intercepted or refused (``catalogue.unnamed_destinations``);
- CONNECT and request headers: a blocked tool gets the block response (a browser's CONNECT
  is accepted and its requests see the page over TLS made with the proxy's CA, never
  connected upstream: :mod:`proxy.addons.blocked_tool_page`). Any other AI-tool flow is
  tagged with its tool.

Every name a flow carries counts (CONNECT host, SNI, Host, ``:authority``, address): a
blocked match wins, which defeats domain fronting (:mod:`proxy.transport.names`).
"""

from __future__ import annotations

import logging
from typing import Any

from mitmproxy import ctx, http, tls
from mitmproxy.proxy.mode_specs import ReverseMode

from proxy.addons.blocked_tool_page import (
    BlockedToolPages,
    connection_established,
    failed_handshake_subject,
    shows_page,
)
from proxy.addons.fail_closed import FailsClosed
from proxy.addons.flows import TOOL_KEY, connection_subject, response_of, subject_of
from proxy.addons.host import RuntimeHost
from proxy.catalogue import OtherTls, Tool, ToolStatus, UnnamedDestinations
from proxy.failsafe import fail_closed
from proxy.responses import render
from proxy.transport import http1_trailers
from proxy.transport.gate import TransportGate
from proxy.transport.names import (
    ConnectHosts,
    bare_host,
    classify,
    flow_names,
    is_ip_literal,
)
from proxy.transport.upgrades import asks_upgrade

log = logging.getLogger("aidlp")

#: Stands in for "no tool" in events and metrics about destinations that name no host.
UNNAMED_TOOL = Tool(id="unnamed", name="Unnamed destination", hosts=["unnamed.invalid"])
#: The ALPN protocol ids an intercepted connection may offer upstream. mitmproxy copies the
#: client's offers into the proxy's own ClientHello to the server verbatim, so any other id
#: (``NI JG103729A``, a key) would reach the AI host's TLS terminator unscanned (red team
#: RT-114): the client's offers are cut to these before anything is copied.
KNOWN_ALPN = (b"h2", b"http/1.1", b"http/1.0", b"http/0.9")


class RefuseBlockedSni:
    """Kills a client connection whose ClientHello named a blocked tool, before any TLS; and
    opens no server connection at the ClientHello of a refused or unnamed one.

    Added at the end of mitmproxy's addon chain so that its hooks run after the built-in
    TlsConfig, which asks for server TLS first under the eager strategy (that would connect
    to the address before its requests are classified); with no TLS context, mitmproxy
    closes the client connection.
    """

    def __init__(self) -> None:
        self.refused: set[str] = set()
        self.client_first: set[str] = set()  # unnamed: no server connection at the hello

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        client = data.context.client.id
        if client in self.refused or client in self.client_first:
            self.client_first.discard(client)
            data.establish_server_tls_first = False

    def tls_start_client(self, data: tls.TlsData) -> None:
        if data.context.client.id in self.refused:
            self.refused.discard(data.context.client.id)
            data.ssl_conn = None


class ConnectionGate(FailsClosed):
    """Classifies connections and requests by the AI-tool catalogue; refuses blocked tools."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        self.sni_refuser = RefuseBlockedSni()
        self.connect_hosts = ConnectHosts()
        self.transport = TransportGate(
            lambda: host.runtime.catalogue if host.runtime else None, self.connect_hosts
        )
        self.pages = BlockedToolPages(self._record_failed_handshake)

    def load(self, loader: Any) -> None:
        http1_trailers.install()  # chunked HTTP/1.1 trailers: read, scanned, stripped (not a crash)

    async def running(self) -> None:
        # at the end of the chain: after mitmproxy's TlsConfig and NextLayer, which they override
        for addon in (self.sni_refuser, self.transport, self.pages):
            if addon not in ctx.master.addons.chain:
                ctx.master.addons.add(addon)

    def done(self) -> None:
        for addon in (self.sni_refuser, self.transport, self.pages):
            if addon in ctx.master.addons.chain:
                ctx.master.addons.remove(addon)

    def client_disconnected(self, client: Any) -> None:
        self.connect_hosts.forget(client.id)

    @fail_closed
    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        client = data.context.client
        if client.alpn_offers and any(p not in KNOWN_ALPN for p in client.alpn_offers):
            client.alpn_offers = [p for p in client.alpn_offers if p in KNOWN_ALPN]
        if self.pages.tunnel(data.context.client.id) is not None:
            return  # the page tunnel: TLS with the client only (BlockedToolPages)
        server = data.context.server.address
        connect_host = self.connect_hosts.get(data.context.client.id)
        sni = data.client_hello.sni
        address = server[0] if server else None
        tool = classify(self.host.rt().catalogue, (sni, connect_host, address))
        if tool is None:
            host = connect_host or address
            # An explicit CONNECT to an IP literal is unnamed whatever the SNI claims (browsers
            # CONNECT by name; the SNI cannot vouch for an arbitrary address). In transparent
            # modes (no CONNECT) the SNI names the destination, unless it only spells an
            # address or is an ECH outer name (names_an_address).
            named = (sni and not is_ip_literal(sni) and not is_ip_literal(connect_host)) or (
                host is not None and not is_ip_literal(host)
            )
            settings = self.host.rt().loaded.config.catalogue
            if named:
                # names a non-AI host: never decrypted, unless other_tls says intercept (then
                # each request is classified by its Host / :authority, like an unnamed one)
                data.ignore_connection = settings.other_tls is OtherTls.PASSTHROUGH
                return
            # No trustworthy name (IP literal, no SNI): never passed through unseen.
            if settings.unnamed_destinations is UnnamedDestinations.INTERCEPT:
                # decrypted; each request is classified by its Host / :authority before any
                # upstream connection (a request naming a blocked tool never opens one)
                self.sni_refuser.client_first.add(data.context.client.id)
                return
            data.establish_server_tls_first = False
            self.sni_refuser.refused.add(data.context.client.id)
            _, inspector, recording = self.host.live()
            subject = connection_subject(
                UNNAMED_TOOL, host or "", data.context.client.peername, "sni"
            )
            recording.record(inspector.refuse_tool(subject, "unnamed_destination", ["PS2"]))
            return
        if tool.status is ToolStatus.BLOCKED:
            data.establish_server_tls_first = False
            self.sni_refuser.refused.add(data.context.client.id)
            _, inspector, recording = self.host.live()
            name = sni or connect_host or address or ""
            subject = connection_subject(tool, name, data.context.client.peername, "sni")
            recording.record(inspector.refuse_tool(subject))

    @fail_closed
    def http_connect(self, flow: http.HTTPFlow) -> None:
        self.connect_hosts.record(flow.client_conn.id, flow.request.host)
        tool = classify(self.host.rt().catalogue, (flow.request.host,))
        if tool is not None and tool.status is ToolStatus.BLOCKED:
            setting = self.host.rt().loaded.config.catalogue.blocked_tool_page
            if flow.response is None and shows_page(setting, flow):  # (None: not a 407)
                self.pages.open(flow, tool)  # its requests get the page; nothing upstream
                return
            self.refuse(flow, tool)
        elif flow.response is None and is_ip_literal(flow.request.host):  # (not after a 407)
            # An address may be a blocked tool's: accept the tunnel without connecting (the
            # eager strategy would connect now); the SNI or the requests name it first.
            flow.response = connection_established(flow)

    @fail_closed
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        tool = classify(self.host.rt().catalogue, flow_names(flow, self.connect_hosts))
        if tool is not None and tool.status is ToolStatus.BLOCKED:
            flow.metadata[TOOL_KEY] = tool
            self.refuse(flow, tool)
            return
        if self._to_an_address(flow) and not self._route_by_name(flow):
            # nothing names where it goes (an address, no SNI, Host an address too): it is
            # scanned as an unnamed destination, never passed through unseen
            tool = tool or UNNAMED_TOOL
        if tool is None:
            return
        if not (tool.serves_path(flow.request.path) or asks_upgrade(flow.request.headers)):
            return  # a shared host's non-AI path (www.bing.com/search): forwarded as it came
        flow.metadata[TOOL_KEY] = tool

    def _to_an_address(self, flow: http.HTTPFlow) -> bool:
        """The flow goes to an address the client chose (a CONNECT to an IP literal, or no
        CONNECT and no SNI to name one), not to a name. In reverse mode the operator fixed
        the destination in the proxy's own mode spec, so the client chose nothing."""
        if isinstance(flow.client_conn.proxy_mode, ReverseMode):
            return False
        connect = self.connect_hosts.get(flow.client_conn.id)
        if connect is not None:
            return is_ip_literal(bare_host(connect))
        return not flow.client_conn.sni and is_ip_literal(flow.request.host)

    @staticmethod
    def _route_by_name(flow: http.HTTPFlow) -> bool:
        """Send a request in a tunnel to an address to the host it names (Host,
        ``:authority``, else the SNI), resolved by the proxy, never to the client's address:
        a DeepSeek address with ``Host: api.openai.com`` (or ``www.example.com``) reaches the
        named host, not DeepSeek. False when the request names no host."""
        request = flow.request
        authority = request.data.authority.decode("utf-8", "surrogateescape")
        names = [*request.headers.get_all("host"), authority, flow.client_conn.sni]
        for name in names:
            host = bare_host(name)
            if host and not is_ip_literal(host):
                if request.host != host:
                    request.host = host
                return True
        return False

    def refuse(self, flow: http.HTTPFlow, tool: Tool) -> None:
        runtime, inspector, recording = self.host.live()
        outcome = inspector.refuse_tool(subject_of(flow, tool))
        if flow.response is None or flow.response.status_code != 407:
            # (proxy authentication's 407 stands: a browser then retries with credentials)
            flow.response = response_of(render(outcome, runtime.loaded.config.policy.guidance))
        self.pages.answered(flow)
        recording.record(outcome)

    def _record_failed_handshake(self, tunnel) -> None:
        _, inspector, recording = self.host.live()
        recording.record(inspector.refuse_tool(failed_handshake_subject(tunnel)))
