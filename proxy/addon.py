"""The aidlp mitmproxy addon.

Load it with ``aidlp run`` or the mitmproxy way: ``mitmdump -s proxy/addon.py``.

Per request: catalogue → extract → scan (worker pool) → decide → act → record.
Traffic to hosts that are not AI tools is never decrypted (TLS passthrough at ClientHello)
and never altered. Blocked tools (DeepSeek) are refused at CONNECT and at ClientHello.
"""

from __future__ import annotations

import os
import sys

# mitmproxy puts a script's own directory (proxy/) at the front of sys.path and leaves it
# there; worker processes inherit it. Our module names would then shadow real packages
# (proxy/catalogue.py vs the `catalogue` package spaCy needs). Import us as `proxy.*` only.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import asyncio
import logging
import threading
import weakref
from typing import Any, Optional

from mitmproxy import ctx, exceptions, http, tls

from proxy import startup_gate
from proxy.approvals import ApprovalCheck
from proxy.catalogue import Tool, ToolStatus, UnnamedDestinations
from proxy.config import ConfigError, LoadedConfig, load_config
from proxy.drain import GracefulShutdown
from proxy.events import EventConfigError, logscrub, new_incident_id
from proxy.extract import (
    Extraction,
    ExtractionError,
    Segment,
    extract_view,
    extract_websocket_message,
    view_of,
)
from proxy.extract.settings import UninspectableAction
from proxy.extractpool import ExtractionPool, extract_message, extract_request_state, is_heavy
from proxy.failsafe import INTERNAL_ERROR, fail_closed, last_resort, minimal_block
from proxy.metrics import Metrics, MetricsServer
from proxy.policy import Decision, blocked_tool, decide, failure
from proxy.register.evidence import keep_evidence
from proxy.register.subjects import subject_fields
from proxy.reload import Reloader
from proxy.responses import block_response, websocket_close_reason
from proxy.runtime import Runtime, pool_settings
from proxy.scanning import ScanFailure, ScanPool
from proxy.startup_gate import StartupGate
from proxy.transport.gate import TransportGate
from proxy.transport.metadata import body_text, metadata_segments, without_exempt_findings
from proxy.transport.names import ConnectHosts, classify, flow_names, is_ip_literal
from proxy.transport.routing import BLOCKED, RoutingCheck
from proxy.upstream_timeouts import UpstreamTimeouts
from proxy.wsclose import POLICY_VIOLATION, close_websocket
from proxy.wsclose import install as install_websocket_close

log = logging.getLogger("aidlp")

APPROVAL_HEADER = "X-AIDLP-Approval"
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
TOOL_KEY = "aidlp.tool"
WS_BLOCKED_KEY = "aidlp.ws_blocked"
HMAC_INLINE_CHARS = 256 * 1024  # larger texts are HMAC'd off the event loop


def _proxy_auth_on() -> bool:
    """Is mitmproxy's proxy authentication on? (False outside a running mitmproxy.)"""
    options = getattr(ctx, "options", None)
    return bool(getattr(options, "proxyauth", None))


#: Stands in for "no tool" in events and metrics about destinations that name no host.
UNNAMED_TOOL = Tool(id="unnamed", name="Unnamed destination", hosts=["unnamed.invalid"])


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


