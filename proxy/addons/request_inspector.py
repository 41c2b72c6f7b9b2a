"""Request inspector: each AI-tool HTTP request goes through the pipeline before upstream.

At the request headers: the body is never streamed upstream unscanned, and a declared
Content-Length over the limit fails closed at once. At the full request: the pipeline
decides; a block is answered with :func:`proxy.responses.render`, every decision recorded.
Responses are not inspected: they stream, so chat output is not held back; only a switch to
a protocol other than a websocket is refused (:mod:`proxy.transport.upgrades`).
"""

from __future__ import annotations

from mitmproxy import ctx, http

from proxy.addons.approval_header import ApprovalHeaderTaker
from proxy.addons.conversation_ids import expect_answer_ids
from proxy.addons.fail_closed import FailsClosed
from proxy.addons.flows import http_request_of, response_of, subject_of, tool_of
from proxy.addons.host import RuntimeHost
from proxy.addons.loop_lag import HeldSteps
from proxy.failsafe import fail_closed
from proxy.inspection import Outcome
from proxy.responses import render
from proxy.transport.upgrades import (
    is_raw_upgrade,
    replace_websocket_key,
    restore_websocket_accept,
    strip_upgrade,
)

#: flow.metadata key: (client's websocket nonce, the proxy's) of a handshake to an AI tool.
WS_KEYS = "aidlp.websocket_keys"


class RequestInspector(FailsClosed):
    """Hands AI-tool requests to the :class:`~proxy.inspection.Inspector` and acts on it."""

    def __init__(self, host: RuntimeHost, approvals: ApprovalHeaderTaker) -> None:
        self.host = host
        self.approvals = approvals

    @fail_closed
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        tool = tool_of(flow)
        if tool is None or flow.response is not None:
            return
        # Never stream an AI-tool request upstream unscanned (overrides stream_large_bodies).
        flow.request.stream = False
        strip_upgrade(flow.request.headers)  # a websocket, or no protocol switch at all
        # The proxy's own credentials (mitmproxy's proxyauth has read them) never leave.
        flow.request.headers.pop("proxy-authorization", None)
        _, inspector, _ = self.host.live()
        subject = subject_of(flow, tool)
        # the websocket nonce: exactly one valid one, and the AI tool gets the proxy's own
        keys = replace_websocket_key(flow.request.headers)
        if keys is None:
            self.act(flow, inspector.refuse_protocol(subject))
            return
        if keys[0]:
            flow.metadata[WS_KEYS] = keys
        outcome = inspector.check_declared_length(
            subject, flow.request.headers.get("content-length", "")
        )
        if outcome is not None:
            self.act(flow, outcome)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None and flow.response.status_code != 101:
            flow.response.stream = True

    @fail_closed
    def response(self, flow: http.HTTPFlow) -> None:
        """A 101 that is not a websocket would become a raw relay to the AI tool: refused.
        (The response hook runs before mitmproxy sends a bodyless 101 and picks the layer
        that follows it from ``flow.response``.)"""
        response, tool = flow.response, tool_of(flow)
        if response is None or tool is None:
            return
        if flow.websocket is not None:
            keys = flow.metadata.get(WS_KEYS)
            if keys and response.status_code == 101:
                restore_websocket_accept(response.headers, *keys)
            return
        if is_raw_upgrade(
            response.status_code, response.headers, flow.request.headers, ctx.options.websocket
        ):
            _, inspector, _ = self.host.live()
            self.act(flow, inspector.refuse_protocol(subject_of(flow, tool)))
            if flow.response is not None:
                flow.response.headers["connection"] = "close"  # the upstream switched protocol

    @fail_closed
    async def request(self, flow: http.HTTPFlow) -> None:
        await HeldSteps(self._request(flow), self.host.metrics.observe_loop_hold)

    async def _request(self, flow: http.HTTPFlow) -> None:
        tool = tool_of(flow)
        if tool is None or flow.response is not None:
            return
        request = http_request_of(flow)
        token = self.approvals.token(flow)
        self.approvals.release(flow)
        _, inspector, _ = self.host.live()
        outcome = await inspector.inspect(request, subject_of(flow, tool, token))
        if outcome is not None:  # None: a clean bodyless request, not worth an event
            self.act(flow, outcome)
            if outcome.thread is not None and outcome.thread.answer_fields:
                expect_answer_ids(flow, outcome.thread)

    def act(self, flow: http.HTTPFlow, outcome: Outcome) -> None:
        """Answer a block in the outcome's shape; record every outcome."""
        runtime, _, recording = self.host.live()
        if outcome.blocked:
            flow.response = response_of(render(outcome, runtime.loaded.config.policy.guidance))
        recording.record(outcome)
