"""Start-up gate: the proxy answers from its first second, and never scans half-ready.

mitmproxy listens before any addon's ``running`` hook and makes its CA store in its own
``running`` hook, which comes after aidlp's. So: the scan workers start in the background
(aidlp's ``running`` hook no longer holds up mitmproxy's start-up), the CA
store is made while options are configured, and until the workers are ready (at start, or
while they restart after a crash) every request to an AI tool gets a fail-closed
``503 Service Unavailable`` with ``Retry-After``: nothing goes upstream unscanned, and
clients (the OpenAI and Anthropic SDKs among them) retry. A CONNECT to an AI tool is
refused so by :class:`StartupConnectGate` before any TLS (no handshake, no forged
certificate, no upstream connection: while the template builds the scan engine the proxy
leaves it the CPU; the CONNECT is first held a few seconds, and goes on the moment the
workers are ready); a request already in a tunnel, or sent as plain HTTP, by
:class:`StartupGate` at its headers. Blocked tools keep their own refusal (the connection
gate answers them first, ready or not). Traffic to other hosts is never decrypted and never
waits. ``/readyz`` is 200 only when the workers are ready and the proxy is not draining.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from mitmproxy import ctx, exceptions, http

from proxy.catalogue import Catalogue, Tool, ToolStatus
from proxy.responses import DECISION_HEADER, INCIDENT_HEADER
from proxy.transport.names import classify

log = logging.getLogger("aidlp")

RETRY_AFTER_SECONDS = 2
#: Set when the scan workers could not start: ``aidlp run`` then exits 1.
failed = False


def ensure_certstore() -> None:
    """Make mitmproxy load (or create) its CA now, not in its late ``running`` hook."""
    tls = ctx.master.addons.get("tlsconfig")
    if tls is not None and getattr(tls, "certstore", None) is None:
        tls.configure({"confdir"})


def unavailable(incident_id: str | None, starting: bool, close: bool = False) -> http.Response:
    """The fail-closed answer: JSON (OpenAI-style error shape), 503, ``Retry-After``
    (``close``: with ``Connection: close``, as the answer to a CONNECT)."""
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
    if close:
        headers["Connection"] = "close"
    return http.Response.make(503, json.dumps(payload), headers)


Recorder = Callable[..., str | None]


def refusal_recorder(host: Any) -> Recorder:
    """What records a refused flow for ``host`` (a :class:`~proxy.addons.host.RuntimeHost`):
    an ``ai.scan.error`` event, reason ``unavailable``, and its metrics; ``record(flow)``
    for a tagged request, ``record(flow, tool, "connect")`` for a CONNECT. Returns the
    incident id."""
    from proxy.addons.flows import subject_of, tool_of
    from proxy.events.recorder import new_incident_id
    from proxy.inspection import Outcome
    from proxy.policy import UNAVAILABLE, unavailable

    def record(
        flow: http.HTTPFlow, tool: Tool | None = None, stage: str | None = None
    ) -> str | None:
        runtime, _, recording = host.live()
        outcome = Outcome(
            subject=subject_of(flow, tool or tool_of(flow), stage=stage),
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
        record: Recorder,
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


#: How long a CONNECT to an AI tool is held, by default, while not ready (seconds): the
#: engine build takes ~6 s from launch on an idle 2-core machine and 20 s or more under load,
#: so a client that connects the moment the port listens is served, not refused. Below the
#: common client timeouts (httpx 5-30 s reads aside, the OpenAI/Anthropic SDKs wait 600 s).
HOLD_SECONDS_DEFAULT = 20
HOLD_SECONDS_MAX = 60
#: How often a held CONNECT looks whether the workers are ready yet.
HOLD_POLL_SECONDS = 0.1


class StartupConnectGate:
    """While not ready, a CONNECT to an AI tool is held (option ``aidlp_startup_hold``,
    seconds) and goes on as soon as the workers are ready; if they are not by then, it is
    answered ``503`` + ``Retry-After`` + ``Connection: close`` itself. Either way no TLS
    handshake, no certificate and no upstream connection happen while not ready.

    Refusing inside the tunnel cost the proxy a full handshake and HTTP parse per retry, and
    refusing at once let clients that retry at once spin: CPU the scan-engine template
    needed to get ready. A held CONNECT costs a timer, and its client is served the moment
    the workers are (no retry delay). Placed right after the connection gate (which answers
    blocked tools, 407s and address tunnels first: those are left as they are) and before
    the CONNECT-name scanner (which would scan on unready workers). Left alone: other hosts
    (passed through as ever), and a host the catalogue shares with non-AI services
    (``paths``: its other paths must pass; its AI requests meet :class:`StartupGate` in the
    tunnel). A drain (SIGTERM) ends the hold at once. Any error here refuses the CONNECT
    (fail closed).
    """

    def __init__(self, gate: StartupGate, catalogue: Callable[[], Catalogue]) -> None:
        self.gate = gate
        self.catalogue = catalogue
        self.hold = float(HOLD_SECONDS_DEFAULT)

    def load(self, loader: Any) -> None:
        loader.add_option(
            "aidlp_startup_hold",
            int,
            HOLD_SECONDS_DEFAULT,
            "While the scan workers are not ready, hold a CONNECT to an AI tool up to this "
            "many seconds for them (0: answer 503 + Retry-After at once).",
        )

    def configure(self, updated: set[str]) -> None:
        if "aidlp_startup_hold" in updated:
            hold = ctx.options.aidlp_startup_hold
            if not 0 <= hold <= HOLD_SECONDS_MAX:
                raise exceptions.OptionsError(
                    f"aidlp_startup_hold must be 0-{HOLD_SECONDS_MAX} seconds, not {hold}"
                )
            self.hold = float(hold)

    async def http_connect(self, flow: http.HTTPFlow) -> None:
        if flow.response is not None:
            return  # answered already: a blocked tool, a 407, an address tunnel
        tool: Tool | None = None
        try:
            if self.gate.ready():
                return
            tool = classify(self.catalogue(), (flow.request.host,))
            if tool is None or tool.paths or tool.status is ToolStatus.BLOCKED:
                return  # not an AI tool's own host (a blocked one: the gate's refusal)
            if await self._ready_within(self.hold):
                return
        except Exception as exc:  # refused: an unknown state never opens a tunnel
            log.error("aidlp: could not check a CONNECT while not ready (%s)", type(exc).__name__)
        incident = None
        if tool is not None:
            try:
                incident = self.gate.record(flow, tool, "connect")
            except Exception as exc:  # refused all the same
                log.error(
                    "aidlp: could not record a refusal while not ready (%s)", type(exc).__name__
                )
        flow.response = unavailable(incident, starting=not self.gate.ever_ready, close=True)

    async def _ready_within(self, seconds: float) -> bool:
        """Whether the workers got ready within ``seconds`` (False at once on a drain)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            await asyncio.sleep(min(HOLD_POLL_SECONDS, max(deadline - loop.time(), 0)))
            drain = ctx.master.addons.get("gracefulshutdown")
            if getattr(drain, "draining", False):
                return False
            if self.gate.ready():
                return True
        return False
