"""Event-loop lag monitor: how long the proxy's event loop was kept from running.

A sampler wakes every ``interval`` and measures how late it woke: that lateness is the time
some callback held the loop (aidlp's or mitmproxy's). Exported as
``aidlp_event_loop_lag_seconds`` (histogram) and ``aidlp_event_loop_lag_max_seconds`` (the
longest since start), so a stall shows up in the metrics and in ``bench/bench_proxy.py``.
:class:`HeldSteps` tells aidlp's own share: how long each step of its request handling held
the loop (``aidlp_loop_hold_seconds``, ``aidlp_loop_hold_max_seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine, Generator
from typing import Any

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


class HeldSteps:
    """Await a coroutine, timing each synchronous step it runs on the loop (from being
    resumed to its next suspension) and reporting each step's seconds to ``observe``.

    Wrapped around aidlp's own request and message handling, the longest step is the
    longest the event loop waited on aidlp's code (``aidlp_loop_hold_max_seconds``), apart
    from stalls caused by mitmproxy or the machine (which the lag sampler above sees too).
    """

    __slots__ = ("_coro", "_observe")

    def __init__(self, coro: Coroutine[Any, Any, Any], observe: Callable[[float], None]) -> None:
        self._coro = coro
        self._observe = observe

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, observe, clock = self._coro, self._observe, time.perf_counter
        value: Any = None
        error: BaseException | None = None
        while True:
            started = clock()
            try:
                yielded = coro.send(value) if error is None else coro.throw(error)
            except StopIteration as stop:
                observe(clock() - started)
                return stop.value
            except BaseException:
                observe(clock() - started)
                raise
            observe(clock() - started)
            value, error = None, None
            try:
                value = yield yielded
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # e.g. cancellation thrown into the task
                error = exc
