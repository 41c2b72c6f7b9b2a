"""aidlp's mitmproxy addons, small and single-purpose, composed like mitmproxy's own.

``proxy/addon.py`` puts them behind one :class:`HookChain` (each hook dispatched only to the
addons that define it); the order below is the order it calls them in.

Chain order matters (hooks run addon by addon, in order):

0. :class:`SniOnlyCertificates` — ``upstream_cert`` off (name-constrained CAs);
1. :class:`ConfigReloader` — SIGHUP handler first, then hot reloads;
   :class:`TerminalLog` — mitmproxy's text log date-stamped, off stdout while events use it;
2. :class:`MetricsEndpoint` — up before the workers, so ``/readyz`` says 503 meanwhile;
3. :class:`DocumentExtractors` — killable processes for documents (before the scan workers);
   :class:`RuntimeHost` — config, runtime, scan workers, inspector, recording;
   :class:`ApprovalExpiryWarnings` — registered approvals about to expire (event, gauge);
   :class:`HeapFreeze` — the start-up heap frozen (``gc.freeze``) once the workers are up;
4. :class:`ConnectionGate` — passthrough, tool tagging, blocked tools;
   :class:`~proxy.startup_gate.StartupConnectGate` — until the scan workers are ready, an
   AI-tool CONNECT is held, then answered 503 (before any TLS);
   :class:`ConnectNameScanner` — a wildcard-matched CONNECT name is scanned before connecting;
   :class:`DeferredConnect` — an AI tool's CONNECT is answered before connecting upstream;
5. :class:`ApprovalHeaderTaker` — ``X-AIDLP-Approval`` off every request;
   :class:`~proxy.startup_gate.StartupGate` — 503 until the scan workers are ready;
6. :class:`RequestInspector` — HTTP requests through the pipeline;
7. :class:`WebsocketInspector` — websocket messages through the pipeline;
   :class:`AnswerIdReader` — the ids an answer gives a server-side conversation (after the
   request inspector turned streaming on);
8. :class:`LoopLagMonitor` — how long the event loop was held (a metric);
9. :class:`~proxy.upstream_timeouts.UpstreamTimeouts`, :class:`~proxy.drain.GracefulShutdown`
   — upstream timeouts and the SIGTERM drain, for what the inspectors let through.
"""

from __future__ import annotations

from typing import Any

from proxy.addons.approval_expiry import ApprovalExpiryWarnings
from proxy.addons.approval_header import ApprovalHeaderTaker
from proxy.addons.cert_names import SniOnlyCertificates
from proxy.addons.chain import HookChain
from proxy.addons.connect_names import ConnectNameScanner
from proxy.addons.conversation_ids import AnswerIdReader
from proxy.addons.deferred_connect import DeferredConnect
from proxy.addons.document_extractors import DocumentExtractors
from proxy.addons.flows import tool_of
from proxy.addons.gate import ConnectionGate, RefuseBlockedSni
from proxy.addons.heap_freeze import HeapFreeze
from proxy.addons.host import RuntimeHost
from proxy.addons.loop_lag import LoopLagMonitor
from proxy.addons.metrics_endpoint import MetricsEndpoint
from proxy.addons.reloader import ConfigReloader
from proxy.addons.request_inspector import RequestInspector
from proxy.addons.terminal_log import TerminalLog
from proxy.addons.websocket_inspector import WebsocketInspector
from proxy.drain import GracefulShutdown
from proxy.startup_gate import StartupConnectGate, StartupGate, refusal_recorder
from proxy.upstream_timeouts import UpstreamTimeouts

__all__ = [
    "AnswerIdReader",
    "ApprovalExpiryWarnings",
    "ApprovalHeaderTaker",
    "ConfigReloader",
    "ConnectNameScanner",
    "ConnectionGate",
    "DeferredConnect",
    "DocumentExtractors",
    "HeapFreeze",
    "HookChain",
    "LoopLagMonitor",
    "MetricsEndpoint",
    "RefuseBlockedSni",
    "RequestInspector",
    "RuntimeHost",
    "SniOnlyCertificates",
    "TerminalLog",
    "WebsocketInspector",
    "default_addons",
]


def default_addons(host: RuntimeHost | None = None) -> list[Any]:
    """The aidlp addon chain, sharing one :class:`RuntimeHost`."""
    documents = DocumentExtractors()
    if host is None:
        host = RuntimeHost(documents=lambda: documents.pool)
    approvals = ApprovalHeaderTaker(host)
    startup = StartupGate(
        lambda: host.pool is not None and host.pool.ready, refusal_recorder(host), tool_of
    )
    return [
        SniOnlyCertificates(),
        ConfigReloader(host),
        TerminalLog(host),
        MetricsEndpoint(host),
        documents,
        host,
        ApprovalExpiryWarnings(host),
        HeapFreeze(host),  # told after the reloader: the start-up heap out of gc's sight
        ConnectionGate(host),
        StartupConnectGate(startup, lambda: host.rt().catalogue),  # before TLS, while not ready
        ConnectNameScanner(host),  # after the gate: wildcard-matched CONNECT names scanned
        DeferredConnect(host),  # last CONNECT hook: an AI tool's tunnel opens unconnected
        approvals,
        # after the gate's requestheaders (tool tagged), before the request inspector's
        startup,
        RequestInspector(host, approvals),
        WebsocketInspector(host, approvals),
        AnswerIdReader(host),
        LoopLagMonitor(host),
        UpstreamTimeouts(),  # after the inspectors: they time allowed requests
        GracefulShutdown(),
    ]
