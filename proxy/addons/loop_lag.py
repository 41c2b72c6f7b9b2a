"""Event-loop lag monitor: how long the proxy's event loop was kept from running.

A sampler wakes every ``interval`` and measures how late it woke: that lateness is the time
some callback held the loop (aidlp's or mitmproxy's). Exported as
``aidlp_event_loop_lag_seconds`` (histogram) and ``aidlp_event_loop_lag_max_seconds`` (the
longest since start), so a stall shows up in the metrics and in ``bench/bench_proxy.py``.
"""

from __future__ import annotations

import asyncio
import contextlib

from proxy.addons.host import RuntimeHost

INTERVAL_SECONDS = 0.02


class LoopLagMonitor:
    """Samples the loop's lateness while the proxy runs."""

    def __init__(self, host: RuntimeHost, interval: float = INTERVAL_SECONDS) -> None:
        self.metrics = host.metrics
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def running(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._sample())

    def done(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _sample(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                due = loop.time() + self.interval
                await asyncio.sleep(self.interval)
                self.metrics.observe_loop_lag(max(0.0, loop.time() - due))
