"""CONNECT-name scanner: an AI-tool host name that only a wildcard matches is scanned before
the tunnel opens.

``*.openai.com`` makes ``jg103729a.openai.com`` OpenAI: the labels of such a name leave in
the DNS query and the SNI as soon as the proxy connects (the eager strategy connects at the
CONNECT), before any request in the tunnel is scanned. So the name is scanned first, like
text, and a CONNECT whose name holds findings is refused with the usual block (event,
incident). A wildcard-matched name whose label names a blocked model
(``someone-deepseek-r1-chat.hf.space``) is refused at once, before anything connects to it.
A name under a domain the catalogue does not list whose label is a blocked model's name
(``deepseek-r1.lepton.run``) is refused the same way (red team RT-123). Exact catalogue
hosts, and names whose labels below the domain hold no digit
(``api.openai.com``: identifiers and keys carry digits, a bare name is no block) cost
nothing. Runs after the
:class:`~proxy.addons.gate.ConnectionGate`, which records the CONNECT and refuses blocked
tools.
"""

from __future__ import annotations

from mitmproxy import http

from proxy.addons.fail_closed import FailsClosed
from proxy.addons.flows import response_of, subject_of
from proxy.addons.host import RuntimeHost
from proxy.catalogue import ToolStatus
from proxy.failsafe import fail_closed
from proxy.responses import render
from proxy.transport.names import classify, is_ip_literal
from proxy.transport.routing import BLOCKED


class ConnectNameScanner(FailsClosed):
    """``http_connect``: scans wildcard-matched AI-tool names, refuses those with findings."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host

    @fail_closed
    async def http_connect(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            return  # refused or answered already (blocked tool, 407, address tunnel)
        name = flow.request.host
        catalogue = self.host.rt().catalogue
        tool = classify(catalogue, (name,))
        if tool is None:
            self._refuse_unlisted_model_name(flow, name)
            return
        if tool.status is ToolStatus.BLOCKED or catalogue.listed_exactly(name):
            return
        runtime, inspector, recording = self.host.live()
        if inspector.host_names_blocked_model([name]) == BLOCKED:
            # a DeepSeek model by its host name (an HF Space, an Azure serverless endpoint):
            # refused before anything connects to it, as a blocked tool's CONNECT is
            outcome = inspector.refuse_tool(subject_of(flow, tool), "blocked_model")
            flow.response = response_of(render(outcome, runtime.loaded.config.policy.guidance))
            recording.record(outcome)
            return
        if not any(c.isdigit() for c in "".join(name.split(".")[:-2])):
            return  # api., chat., platform.: words; identifiers and keys carry digits
        outcome = await inspector.inspect_text(
            name.replace(".", " . "), subject_of(flow, tool), "host"
        )
        if outcome.blocked:
            flow.response = response_of(render(outcome, runtime.loaded.config.policy.guidance))
            recording.record(outcome)

    def _refuse_unlisted_model_name(self, flow: http.HTTPFlow, name: str) -> None:
        """A name under a domain the catalogue does not list whose label is a blocked model's
        name (``deepseek-r1.lepton.run``, red team RT-123): refused before anything connects
        to it, as the blocked tool itself would be."""
        runtime, inspector, recording = self.host.live()
        if is_ip_literal(name) or inspector.routing.unlisted_host_verdict(name) != BLOCKED:
            return
        blocked = next(
            (t for t in runtime.catalogue.tools.values() if t.status is ToolStatus.BLOCKED), None
        )
        if blocked is None:
            return
        outcome = inspector.refuse_tool(subject_of(flow, blocked), "blocked_model")
        flow.response = response_of(render(outcome, runtime.loaded.config.policy.guidance))
        recording.record(outcome)