class AidlpAddon:
    """Intercepts AI-tool traffic only, scans prompts, enforces the AI Security Policy."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self._starting: asyncio.Future[None] | None = None  # the scan workers, starting
        self.pool: ScanPool | None = None
        self.metrics = Metrics()
        self.metrics_server: MetricsServer | None = None
        self.sni_refuser = RefuseBlockedSni()
        self.connect_hosts = ConnectHosts()
        self.extract_pool = ExtractionPool()  # documents: killable at their deadline
        # next_layer: never relay an AI-tool (or unnamed) connection as raw TCP
        self.gate = TransportGate(
            lambda: self.runtime.catalogue if self.runtime else None, self.connect_hosts
        )
        # SIGHUP / watched-file reloads swap runtime and pool via activate() (proxy/reload.py).
        self.reloader = Reloader(self, lambda: ctx.options.aidlp_config or None)
        # Approval tokens taken off requests at requestheaders, until the request hook (and,
        # for a websocket handshake, for the life of the socket's flow).
        self._approval_tokens: weakref.WeakKeyDictionary[http.HTTPFlow, str] = (
            weakref.WeakKeyDictionary()
        )

    # ---- lifecycle ----------------------------------------------------------------------

    def load(self, loader: Any) -> None:
        logscrub.install()  # mitmproxy logs some raw request bytes: scrub every log line
        loader.add_option(
            "aidlp_config",
            str,
            "",
            "aidlp config YAML merged over the embedded default (empty: default).",
        )
        loader.add_option(
            "aidlp_metrics_port",
            Optional[int],  # noqa: UP045 - mitmproxy's option typing wants Optional
            None,
            "Metrics port; overrides the config's metrics.port.",
        )
        loader.add_option(
            "aidlp_extraction_workers",
            int,
            2,
            "Processes extracting documents (PDF, Office, archives), killed at their deadline.",
        )
        loader.add_option(
            "aidlp_extraction_per_client",
            int,
            1,
            "Document extractions one client may run at once (the rest wait, then fail closed).",
        )

    def configure(self, updated: set[str]) -> None:
        if updated & {"aidlp_extraction_workers", "aidlp_extraction_per_client"}:
            workers, per_client = (
                ctx.options.aidlp_extraction_workers,
                ctx.options.aidlp_extraction_per_client,
            )
            if workers < 1 or per_client < 1:
                raise exceptions.OptionsError(
                    "aidlp: aidlp_extraction_workers and aidlp_extraction_per_client must be >= 1"
                )
            previous = self.extract_pool
            self.extract_pool = ExtractionPool(workers, per_client)
            previous.shutdown()
        if "stream_large_bodies" in updated and ctx.options.stream_large_bodies:
            # A streamed request body reaches the AI tool before the `request` hook can scan
            # it (mitmproxy streams chunked bodies past the limit even when requestheaders
            # set stream=False), so the option cannot be honoured safely.
            raise exceptions.OptionsError(
                "aidlp: stream_large_bodies would forward AI-tool request bodies unscanned; "
                "leave it unset (oversize bodies are blocked by limits.max_body_bytes)"
            )
        if self.runtime is not None and "proxyauth" in updated:
            self.runtime.approvals.proxy_auth = _proxy_auth_on()
        if self.runtime is not None and "aidlp_config" not in updated:
            return
        try:
            loaded = load_config(ctx.options.aidlp_config or None)
            if self.reloader.running:  # option changed while serving: swap the graceful way
                self.reloader.request("option")
                return
            runtime = self.build_runtime(loaded)
        except (ConfigError, EventConfigError) as exc:
            raise exceptions.OptionsError(f"aidlp: {exc}") from None
        self.activate(runtime, self.new_pool(loaded) if self.pool is None else None)

    # ---- reload (proxy/reload.py calls these three) --------------------------------------------

    def build_runtime(self, loaded: LoadedConfig) -> Runtime:
        """Raises :class:`EventConfigError` for an unusable events section."""
        return Runtime.build(loaded, self.metrics)

    def new_pool(self, loaded: LoadedConfig) -> ScanPool:
        return ScanPool(loaded.config.detectors, pool_settings(loaded))

    def activate(self, runtime: Runtime, pool: ScanPool | None = None) -> None:
        """Swap in ``runtime`` (and ``pool``) in one synchronous step, then tidy up."""
        previous, self.runtime = self.runtime, runtime
        runtime.approvals.proxy_auth = _proxy_auth_on()
        if runtime.approvals.unbound:
            log.warning(
                "aidlp: approval tokens are trusted with no user binding: anyone holding a "
                "token can use it. Turn on proxy authentication (--set proxyauth=...) and keep "
                "policy.approvals.require_user on (its default with proxy authentication)"
            )
        if pool is not None:
            self.pool = pool
            self.metrics.watch_pool(pool)
        if previous is not None and previous.recorder is not runtime.recorder:
            # drain the old sinks without holding up the event loop
            threading.Thread(target=previous.recorder.close, daemon=True).start()
        self.metrics.prime_tools(
            t.id for t in runtime.catalogue.tools.values() if t.status is ToolStatus.BLOCKED
        )
        self.metrics.prime_sinks(sink.name for sink in runtime.recorder.sinks)
        if self.metrics_server is not None and self._metrics_address() != (
            self.metrics_server.host,
            self.metrics_server.port,
        ):
            self._stop_metrics_server()
            self._start_metrics_server()

    async def running(self) -> None:
        self.reloader.start()  # SIGHUP handler first: mitmproxy would die on SIGHUP
        install_websocket_close()
        if self.sni_refuser not in ctx.master.addons.chain:
            ctx.master.addons.add(self.sni_refuser)
        if self.gate not in ctx.master.addons.chain:
            ctx.master.addons.add(self.gate)  # after mitmproxy's NextLayer: it overrides it
        logscrub.install()  # handlers added since load()
        if self.metrics_server is None:
            self._start_metrics_server()  # /readyz says 503 until the workers are up
        if self.pool is not None and not self.pool.ready:
            # In the background: mitmproxy makes its CA store and finishes starting only
            # after this hook; until the workers are up, StartupGate answers 503.
            self._starting = asyncio.ensure_future(self._start_workers(self.pool))
        else:
            self.reloader.ready()

    async def _start_workers(self, pool: ScanPool) -> None:
        try:
            await self.extract_pool.start()
            await pool.start()
        except Exception as exc:  # e.g. every worker died loading its engine
            log.error("aidlp: the scan workers did not start (%s): stopping", type(exc).__name__)
            startup_gate.failed = True
            ctx.master.shutdown()
            return
        log.info("aidlp: %d scan workers ready", pool.settings.processes)
        self.reloader.ready()

    def done(self) -> None:
        self.reloader.stop()
        self._stop_metrics_server()
        if self.sni_refuser in ctx.master.addons.chain:
            ctx.master.addons.remove(self.sni_refuser)
        if self.gate in ctx.master.addons.chain:
            ctx.master.addons.remove(self.gate)
        if self._starting is not None:
            self._starting.cancel()
        if self.pool is not None:
            self.pool.shutdown()
        self.extract_pool.shutdown()
        if self.runtime is not None:
            self.runtime.recorder.close()

    def _metrics_address(self) -> tuple[str, int]:
        settings = self._rt().loaded.config.metrics
        port = ctx.options.aidlp_metrics_port
        return settings.host, settings.port if port is None else port

    def _ready(self) -> bool:
        """/readyz: the scan workers are up and the proxy is not draining (it has listened
        since before this server started: mitmproxy binds before any ``running`` hook)."""
        drain = ctx.master.addons.get("gracefulshutdown")
        return self.pool is not None and self.pool.ready and not getattr(drain, "draining", False)

    def _start_metrics_server(self) -> None:
        host, port = self._metrics_address()
        try:
            self.metrics_server = MetricsServer(
                self.metrics.registry, self._ready, host, port
            ).start()
        except OSError as exc:
            log.error("aidlp: cannot serve metrics on %s:%d: %s", host, port, exc.strerror or exc)
            return
        log.info("aidlp: metrics on http://%s:%d/metrics", host, self.metrics_server.port)

    def _stop_metrics_server(self) -> None:
        if self.metrics_server is not None:
            self.metrics_server.stop()
            self.metrics_server = None

    # ---- connection level: passthrough and refusal ----------------------------------------

    def _rt(self) -> Runtime:
        assert self.runtime is not None, "aidlp addon used before configure()"
        return self.runtime

    def _classify(self, *hosts: str | None) -> Tool | None:
        """The tool for any of ``hosts``; a blocked match wins (defeats domain fronting)."""
        return classify(self._rt().catalogue, hosts)

    def client_disconnected(self, client: Any) -> None:
        self.connect_hosts.forget(client.id)

    @fail_closed
    def tls_clienthello(self, data: tls.ClientHelloData) -> None:
        server = data.context.server.address
        connect_host = self.connect_hosts.get(data.context.client.id)
        sni = data.client_hello.sni
        address = server[0] if server else None
        tool = self._classify(sni, connect_host, address)
        if tool is None:
            host = connect_host or address
            # An explicit CONNECT to an IP literal is unnamed whatever the SNI claims (browsers
            # CONNECT by name; the SNI cannot vouch for an arbitrary address). In transparent
            # modes (no CONNECT) the SNI names the destination.
            named = (sni and not is_ip_literal(connect_host)) or (
                host is not None and not is_ip_literal(host)
            )
            if named:
                data.ignore_connection = True  # names a non-AI host: never decrypted
                return
            # No trustworthy name (IP literal, no SNI): never passed through unseen.
            settings = self._rt().loaded.config.catalogue
            if settings.unnamed_destinations is UnnamedDestinations.INTERCEPT:
                return  # decrypted; each request is classified by its Host / :authority
            data.establish_server_tls_first = False
            self.sni_refuser.refused.add(data.context.client.id)
            self._record_tool_blocked(
                UNNAMED_TOOL,
                host or "",
                client=data.context.client.peername,
                stage="sni",
                reason="unnamed_destination",
                clauses=["PS2"],
            )
            return
        if tool.status is ToolStatus.BLOCKED:
            data.establish_server_tls_first = False
            self.sni_refuser.refused.add(data.context.client.id)
            self._record_tool_blocked(
                tool,
                data.client_hello.sni or connect_host or "",
                client=data.context.client.peername,
                stage="sni",
            )

    @fail_closed
    def http_connect(self, flow: http.HTTPFlow) -> None:
        self.connect_hosts.record(flow.client_conn.id, flow.request.host)
        tool = self._classify(flow.request.host)
        if tool is not None and tool.status is ToolStatus.BLOCKED:
            self._refuse_tool(flow, tool, "blocked_tool")

    # ---- request level -----------------------------------------------------------------------

    @fail_closed
    def requestheaders(self, flow: http.HTTPFlow) -> None:
        request = flow.request
        # The approval header is aidlp's own credential: never forwarded to any host.
        token = request.headers.pop(APPROVAL_HEADER, None)
        tool = classify(self._rt().catalogue, flow_names(flow, self.connect_hosts))
        if tool is None:
            return
        if token is not None:
            self._approval_tokens[flow] = token
        flow.metadata[TOOL_KEY] = tool
        if tool.status is ToolStatus.BLOCKED:
            self._refuse_tool(flow, tool, "blocked_tool")
            return
        # Never stream an AI-tool request upstream unscanned (overrides stream_large_bodies).
        request.stream = False
        declared = request.headers.get("content-length", "")
        limit = self._rt().loaded.config.limits.max_body_bytes
        if declared.isdigit() and int(declared) > limit:
            self._act(flow, tool, failure("too_large", self._rt().loaded.config.policy), None, None)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        """Responses are not inspected: stream them so chat output is not held back."""
        if flow.response is not None:
            flow.response.stream = True

    @fail_closed
    async def request(self, flow: http.HTTPFlow) -> None:
        tool: Tool | None = flow.metadata.get(TOOL_KEY)
        if tool is None or flow.response is not None:
            return
        token = self._approval_tokens.pop(flow, None)
        token = flow.request.headers.pop(APPROVAL_HEADER, None) or token  # never forwarded
        trailers = flow.request.trailers
        if trailers is not None:  # HTTP/2 (or chunked) trailers: aidlp's credential never leaves
            token = trailers.pop(APPROVAL_HEADER, None) or token
        if token is not None and flow.request.headers.get("upgrade", "").lower() == "websocket":
            self._approval_tokens[flow] = token  # covers the socket's messages (any URL)
        rt = self._rt()
        config = rt.loaded.config
        if self._routing().url_verdict(flow.request.path) == BLOCKED:
            self._refuse_tool(flow, tool, "blocked_model")  # Azure / HF / Bedrock model paths
            return
        try:
            metadata = self._metadata(flow, tool)
        except ExtractionError as exc:
            self._act(flow, tool, failure(exc.reason, config.policy), None, None)
            return
        metadata_only = (
            flow.request.method.upper() in BODYLESS_METHODS
            and not flow.request.raw_content
            and "?" not in flow.request.path  # prompts also travel in query strings (?q=...)
        )
        if metadata_only and not metadata:
            return
        if len(flow.request.raw_content or b"") > config.limits.max_body_bytes:
            self._act(flow, tool, failure("too_large", config.policy), None, None)
            return
        request = flow.request
        routing = self._routing()
        limit = config.limits.max_body_bytes

        def run() -> tuple[Extraction, str | None]:
            view = view_of(request, limit)
            return extract_view(view, config.extraction, limit), routing.body_verdict(view.body)

        heavy = is_heavy(
            request.headers.get("content-type", ""),
            request.headers.get("content-encoding", ""),
            request.raw_content or b"",
        )
        try:
            if heavy:  # may hold documents: a worker process, killed at the deadline
                extraction, verdict = await self.extract_pool.run(
                    self._client_key(flow),
                    config.extraction.timeout_seconds,
                    extract_request_state,
                    request.get_state(),
                    config.extraction,
                    limit,
                    routing.markers,
                    tuple(routing.fields),
                )
            else:
                extraction, verdict = await self._extract(run)
        except ExtractionError as exc:
            self._act(flow, tool, failure(exc.reason, config.policy), None, None)
            return
        if verdict == BLOCKED or self._blocked_model(extraction):
            self._refuse_tool(flow, tool, "blocked_model")
            return
        if verdict is not None:  # a routing key given twice: which one the server uses is unknown
            self._act(flow, tool, failure(verdict, config.policy), None, None)
            return
        extraction.segments.extend(metadata)
        # A bodyless request carries no prompt: its path, headers and cookies are scanned, but
        # a clean one is not a decision worth an event (page loads, polling).
        await self._scan_and_act(flow, tool, extraction, token, record_clean=not metadata_only)

    def _metadata(self, flow: http.HTTPFlow, tool: Tool) -> list[Segment]:
        """Headers, cookies, URL path and trailers of an AI-tool request, as segments."""
        request = flow.request

        def pairs(headers: http.Headers | None) -> list[tuple[str, str]]:
            if headers is None:
                return []
            return [(k.decode("latin-1"), v.decode("utf-8", "replace")) for k, v in headers.fields]

        return metadata_segments(
            request.path,
            pairs(request.headers),
            pairs(request.trailers),
            credential_headers=tool.credential_headers,
            settings=self._rt().loaded.config.catalogue.request_metadata,
        )

    def _approver(self, flow: http.HTTPFlow, tool: Tool, token: str | None) -> Any:
        """The approval check for ``flow``: the header token, then the user's registered ones."""
        approvals = self._rt().approvals
        auth = flow.metadata.get("proxyauth")
        user = str(auth[0]) if auth else None

        def approve(categories: list[str]) -> ApprovalCheck | None:
            return approvals.check(token, user=user, tool=tool.id, categories=categories)

        return approve

    async def _scan_and_act(
        self,
        flow: http.HTTPFlow,
        tool: Tool,
        extraction: Extraction,
        token: str | None = None,
        record_clean: bool = True,
    ) -> None:
        decision, result, chars, digest = await self._evaluate(
            extraction, tool, self._approver(flow, tool, token)
        )
        clean = decision.action == "allow" and decision.approval is None
        if clean and not record_clean and not (result is not None and result.findings):
            return
        self._act(flow, tool, decision, result, extraction, chars, digest)

    # ---- extraction and scanning (shared by HTTP requests and websocket messages) ------------

    async def _extract(self, run: Any) -> Extraction:
        """Run an extraction off the event loop, time-boxed. Any failure fails closed."""
        timeout = self._rt().loaded.config.extraction.timeout_seconds
        try:
            return await asyncio.wait_for(asyncio.to_thread(run), timeout + 1.0)
        except TimeoutError as exc:
            raise ExtractionError("too_large", "extraction time budget exceeded") from exc
        except ExtractionError:
            raise
        except Exception as exc:  # an adapter bug must never let a body through unscanned
            log.warning("aidlp: extraction failed: %s", type(exc).__name__)
            raise ExtractionError("unparseable", type(exc).__name__) from exc

    @staticmethod
    def _client_key(flow: http.HTTPFlow) -> str:
        """Who a heavy extraction counts against: the proxy user, else the client address."""
        auth = flow.metadata.get("proxyauth")
        peer = flow.client_conn.peername
        return f"user:{auth[0]}" if auth else f"ip:{peer[0] if peer else '?'}"

    def _routing(self) -> RoutingCheck:
        """The blocked-model check of the current config (rebuilt after a reload)."""
        settings = self._rt().loaded.config.catalogue
        cached = getattr(self, "_routing_cache", None)
        if cached is None or cached[0] is not settings:
            cached = (settings, RoutingCheck(settings.blocked_models, settings.routing_fields))
            self._routing_cache = cached
        return cached[1]

    def _blocked_model(self, extraction: Extraction) -> bool:
        catalogue = self._rt().catalogue
        return any(catalogue.is_blocked_model(m) for m in [extraction.model, *extraction.models])

    async def _evaluate(
        self, extraction: Extraction, tool: Tool, approve: Any = None
    ) -> tuple[Decision, Any, int, str | None]:
        """Scan an extraction in the worker pool and decide (with the tool's status policy and
        any approval): (decision, scan result, chars scanned, content HMAC)."""
        config = self._rt().loaded.config
        text = extraction.text
        if not text.strip():
            return self._uninspectable(decide([], config.policy), extraction), None, 0, None
        assert self.pool is not None
        recorder = self._rt().recorder
        prompt = body_text(extraction)  # the HMAC covers the body, not headers and cookies
        if len(prompt) <= HMAC_INLINE_CHARS:
            digest = recorder.content_hmac(prompt)
        else:
            digest = await asyncio.to_thread(recorder.content_hmac, prompt)
        try:
            result = await self.pool.scan(text)
        except ScanFailure as exc:
            self.metrics.scan_errors.labels(kind=exc.reason).inc()
            return failure(exc.reason, config.policy), None, len(text), digest
        result = without_exempt_findings(
            result,
            extraction,
            tool_entities=tool.credential_entities,
            settings=config.catalogue.request_metadata,
        )
        self.metrics.scan_duration.observe(result.elapsed_ms / 1000)
        self.metrics.scan_bytes.observe(result.chars)
        decision = decide(
            result.categories, config.policy, tool_status=tool.status.value, approve=approve
        )
        return self._uninspectable(decision, extraction), result, len(text), digest

    def _uninspectable(self, decision: Decision, extraction: Extraction) -> Decision:
        """Content extraction could not read (images, audio, encrypted or corrupt files):
        monitored with an event by default, blocked if ``extraction.uninspectable: block``."""
        if decision.action != "allow" or not extraction.uninspectable:
            return decision
        config = self._rt().loaded.config
        if config.extraction.uninspectable is UninspectableAction.BLOCK:
            return failure("uninspectable", config.policy)
        return Decision("monitor", "ai.request.monitored", "uninspectable", ["PS2"])

    # ---- websockets ------------------------------------------------------------------------

    @fail_closed
    async def websocket_message(self, flow: http.HTTPFlow) -> None:
        """Scan each client→server message to an AI tool; on a block, drop the message and
        close the socket with 1008 (policy violation) on both sides."""
        tool: Tool | None = flow.metadata.get(TOOL_KEY)
        if tool is None or flow.websocket is None or not flow.websocket.messages:
            return
        message = flow.websocket.messages[-1]
        if not message.from_client or message.dropped:
            return
        if flow.metadata.get(WS_BLOCKED_KEY):
            message.drop()  # the socket is closing: nothing more goes upstream
            return
        config = self._rt().loaded.config
        host, path = flow.request.pretty_host, flow.request.path
        content, is_text = message.content, message.is_text
        result: Any = None
        extraction: Extraction | None = None
        chars = 0
        digest: str | None = None
        routing = self._routing()

        def run() -> tuple[Extraction, str | None]:
            extraction = extract_websocket_message(
                host, path, content, is_text, config.extraction, config.limits.max_body_bytes
            )
            return extraction, routing.body_verdict(content)

        try:
            if is_heavy("", "", content):
                extraction, verdict = await self.extract_pool.run(
                    self._client_key(flow),
                    config.extraction.timeout_seconds,
                    extract_message,
                    host,
                    path,
                    content,
                    is_text,
                    config.extraction,
                    config.limits.max_body_bytes,
                    routing.markers,
                    tuple(routing.fields),
                )
            else:
                extraction, verdict = await self._extract(run)
        except ExtractionError as exc:
            decision = failure(exc.reason, config.policy)
        else:
            if verdict == BLOCKED or self._blocked_model(extraction):
                decision = blocked_tool("blocked_model")
            elif verdict is not None:
                decision = failure(verdict, config.policy)
            elif not extraction.segments and not extraction.uninspectable:
                return  # handshakes, pings: nothing to decide
            else:
                approve = self._approver(flow, tool, self._approval_tokens.get(flow))
                decision, result, chars, digest = await self._evaluate(extraction, tool, approve)
        noteworthy = decision.action != "allow" or decision.approval is not None
        incident = new_incident_id() if noteworthy else None
        if decision.blocked:
            message.drop()
            flow.metadata[WS_BLOCKED_KEY] = True
            close_websocket(
                flow, POLICY_VIOLATION, websocket_close_reason(decision, incident or "")
            )
        self._record(flow, tool, decision, incident, result, chars, digest)
        keep_evidence(self._rt().recorder, decision, incident, extraction)  # off unless set

    # ---- failing closed (proxy/failsafe.py calls this) ---------------------------------------

    def internal_error(self, target: Any, hook: str, exc: Exception) -> None:
        """An unexpected exception in ``hook``: block, record ``ai.scan.error``, count it."""
        self.metrics.scan_errors.labels(kind=INTERNAL_ERROR).inc()
        if isinstance(target, tls.ClientHelloData):
            target.ignore_connection = False  # intercept: every request is then classified
            return
        if not isinstance(target, http.HTTPFlow):
            return
        flow = target
        decision = Decision("block", "ai.scan.error", INTERNAL_ERROR, ["PS2"])
        incident = new_incident_id()
        if flow.websocket is not None and hook == "websocket_message":
            if flow.websocket.messages:
                flow.websocket.messages[-1].drop()
            flow.metadata[WS_BLOCKED_KEY] = True
            try:
                reason = websocket_close_reason(decision, incident)
            except Exception:
                reason = f"Blocked by aidlp (internal error). Incident {incident}"[:123]
            try:
                close_websocket(flow, POLICY_VIOLATION, reason)
            except Exception:
                last_resort(flow)
        else:
            try:
                flow.response = block_response(
                    flow.request.pretty_host,
                    flow.request.path,
                    flow.request.headers.get("accept", ""),
                    decision,
                    incident,
                    self._rt().loaded.config.policy.contacts,
                )
            except Exception:
                flow.response = minimal_block(incident)
        tool: Tool | None = flow.metadata.get(TOOL_KEY)
        if tool is None:
            tool = Tool(id="unclassified", name="Unclassified", hosts=["unclassified.invalid"])
        try:
            self._record(flow, tool, decision, incident, None, 0)
        except Exception as second:
            log.error("aidlp: could not record an internal error (%s)", type(second).__name__)

    # ---- acting and recording --------------------------------------------------------------

    def _refuse_tool(self, flow: http.HTTPFlow, tool: Tool, reason: str) -> None:
        decision = blocked_tool(reason)
        incident = new_incident_id()
        flow.response = block_response(
            flow.request.pretty_host,
            flow.request.path,
            flow.request.headers.get("accept", ""),
            decision,
            incident,
            self._rt().loaded.config.policy.contacts,
        )
        self._record(flow, tool, decision, incident, None, 0)

    def _record_tool_blocked(
        self,
        tool: Tool,
        host: str,
        client: Any,
        stage: str,
        reason: str = "blocked_tool",
        clauses: list[str] | None = None,
    ) -> None:
        incident = new_incident_id()
        self.metrics.requests.labels(tool=tool.id, decision="block").inc()
        self.metrics.blocked.labels(tool=tool.id, reason=reason).inc()
        client_ip = client[0] if client else None
        self._rt().recorder.emit(
            {
                "event": "ai.tool.blocked",
                "incident_id": incident,
                "user": client_ip,  # no proxy auth before TLS: the client IP identifies
                "client_ip": client_ip,
                "tool": tool.id,
                "host": host,
                "method": None,
                "path": None,
                "decision": "block",
                "reason": reason,
                "stage": stage,
                "policy_clauses": clauses or ["PS6"],
                "findings": [],
                "approval": None,
                "bytes_scanned": 0,
                "scan_ms": 0.0,
                "content_hmac": None,
            }
        )

    def _act(
        self,
        flow: http.HTTPFlow,
        tool: Tool,
        decision: Decision,
        result: Any,
        extraction: Extraction | None,
        chars: int = 0,
        content_hmac: str | None = None,
    ) -> None:
        # Blocks, monitored requests and approved ones (the audit trail) get an incident id.
        noteworthy = decision.action != "allow" or decision.approval is not None
        incident = new_incident_id() if noteworthy else None
        if decision.blocked:
            flow.response = block_response(
                flow.request.pretty_host,
                flow.request.path,
                flow.request.headers.get("accept", ""),
                decision,
                incident or new_incident_id(),
                self._rt().loaded.config.policy.contacts,
            )
        self._record(flow, tool, decision, incident, result, chars, content_hmac)
        keep_evidence(self._rt().recorder, decision, incident, extraction)  # off unless set

    def _record(
        self,
        flow: http.HTTPFlow,
        tool: Tool,
        decision: Decision,
        incident: str | None,
        result: Any,
        chars: int,
        content_hmac: str | None = None,
    ) -> None:
        findings: dict[tuple[str, str, str], dict[str, Any]] = {}
        for f in result.findings if result is not None else []:
            key = (f.category, f.entity_type, f.detector)
            entry = findings.setdefault(
                key,
                {
                    "category": f.category,
                    "entity_type": f.entity_type,
                    "count": 0,
                    "max_score": 0.0,
                    "detector": f.detector,
                },
            )
            entry["count"] += 1
            entry["max_score"] = max(entry["max_score"], round(f.score, 3))
            self.metrics.findings.labels(category=f.category, entity_type=f.entity_type).inc()
            self.metrics.detector_findings.labels(detector=f.detector).inc()
        for category in result.categories if result is not None else []:
            self.metrics.category_requests.labels(category=category, decision=decision.action).inc()
        self.metrics.requests.labels(tool=tool.id, decision=decision.action).inc()
        if decision.blocked:
            self.metrics.blocked.labels(tool=tool.id, reason=decision.reason).inc()
        if decision.approval_result is not None:
            self.metrics.approvals.labels(result=decision.approval_result).inc()
        auth = flow.metadata.get("proxyauth")  # (user, password): only the user is logged
        client = flow.client_conn.peername
        self._rt().recorder.emit(
            {
                **subject_fields(result),  # keyed hashes of strong identifiers, if any
                "event": decision.event,
                "incident_id": incident,
                "user": auth[0] if auth else (client[0] if client else None),
                "client_ip": client[0] if client else None,
                "tool": tool.id,
                "host": flow.request.pretty_host,
                "method": flow.request.method,
                "path": flow.request.path.split("?", 1)[0],
                "decision": decision.action,
                "reason": decision.reason,
                "policy_clauses": decision.clauses,
                "findings": list(findings.values()),
                "approval": decision.approval,
                "bytes_scanned": chars,
                "scan_ms": round(result.elapsed_ms, 3) if result is not None else 0.0,
                "content_hmac": content_hmac,
            }
        )


_aidlp = AidlpAddon()
addons = [
    _aidlp,
    # after aidlp's requestheaders (tool tagged), before its request hook (the scan):
    StartupGate(
        lambda: _aidlp.pool is not None and _aidlp.pool.ready,
        lambda tool: _aidlp.metrics.blocked.labels(tool=tool, reason="unavailable").inc(),
    ),
    UpstreamTimeouts(),  # after aidlp: they time allowed requests
    GracefulShutdown(),
]
