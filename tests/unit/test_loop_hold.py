"""HeldSteps: how long each synchronous step of aidlp's handling held the event loop."""

from __future__ import annotations

import asyncio
import time

import pytest

from proxy.addons.loop_lag import HeldSteps


def _busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


async def _handler(steps: list[float]) -> str:
    for seconds in steps:
        _busy(seconds)
        await asyncio.sleep(0)  # a suspension: the loop runs others here
    await asyncio.sleep(0.01)
    return "done"


def test_each_step_between_suspensions_is_timed_and_the_result_passes_through() -> None:
    """Rule: one observation per step between suspensions (so time spent suspended, like the
    10 ms sleep, is never a hold), and the coroutine's result is returned unchanged."""
    seen: list[float] = []

    async def main() -> str:
        return await HeldSteps(_handler([0.02, 0.0]), seen.append)

    assert asyncio.run(main()) == "done"
    assert len(seen) == 4  # three suspensions, then the end
    assert seen[0] >= 0.02  # the busy step, whole


def test_exceptions_and_cancellation_pass_through() -> None:
    """Rule: the wrapped coroutine's exception, and the caller's cancellation, behave as if
    it were awaited directly."""
    seen: list[float] = []

    async def fails() -> None:
        await asyncio.sleep(0)
        raise ValueError("boom")

    async def run_failing() -> None:
        await HeldSteps(fails(), seen.append)

    with pytest.raises(ValueError, match="boom"):
        asyncio.run(run_failing())

    cleaned: list[bool] = []

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            cleaned.append(True)

    async def wrapped() -> None:
        await HeldSteps(slow(), seen.append)

    async def cancel_it() -> bool:
        task = asyncio.create_task(wrapped())
        await asyncio.sleep(0.01)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            return True
        return False

    assert asyncio.run(cancel_it())
    assert cleaned
