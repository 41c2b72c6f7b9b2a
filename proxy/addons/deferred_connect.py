"""Deferred upstream connect: a CONNECT to an AI tool is accepted before any upstream
connection is made.

mitmproxy's eager strategy (kept: its TLS layer mirrors the server's ALPN, so HTTP/2 clients
get HTTP/2) connects to the destination while answering the CONNECT, before aidlp has seen a
request. Where the AI host cannot be reached (an offline device, a split-horizon DNS, an AI
host blocked further upstream) the client then got ``502`` for the CONNECT itself, never
aidlp's decision. This addon, last of the CONNECT hooks, answers a still unanswered CONNECT
to a catalogued, not blocked tool with the same ``200`` mitmproxy would send, without
connecting. The TLS layer then connects at the ClientHello as usual; if that fails the client
handshake goes on, a blocked request gets aidlp's 403 and an allowed one mitmproxy's 502.
CONNECTs to other hosts are left to mitmproxy (passed through as before).
"""

from __future__ import annotations

from mitmproxy import http

from proxy.addons.blocked_tool_page import connection_established
from proxy.addons.fail_closed import FailsClosed
from proxy.addons.host import RuntimeHost
from proxy.catalogue import ToolStatus
from proxy.failsafe import fail_closed
from proxy.transport.names import classify


class DeferredConnect(FailsClosed):
    """``http_connect``: accept an AI tool's tunnel without connecting upstream yet."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host

    @fail_closed
    def http_connect(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            return  # refused or answered already (blocked tool, 407, start-up hold, a name)
        tool = classify(self.host.rt().catalogue, (flow.request.host,))
        if tool is not None and tool.status is not ToolStatus.BLOCKED:
            flow.response = connection_established(flow)
