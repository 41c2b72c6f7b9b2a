"""Graceful shutdown: SIGTERM drains the proxy instead of cutting requests in flight.

On the first SIGTERM (systemd stop, Kubernetes pod deletion, ``docker stop``):

1. ``/readyz`` turns 503 (load balancers and endpoints stop sending new connections);
2. the proxy stops listening: new connections are refused, so clients retry elsewhere;
3. requests already in flight are finished, and every HTTP/1 response sent meanwhile says
   ``Connection: close`` so no client reuses a connection that is about to go;
4. once nothing is in flight (and stays so for a short settle time), or the grace period
   ``aidlp_drain_timeout`` (seconds) is over, mitmproxy shuts down as usual.

A second SIGTERM, or SIGINT, stops at once. The grace period must fit in the platform's:
Kubernetes ``terminationGracePeriodSeconds`` (minus the ``preStop`` pause), systemd
``TimeoutStopSec``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any

from mitmproxy import ctx, exceptions, http

log = logging.getLogger("aidlp")

DRAIN_TIMEOUT_DEFAULT = 20  # seconds
SETTLE_SECONDS = 0.5  # nothing in flight for this long: done


class GracefulShutdown:
    """Option ``aidlp_drain_timeout``; owns SIGTERM once the proxy is running."""

    def __init__(self) -> None:
        self.draining = False
        self.in_flight: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None

    def load(self, loader: Any) -> None:
        loader.add_option(
            "aidlp_drain_timeout",
            int,
            DRAIN_TIMEOUT_DEFAULT,
            "On SIGTERM: stop listening, then wait at most this many seconds for requests in "
            "flight to finish before exiting (0: exit at once).",
        )

    def configure(self, updated: set[str]) -> None:
        if "aidlp_drain_timeout" in updated and ctx.options.aidlp_drain_timeout < 0:
            raise exceptions.OptionsError("aidlp: aidlp_drain_timeout must be 0 or more seconds")

    def running(self) -> None:
        self._loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            self._loop.add_signal_handler(signal.SIGTERM, self.begin)  # replaces mitmproxy's

    def done(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.remove_signal_handler(signal.SIGTERM)

    # ---- in-flight bookkeeping --------------------------------------------------------------

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        self.in_flight.add(flow.id)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        if self.draining and flow.response is not None and _is_http1(flow):
            flow.response.headers["connection"] = "close"

    def response(self, flow: http.HTTPFlow) -> None:
        if self.draining and flow.response is not None and _is_http1(flow):
            flow.response.headers["connection"] = "close"  # answers aidlp made itself
        self.in_flight.discard(flow.id)

    def error(self, flow: http.HTTPFlow) -> None:
        self.in_flight.discard(flow.id)

    # ---- the drain ------------------------------------------------------------------------

    def begin(self) -> None:
        """SIGTERM: start draining; a second one stops at once."""
        if self.draining:
            log.info("aidlp: second SIGTERM: stopping now")
            ctx.master.shutdown()
            return
        self.draining = True
        grace = ctx.options.aidlp_drain_timeout
        log.info(
            "aidlp: SIGTERM: draining (%d requests in flight, up to %d s)",
            len(self.in_flight),
            grace,
        )
        ctx.options.update(server=False)  # close the listening sockets; connections stay
        self._task = asyncio.get_running_loop().create_task(self._drain(grace))

    async def _drain(self, grace: float) -> None:
        started = time.monotonic()
        deadline = started + grace
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            now = time.monotonic()
            if self.in_flight:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= SETTLE_SECONDS:
                break
            await asyncio.sleep(0.05)
        left = len(self.in_flight)
        took = time.monotonic() - started
        if left:
            log.warning("aidlp: drain grace over after %.1f s: %d requests cut", took, left)
        else:
            log.info("aidlp: drained in %.1f s", took)
        ctx.master.shutdown()


def _is_http1(flow: http.HTTPFlow) -> bool:
    return flow.request.http_version.startswith("HTTP/1")
