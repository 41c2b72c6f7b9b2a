"""Metrics endpoint: ``/metrics``, ``/healthz`` and ``/readyz`` on their own port.

Started before the workers, so ``/readyz`` answers 503 until they are up. The option
``aidlp_metrics_port`` overrides the config's ``metrics.port``; a reload that moves the
address moves the server.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from mitmproxy import ctx, exceptions

from proxy.addons.host import RuntimeHost
from proxy.events import logscrub
from proxy.metrics import MetricsServer

log = logging.getLogger("aidlp")


class MetricsEndpoint:
    """Serves the host's metrics registry; readiness is the worker pool's."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        self.server: MetricsServer | None = None
        host.on_activate.append(self._follow)

    def load(self, loader: Any) -> None:
        loader.add_option(
            "aidlp_metrics_port",
            Optional[int],  # noqa: UP045 - mitmproxy's option typing wants Optional
            None,
            "Metrics port; overrides the config's metrics.port.",
        )

    def configure(self, updated: set[str]) -> None:
        port = ctx.options.aidlp_metrics_port
        if "aidlp_metrics_port" in updated and port is not None and not 0 <= port <= 65535:
            raise exceptions.OptionsError(f"aidlp: aidlp_metrics_port {port} is not a port")
        if "aidlp_metrics_port" in updated:
            self._follow()

    async def running(self) -> None:
        listen = getattr(ctx.options, "listen_host", "")
        if listen:  # the proxy's own address too ("HTTP(S) proxy listening at ...")
            logscrub.exempt_own_address(listen, ctx.options.listen_port or 8080)
        if self.server is None:
            self.start()

    def done(self) -> None:
        self.stop()

    def address(self) -> tuple[str, int]:
        settings = self.host.rt().loaded.config.metrics
        port = ctx.options.aidlp_metrics_port
        return settings.host, settings.port if port is None else port

    def start(self) -> None:
        host, port = self.address()
        try:
            self.server = MetricsServer(self.host.metrics.registry, self.ready, host, port).start()
        except OSError as exc:
            log.error("aidlp: cannot serve metrics on %s:%d: %s", host, port, exc.strerror or exc)
            return
        logscrub.exempt_own_address(host, self.server.port)  # the real address, unmasked
        shown = f"[{host}]" if ":" in host else host
        log.info("aidlp: metrics on http://%s:%d/metrics", shown, self.server.port)

    def ready(self) -> bool:
        """/readyz: the scan workers are up and the proxy is not draining (it has listened
        since before this server started: mitmproxy binds before any ``running`` hook)."""
        pool = self.host.pool
        drain = ctx.master.addons.get("gracefulshutdown")
        return pool is not None and pool.ready and not getattr(drain, "draining", False)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def _follow(self) -> None:
        """Move a running server when the configured address changed."""
        if self.server is not None and self.address() != (self.server.host, self.server.port):
            self.stop()
            self.start()
