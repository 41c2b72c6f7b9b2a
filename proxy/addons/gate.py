"""Connection gate: only AI-tool traffic is intercepted; blocked tools never get through.

- ClientHello: a host that is not an AI tool is passed through, never decrypted; a blocked
  tool's connection is killed before any TLS (:class:`RefuseBlockedSni`).
- CONNECT and request headers: a blocked tool gets the block response (a browser sees the
  page over TLS made with the proxy's CA). Any other AI-tool flow is tagged with its tool.

A blocked match among several names (SNI, CONNECT host, Host header) wins, which defeats
domain fronting.
"""

from __future__ import annotations

from mitmproxy import ctx, http, tls

from proxy.addons.flows import TOOL_KEY, connection_subject, response_of, subject_of
from proxy.addons.host import RuntimeHost
from proxy.catalogue import Tool, ToolStatus
from proxy.responses import render


class RefuseBlockedSni:
    """Kills a client connection whose ClientHello named a blocked tool, before any TLS.

    Added at the end of mitmproxy's addon chain so that its ``tls_start_client`` runs after
    the built-in TlsConfig: with no TLS context, mitmproxy closes the connection.
    """

    def __init__(self) -> None:
        self.refused: set[str] = set()

    def tls_start_client(self, data: tls.TlsData) -> None:
        if data.context.client.id in self.refused:
            self.refused.discard(data.context.client.id)
            data.ssl_conn = None


class ConnectionGate:
    """Classifies connections and requests by the AI-tool catalogue; refuses blocked tools."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        self.sni_refuser = RefuseBlockedSni()

    async def running(self) -> None:
        if self.sni_refuser not in ctx.master.addons.chain:
            ctx.master.addons.add(self.sni_refuser)

    def done(self) -> None:
        if self.sni_refuser in ctx.master.addons.chain:
            ctx.master.addons.remove(self.sni_refuser)

    def classify(self, *names: str | None) -> Tool | None:
        """The tool for any of ``names``; a blocked match wins."""
        catalogue = self.host.rt().catalogue
        found: Tool | None = None
        for name in names:
            tool = catalogue.match(name)
            if tool is not None and (found is None or tool.status is ToolStatus.BLOCKED):
                found = tool
        return found

    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        server = data.context.server.address
        connect_host = server[0] if server else None
        tool = self.classify(data.client_hello.sni, connect_host)
        if tool is None:
            data.ignore_connection = True  # not an AI tool: never decrypted
            return
        if tool.status is ToolStatus.BLOCKED:
            data.establish_server_tls_first = False
            self.sni_refuser.refused.add(data.context.client.id)
            _, inspector, recording = self.host.live()
            name = data.client_hello.sni or connect_host or ""
            subject = connection_subject(tool, name, data.context.client.peername, "sni")
            recording.record(inspector.refuse_tool(subject))

    def http_connect(self, flow: http.HTTPFlow) -> None:
        tool = self.classify(flow.request.host)
        if tool is not None and tool.status is ToolStatus.BLOCKED:
            self.refuse(flow, tool)

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        tool = self.classify(request.pretty_host, request.host_header, request.host)
        if tool is None:
            return
        flow.metadata[TOOL_KEY] = tool
        if tool.status is ToolStatus.BLOCKED:
            self.refuse(flow, tool)

    def refuse(self, flow: http.HTTPFlow, tool: Tool) -> None:
        runtime, inspector, recording = self.host.live()
        outcome = inspector.refuse_tool(subject_of(flow, tool))
        flow.response = response_of(render(outcome, runtime.loaded.config.policy.contacts))
        recording.record(outcome)
