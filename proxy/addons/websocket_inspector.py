"""Websocket inspector: each client→server message to an AI tool goes through the pipeline.

A blocked message is dropped and the socket closed with 1008 (policy violation) on both
sides, the reason naming the incident; later messages on a closing socket are dropped.
The handshake's approval token covers the socket's messages. Control frames (pings, pongs,
close reasons) never carry the client's bytes upstream (:mod:`proxy.transport.ws_controls`).
"""

from __future__ import annotations

from mitmproxy import http

from proxy.addons.approval_header import ApprovalHeaderTaker
from proxy.addons.fail_closed import WS_BLOCKED_KEY, FailsClosed
from proxy.addons.flows import subject_of, tool_of
from proxy.addons.host import RuntimeHost
from proxy.addons.loop_lag import HeldSteps
from proxy.addons.mitmproxy_ws_close_patch import close_websocket
from proxy.addons.mitmproxy_ws_close_patch import install as install_websocket_close
from proxy.failsafe import fail_closed
from proxy.inspection import WebsocketMessage
from proxy.responses import websocket_close
from proxy.transport import ws_controls


class WebsocketInspector(FailsClosed):
    """Hands websocket messages to the :class:`~proxy.inspection.Inspector`; closes on block."""

    def __init__(self, host: RuntimeHost, approvals: ApprovalHeaderTaker) -> None:
        self.host = host
        self.approvals = approvals

    async def running(self) -> None:
        install_websocket_close()
        # pings, pongs and close reasons carry nothing of the client's to an AI tool
        ws_controls.install(lambda flow: tool_of(flow) is not None)

    @fail_closed
    async def websocket_message(self, flow: http.HTTPFlow) -> None:
        await HeldSteps(self._websocket_message(flow), self.host.metrics.observe_loop_hold)

    async def _websocket_message(self, flow: http.HTTPFlow) -> None:
        tool = tool_of(flow)
        if tool is None or flow.websocket is None or not flow.websocket.messages:
            return
        message = flow.websocket.messages[-1]
        if not message.from_client or message.dropped:
            return
        if flow.metadata.get(WS_BLOCKED_KEY):
            message.drop()  # the socket is closing: nothing more goes upstream
            return
        _, inspector, recording = self.host.live()
        subject = subject_of(flow, tool, self.approvals.token(flow))
        sent = WebsocketMessage(
            flow.request.pretty_host,
            flow.request.path,
            message.content,
            message.is_text,
            socket=flow.id,
        )
        outcome = await inspector.inspect_message(sent, subject)
        if outcome is None:
            return  # handshakes, pings: nothing to decide
        if outcome.blocked:
            message.drop()
            flow.metadata[WS_BLOCKED_KEY] = True
            close_websocket(flow, *websocket_close(outcome))
        recording.record(outcome)
