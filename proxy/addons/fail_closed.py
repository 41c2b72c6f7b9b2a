"""Failing closed in the addons: what :func:`proxy.failsafe.fail_closed` calls on a bug.

An unexpected exception escaping an aidlp hook blocks the flow it was handling (reason
``internal_error``, event ``ai.scan.error``, ``aidlp_scan_errors_total{kind="internal_error"}``):
an HTTP request gets the block response (or a literal one if rendering fails too), a
websocket message is dropped and its socket closed with 1008, a ClientHello is intercepted
rather than passed through.
"""

from __future__ import annotations

import logging
from typing import Any

from mitmproxy import http, tls

from proxy.addons.flows import response_of, subject_of, tool_of
from proxy.addons.host import RuntimeHost
from proxy.addons.mitmproxy_ws_close_patch import close_websocket
from proxy.catalogue import Tool
from proxy.failsafe import last_resort, minimal_block
from proxy.policy import INTERNAL_ERROR
from proxy.responses import WEBSOCKET_POLICY_VIOLATION, render, websocket_close_reason

log = logging.getLogger("aidlp")

#: ``flow.metadata`` key: the socket is closing after a block, drop what follows.
WS_BLOCKED_KEY = "aidlp.ws_blocked"
#: The tool recorded for a flow that failed before it was classified.
UNCLASSIFIED = Tool(id="unclassified", name="Unclassified", hosts=["unclassified.invalid"])


class FailsClosed:
    """Mixin for addons whose hooks are wrapped with :func:`proxy.failsafe.fail_closed`."""

    host: RuntimeHost

    def internal_error(self, target: Any, hook: str, exc: Exception) -> None:
        if isinstance(target, tls.ClientHelloData):
            self.host.metrics.scan_errors.labels(kind=INTERNAL_ERROR).inc()
            target.ignore_connection = False  # intercept: every request is then classified
            return
        if not isinstance(target, http.HTTPFlow):
            self.host.metrics.scan_errors.labels(kind=INTERNAL_ERROR).inc()
            return
        flow = target
        runtime, inspector, recording = self.host.live()
        tool = tool_of(flow) or UNCLASSIFIED
        outcome = inspector.internal_error(subject_of(flow, tool), exc)
        incident = outcome.incident_id or ""
        if flow.websocket is not None and hook == "websocket_message":
            if flow.websocket.messages:
                flow.websocket.messages[-1].drop()
            flow.metadata[WS_BLOCKED_KEY] = True
            try:
                reason = websocket_close_reason(outcome.decision, incident)
            except Exception:
                reason = f"Blocked by aidlp (internal error). Incident {incident}"[:123]
            try:
                close_websocket(flow, WEBSOCKET_POLICY_VIOLATION, reason)
            except Exception:
                last_resort(flow)
        else:
            try:
                flow.response = response_of(render(outcome, runtime.loaded.config.policy.guidance))
            except Exception:
                flow.response = minimal_block(incident)
        try:
            recording.record(outcome)
        except Exception as second:
            log.error("aidlp: could not record an internal error (%s)", type(second).__name__)
