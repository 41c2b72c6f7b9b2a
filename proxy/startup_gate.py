"""Start-up gate: the proxy answers from its first second, and never scans half-ready.

mitmproxy listens before any addon's ``running`` hook and makes its CA store in its own
``running`` hook, which comes after aidlp's. So: the scan workers start in the background
(aidlp's ``running`` hook no longer holds up mitmproxy's start-up), the CA
store is made while options are configured, and until the workers are ready (at start, or
while they restart after a crash) every request to an AI tool gets a fail-closed
``503 Service Unavailable`` with ``Retry-After``: nothing goes upstream unscanned, and
clients (the OpenAI and Anthropic SDKs among them) retry. Traffic to other hosts is never
decrypted and never waits. ``/readyz`` is 200 only when the workers are ready and the proxy
is not draining.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from mitmproxy import ctx, http

from proxy.responses import DECISION_HEADER, INCIDENT_HEADER

log = logging.getLogger("aidlp")

RETRY_AFTER_SECONDS = 2
#: Set when the scan workers could not start: ``aidlp run`` then exits 1.
failed = False


def ensure_certstore() -> None:
    """Make mitmproxy load (or create) its CA now, not in its late ``running`` hook."""
    tls = ctx.master.addons.get("tlsconfig")
    if tls is not None and getattr(tls, "certstore", None) is None:
        tls.configure({"confdir"})


def unavailable(incident_id: str | None, starting: bool) -> http.Response:
    """The fail-closed answer: JSON (OpenAI-style error shape), 503, ``Retry-After``."""
    what = "starting" if starting else "restarting its scanners"
    message = (
        f"aidlp (AI data protection) is {what}: nothing was sent to the AI tool. "
        f"Retry in {RETRY_AFTER_SECONDS} seconds."
    )
    payload = {
        "error": {"message": message, "type": "service_unavailable", "code": "aidlp_unavailable"}
    }
    headers = {
        "Content-Type": "application/json",
        "Retry-After": str(RETRY_AFTER_SECONDS),
        DECISION_HEADER: "block",
        "Cache-Control": "no-store",
    }
    if incident_id:
        headers[INCIDENT_HEADER] = incident_id
    return http.Response.make(503, json.dumps(payload), headers)


def refusal_recorder(host: Any) -> Callable[[http.HTTPFlow], str | None]:
    """What records a refused flow for ``host`` (a :class:`~proxy.addons.host.RuntimeHost`):
    an ``ai.scan.error`` event, reason ``unavailable``, and its metrics. Returns the
    incident id."""
    from proxy.addons.flows import subject_of, tool_of
    from proxy.events.recorder import new_incident_id
    from proxy.inspection import Outcome
    from proxy.policy import UNAVAILABLE, unavailable

    def record(flow: http.HTTPFlow) -> str | None:
        runtime, _, recording = host.live()
        outcome = Outcome(
            subject=subject_of(flow, tool_of(flow)),
            decision=unavailable(runtime.loaded.config.policy.guidance.failure_clauses),
            incident_id=new_incident_id(),
            scan_failure=UNAVAILABLE,
        )
        recording.record(outcome)
        return outcome.incident_id

    return record


class StartupGate:
    """AI-tool requests get 503 + Retry-After until the scan workers are ready.

    ``workers_ready`` says whether the scan pool serves; ``record`` is told each refused
    flow and returns its incident id: an ``ai.scan.error`` event with reason
    ``unavailable`` (no content: nothing was read) and the decision metrics
    (``aidlp_blocked_total{reason="unavailable"}``, ``aidlp_scan_errors_total{kind=...}``);
    ``tool_of`` gives a flow's AI tool (None for other hosts). Placed after the addon that
    tags AI-tool flows at ``requestheaders`` and before the one that scans at ``request``.
    """

    def __init__(
        self,
        workers_ready: Callable[[], bool],
        record: Callable[[http.HTTPFlow], str | None],
        tool_of: Callable[[http.HTTPFlow], Any],
    ) -> None:
        self.workers_ready = workers_ready
        self.record = record
        self.tool_of = tool_of
        self.ever_ready = False

    def configure(self, updated: set[str]) -> None:
        ensure_certstore()

    def ready(self) -> bool:
        ok = bool(self.workers_ready())
        self.ever_ready = self.ever_ready or ok
        return ok

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        tool = self.tool_of(flow)
        if tool is None or flow.response is not None or self.ready():
            return
        try:
            incident = self.record(flow)
        except Exception as exc:  # refused all the same: a recorder failure never lets it by
            log.error("aidlp: could not record a refusal while not ready (%s)", type(exc).__name__)
            incident = None
        flow.response = unavailable(incident, starting=not self.ever_ready)
