"""Request inspector: each AI-tool HTTP request goes through the pipeline before upstream.

At the request headers: the body is never streamed upstream unscanned, and a declared
Content-Length over the limit fails closed at once. At the full request: the pipeline
decides; a block is answered with :func:`proxy.responses.render`, every decision recorded.
Responses are not inspected: they stream, so chat output is not held back.
"""

from __future__ import annotations

from mitmproxy import http

from proxy.addons.approval_header import ApprovalHeaderTaker
from proxy.addons.flows import http_request_of, response_of, subject_of, tool_of
from proxy.addons.host import RuntimeHost
from proxy.inspection import Outcome, Subject
from proxy.responses import DECISION_HEADER, Reply, render


class RequestInspector:
    """Hands AI-tool requests to the :class:`~proxy.inspection.Inspector` and acts on it."""

    def __init__(self, host: RuntimeHost, approvals: ApprovalHeaderTaker) -> None:
        self.host = host
        self.approvals = approvals

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        tool = tool_of(flow)
        if tool is None or flow.response is not None:
            return
        # Never stream an AI-tool request upstream unscanned (overrides stream_large_bodies).
        flow.request.stream = False
        _, inspector, _ = self.host.live()
        subject = subject_of(flow, tool)
        outcome = inspector.check_declared_length(
            subject, flow.request.headers.get("content-length", "")
        )
        if outcome is not None:
            self.act(flow, outcome)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            flow.response.stream = True

    async def request(self, flow: http.HTTPFlow) -> None:
        tool = tool_of(flow)
        if tool is None or flow.response is not None:
            return
        _, inspector, _ = self.host.live()
        try:
            request = http_request_of(flow)
            if not request.carries_content:
                self.approvals.release(flow)
                return
            subject = subject_of(flow, tool, self.approvals.token(flow))
            self.approvals.release(flow)
            outcome = await inspector.inspect(request, subject)
        except Exception as exc:  # fail closed: never forwarded uninspected
            outcome = inspector.internal_error(Subject(tool, host=flow.request.pretty_host), exc)
        self.act(flow, outcome)

    def act(self, flow: http.HTTPFlow, outcome: Outcome) -> None:
        runtime, _, recording = self.host.live()
        if outcome.blocked:
            try:
                reply = render(outcome, runtime.loaded.config.policy.contacts)
            except Exception:  # a renderer bug must still block
                reply = Reply(403, {DECISION_HEADER: "block"}, b"Blocked by aidlp")
            flow.response = response_of(reply)
        recording.record(outcome)
