"""The runtime host addon: loads the config, owns the runtime and the scan worker pool.

Every other aidlp addon reads the live :class:`~proxy.runtime.Runtime` (and the
:class:`~proxy.inspection.Inspector` and :class:`~proxy.inspection.Recording` built from it)
through this one. Hot reloads (:mod:`proxy.reload`) swap them whole via :meth:`activate`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from mitmproxy import ctx, exceptions

from proxy import startup_gate
from proxy.catalogue import ToolStatus
from proxy.config import ConfigError, LoadedConfig, load_config
from proxy.conversation import ConversationMemory, Conversations
from proxy.events import EventConfigError, logscrub
from proxy.extractpool import ExtractionPool
from proxy.inspection import Inspector, Recording
from proxy.metrics import Metrics
from proxy.register.evidence import keep_evidence
from proxy.reload import Signature, snapshot_loading
from proxy.runtime import Runtime, pool_settings
from proxy.worker_pool import ScanPool

log = logging.getLogger("aidlp")

Listener = Callable[[], None]


def _proxy_auth_on() -> bool:
    """Is mitmproxy's proxy authentication on? (False outside a running mitmproxy.)"""
    options = getattr(ctx, "options", None)
    return bool(getattr(options, "proxyauth", None))


def _log_start_failure(exc: Exception) -> None:
    """An OSError says its errno and path (no content); anything else its type."""
    detail = f": {exc}" if isinstance(exc, OSError) else ""
    log.error(
        "aidlp: the scan workers did not start (%s%s): stopping",
        type(exc).__name__,
        detail,
        exc_info=isinstance(exc, OSError),
    )


class RuntimeHost:
    """Option ``aidlp_config``; builds, activates and retires runtimes and pools."""

    def __init__(
        self,
        metrics: Metrics | None = None,
        documents: Callable[[], ExtractionPool] | None = None,
    ) -> None:
        self.metrics = metrics or Metrics()
        self.documents = documents  # the document extractors' pool, if any
        self.runtime: Runtime | None = None
        self.pool: ScanPool | None = None
        self.inspector: Inspector | None = None
        self.recording: Recording | None = None
        #: server-side conversations' tails: kept across reloads (resized by the new config)
        self.conversations = Conversations(ConversationMemory())
        self.serving = False
        self.starting: asyncio.Future[None] | None = None  # the scan workers, starting
        self.on_activate: list[Listener] = []  # told after every swap
        self.on_ready: list[Listener] = []  # told once the workers are up
        #: the watched files' signatures as the start-up config read them (the reloader's
        #: baseline: an edit made while the workers start is not lost)
        self.loaded_files: dict[str, Signature] = {}

    def load(self, loader: Any) -> None:
        logscrub.install()  # mitmproxy logs some raw request bytes: scrub every log line
        loader.add_option(
            "aidlp_config",
            str,
            "",
            "aidlp config YAML merged over the embedded default (empty: default).",
        )

    def configure(self, updated: set[str]) -> None:
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
        if self.runtime is not None and ("aidlp_config" not in updated or self.serving):
            return  # while serving, the reloader swaps config changes in gracefully
        try:
            path = ctx.options.aidlp_config or None
            loaded, self.loaded_files = snapshot_loading(path, lambda: load_config(path))
            runtime = self.build_runtime(loaded)
        except (ConfigError, EventConfigError) as exc:
            raise exceptions.OptionsError(f"aidlp: {exc}") from None
        self.activate(runtime, self.new_pool(loaded) if self.pool is None else None)

    async def running(self) -> None:
        logscrub.install()  # handlers added since load()
        self.serving = True
        if self.pool is not None and not self.pool.ready:
            # In the background: mitmproxy makes its CA store and finishes starting only
            # after this hook; until the workers are up, StartupGate answers 503.
            self.starting = asyncio.ensure_future(self._start_workers(self.pool))
        else:
            self._tell_ready()

    async def _start_workers(self, pool: ScanPool) -> None:
        try:  # side by side: the scan pool serves (StartupGate opens) as soon as it is up
            starting = [pool.start()]
            if self.documents is not None:
                starting.append(self.documents().start())
            await asyncio.gather(*starting)
        except Exception as exc:  # e.g. every worker died loading its engine
            _log_start_failure(exc)
            startup_gate.failed = True
            ctx.master.shutdown()
            return
        log.info("aidlp: %d scan workers ready", pool.settings.processes)
        self._tell_ready()

    def _tell_ready(self) -> None:
        for listener in self.on_ready:
            listener()

    def done(self) -> None:
        self.serving = False
        if self.starting is not None:
            self.starting.cancel()
        if self.pool is not None:
            self.pool.shutdown()
        if self.runtime is not None:
            self.runtime.recorder.close()

    # ---- the reloader's target (proxy.reload.Swappable) ---------------------------------

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
        assert self.pool is not None
        self.conversations.memory.configure(runtime.loaded.config.conversations)
        self.inspector = Inspector(
            runtime.loaded.config,
            runtime.catalogue,
            self.pool,
            runtime.approvals,
            runtime.recorder.content_hmac,
            self.documents,
            self.conversations,
        )
        recorder = runtime.recorder
        self.recording = Recording(
            [recorder.on_decision, self.metrics.on_decision],
            [lambda o: keep_evidence(recorder, o.decision, o.incident_id, o.extraction)],
        )
        if previous is not None and previous.recorder is not runtime.recorder:
            # drain the old sinks without holding up the event loop
            threading.Thread(target=previous.recorder.close, daemon=True).start()
        self.metrics.prime_tools(
            t.id for t in runtime.catalogue.tools.values() if t.status is ToolStatus.BLOCKED
        )
        self.metrics.prime_sinks(sink.name for sink in runtime.recorder.sinks)
        for listener in self.on_activate:
            listener()

    # ---- for the other addons ------------------------------------------------------------

    def rt(self) -> Runtime:
        assert self.runtime is not None, "aidlp addon used before configure()"
        return self.runtime

    def live(self) -> tuple[Runtime, Inspector, Recording]:
        """The runtime with the inspector and the recording built from it (one snapshot)."""
        assert self.runtime is not None and self.inspector is not None, "used before configure()"
        assert self.recording is not None
        return self.runtime, self.inspector, self.recording
