"""The scan worker pool: real worker processes, time boxes, back-pressure, worker death."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from detectors.settings import DetectorSettings
from proxy.scanning import PoolSettings, ScanFailure, ScanPool, _ping

BIG = "The quarterly report covers staffing, estates and finance. " * 40_000  # ~2.4 MB


def run(coro):
    return asyncio.run(coro)


async def _with_pool(settings: PoolSettings, body):
    pool = ScanPool(DetectorSettings(), settings)
    await pool.start()
    try:
        return await body(pool)
    finally:
        pool.shutdown()


def test_scan_runs_in_a_worker_and_finds_a_nino():
    async def body(pool):
        assert pool.ready
        result = await pool.scan("Her NI number is AB 12 34 56 C.")
        return result

    result = run(_with_pool(PoolSettings(1, 10, 2, 4), body))
    assert result.categories == ["PERSONAL_DATA"]
    assert result.findings[0].start == 17


def test_a_scan_over_its_time_box_fails_closed_as_timeout():
    async def body(pool):
        with pytest.raises(ScanFailure) as excinfo:
            await pool.scan(BIG * 4)
        # The pool still works afterwards.
        ok = await pool.scan("nothing to see")
        return excinfo.value.reason, ok

    reason, ok = run(_with_pool(PoolSettings(1, 0.01, 2, 4), body))
    assert reason == "scan_timeout"
    assert ok.categories == []


def test_full_queue_fails_closed_as_overloaded():
    async def body(pool):
        outcomes = await asyncio.gather(*(pool.scan(BIG) for _ in range(6)), return_exceptions=True)
        return outcomes

    outcomes = run(_with_pool(PoolSettings(1, 30, 0.05, 1), body))
    reasons = [o.reason for o in outcomes if isinstance(o, ScanFailure)]
    assert "overloaded" in reasons
    assert any(not isinstance(o, Exception) for o in outcomes)  # the first ones were scanned


def test_a_dead_worker_fails_closed_and_the_pool_recovers():
    async def body(pool):
        loop = asyncio.get_running_loop()
        pid = await loop.run_in_executor(pool._executor, _ping)
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.5)
        with pytest.raises(ScanFailure) as excinfo:
            await pool.scan("AB 12 34 56 C")
        again = await pool.scan("AB 12 34 56 C")
        return excinfo.value.reason, again

    reason, again = run(_with_pool(PoolSettings(1, 10, 2, 4), body))
    assert reason == "scan_error"
    assert again.categories == ["PERSONAL_DATA"]


def test_scan_before_start_fails_closed():
    pool = ScanPool(DetectorSettings(), PoolSettings(1, 1, 1, 1))
    with pytest.raises(ScanFailure, match="scan_error"):
        run(pool.scan("x"))
