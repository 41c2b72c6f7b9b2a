"""The scan worker pool: real worker processes, time boxes, back-pressure, worker death."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from detectors.settings import DetectorSettings
from proxy.worker_pool import PoolSettings, ScanFailure, ScanPool, _ping

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

    # 50 ms: BIG * 4 takes seconds; a short text well under it even on a loaded machine (the
    # time box is wall-clock, and the first scan after an interrupted one costs a few ms)
    reason, ok = run(_with_pool(PoolSettings(1, 0.05, 2, 4), body))
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


def test_a_dead_worker_is_replaced_and_the_scan_retried_once():
    """A worker dies: the pool is not ready while fresh workers start, the scan in flight is
    retried once on them, and the pool serves again."""

    async def body(pool):
        loop = asyncio.get_running_loop()
        pid = await loop.run_in_executor(pool._executor, _ping)
        os.kill(pid, signal.SIGKILL)
        readiness = []

        async def watch():
            while True:
                readiness.append(pool.ready)
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        retried = await pool.scan("AB 12 34 56 C")  # hits the dead worker, then a fresh one
        again = await pool.scan("AB 12 34 56 C")
        watcher.cancel()
        return retried, again, [*readiness, pool.ready], pool.restarts

    retried, again, readiness, restarts = run(_with_pool(PoolSettings(1, 10, 2, 4), body))
    assert retried.categories == ["PERSONAL_DATA"]
    assert again.categories == ["PERSONAL_DATA"]
    assert restarts == 1
    assert False in readiness, readiness  # the outage was visible
    assert readiness[-1] is True  # and over


def test_an_idle_pool_notices_a_dead_worker_by_itself():
    async def body(pool):
        loop = asyncio.get_running_loop()
        pid = await loop.run_in_executor(pool._executor, _ping)
        os.kill(pid, signal.SIGKILL)
        deadline = loop.time() + 5
        while pool.ready and loop.time() < deadline:
            await asyncio.sleep(0.05)
        noticed = not pool.ready
        while not pool.ready and loop.time() < deadline + 120:
            await asyncio.sleep(0.05)
        return noticed, pool.ready, pool.restarts

    noticed, ready, restarts = run(_with_pool(PoolSettings(1, 10, 2, 4), body))
    assert noticed and ready and restarts == 1


def test_scan_before_start_fails_closed():
    pool = ScanPool(DetectorSettings(), PoolSettings(1, 1, 1, 1))
    with pytest.raises(ScanFailure, match="scan_error"):
        run(pool.scan("x"))


def _engine_is_the_templates() -> bool:
    from proxy import scan_template, worker_pool

    return worker_pool._engine is not None and worker_pool._engine is scan_template.engine


def test_workers_are_forked_from_the_warm_template():
    """Workers of a pool with the early template's settings take its engine (built once,
    before the pool started); a pool with other settings (a reload changed them) gets a
    template of its own, and its workers take that one's engine."""
    from proxy import scan_template

    scan_template.start(DetectorSettings().model_dump_json())  # as `aidlp run` does first

    async def body(pool):
        loop = asyncio.get_running_loop()
        forked = await loop.run_in_executor(pool._executor, _engine_is_the_templates)
        found = await pool.scan("Her NI number is AB 12 34 56 C.")
        return forked, found.categories

    assert run(_with_pool(PoolSettings(1, 10, 2, 4), body)) == (True, ["PERSONAL_DATA"])

    other = DetectorSettings.model_validate({"ner": {"enabled": False}})

    async def with_other():
        pool = ScanPool(other, PoolSettings(1, 10, 2, 4))
        await pool.start()
        try:
            return await body(pool)
        finally:
            pool.shutdown()

    assert run(with_other()) == (True, ["PERSONAL_DATA"])


def test_a_packed_result_comes_back_equal():
    """Workers send results as plain tuples; unpacked, they equal what the engine returned."""
    from detectors.types import Finding, ScanResult
    from proxy.worker_pool import pack_result, unpack_result

    result = ScanResult(
        [
            Finding("PERSONAL_DATA", "UK_NINO", 17, 30, 0.9, "NinoRecogniser"),
            Finding("CODE", "CODE_FINGERPRINT", 0, 400, 0.8, "Fingerprint", (("repo", "x"),)),
        ],
        ["CODE", "PERSONAL_DATA"],
        chars=431,
        elapsed_ms=1.25,
        subject_hmacs=(("nino", "ab12"),),
    )
    assert unpack_result(pack_result(result)) == result
    assert unpack_result(pack_result(ScanResult())) == ScanResult()


def test_a_start_that_fails_with_an_os_error_is_retried_on_a_fresh_template(monkeypatch):
    """Rule: a transient operating-system failure while the workers start (a fork refused
    with EAGAIN, a forkserver pipe lost) does not stop the proxy: the start is retried with
    a fresh template, and the pool then scans for real."""
    import errno

    from proxy import scan_template

    real_acquire = scan_template.acquire
    calls = []

    def flaky_acquire(settings_json):
        calls.append(settings_json)
        if len(calls) == 1:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return real_acquire(settings_json)

    monkeypatch.setattr(scan_template, "acquire", flaky_acquire)
    monkeypatch.setattr(ScanPool, "START_RETRY_PAUSE", 0.01)

    async def body(pool):
        assert pool.ready
        return await pool.scan("Her NI number is AB 12 34 56 C.")

    result = run(_with_pool(PoolSettings(1, 10, 2, 4), body))
    assert len(calls) == 2
    assert result.categories == ["PERSONAL_DATA"]


def test_a_start_that_keeps_failing_raises_after_the_last_attempt(monkeypatch):
    """Rule: retries are bounded: after START_ATTEMPTS failures the error reaches the caller
    (the host then stops the proxy: fail closed, never serve unscanned)."""
    from proxy import scan_template

    calls = []

    def broken_acquire(settings_json):
        calls.append(settings_json)
        raise ConnectionRefusedError("forkserver gone")

    monkeypatch.setattr(scan_template, "acquire", broken_acquire)
    monkeypatch.setattr(ScanPool, "START_RETRY_PAUSE", 0.01)
    pool = ScanPool(DetectorSettings(), PoolSettings(1, 10, 2, 4))
    with pytest.raises(ConnectionRefusedError):
        run(pool.start())
    assert len(calls) == ScanPool.START_ATTEMPTS
    assert not pool.ready
    pool.shutdown()
