"""The scanning worker pool, behind a two-stage scan.

Stage 1 (:class:`InlineStage`, when ``workers.inline_scan_chars`` > 0; off by default): a
small text gets the
pattern-and-keyword stage in the proxy process, within a measured time budget (tens of
microseconds for a clean 2 KB prompt: cheaper than any hand-off); it returns the final
result unless the name finder (spaCy) or a heavy plug-in could change it. Stage 2: everything
else goes to the worker processes (the stdlib ``ProcessPoolExecutor``: a pool driven by the
event loop without its hand-off threads measured slower here, bench/README.md). Each builds
one :class:`detectors.engine.ScanEngine` at start-up and reuses it. A scan is time-boxed twice: inside the worker (an interval timer interrupts a runaway
scan) and by the caller (``asyncio.wait_for``). A full queue waits a bounded time and then
fails closed with ``overloaded``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import operator
import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from detectors.settings import DetectorSettings
from detectors.types import Finding, ScanResult, Seam
from proxy import scan_template
from proxy.extract.deferred_seams import DeferredSeams
from proxy.scan_template import sighup_blocked

log = logging.getLogger("aidlp")

_engine: Any = None
_subjects: Any = None  # proxy.register.subjects.SubjectHasher when a subject key is set


class ScanFailure(Exception):
    """A scan that did not complete: ``reason`` is scan_error | scan_timeout | overloaded."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class _WorkerTimeout(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _WorkerTimeout


def _init_worker(
    settings_json: str, subject_key: bytes | None = None, template_id: str | None = None
) -> None:
    """Runs once in each worker: ignore Ctrl-C (the parent decides), load the engine (the
    template's, when this worker was forked from its pool's warm template)."""
    global _engine, _subjects
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a reload signal is for the parent only
    signal.signal(signal.SIGALRM, _on_alarm)
    _engine = scan_template.engine_for(settings_json, template_id)
    if _engine is None:
        from detectors.engine import ScanEngine

        _engine = ScanEngine(DetectorSettings.model_validate_json(settings_json))
    if subject_key:
        from proxy.register.subjects import SubjectHasher

        _subjects = SubjectHasher(subject_key)


_FINDING_FIELDS = tuple(f.name for f in dataclasses.fields(Finding))
_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(ScanResult) if f.name != "findings")
_finding_values = operator.attrgetter(*_FINDING_FIELDS)
_result_values = operator.attrgetter(*_RESULT_FIELDS)


def pack_result(result: ScanResult) -> tuple[tuple[tuple[Any, ...], ...], tuple[Any, ...]]:
    """A scan result as plain tuples: what a worker sends back (unpickling slotted dataclasses
    field by field cost ~400 us in the proxy process for a prompt with 65 findings; this ~140)."""
    return tuple(map(_finding_values, result.findings)), _result_values(result)


def unpack_result(packed: tuple[tuple[tuple[Any, ...], ...], tuple[Any, ...]]) -> ScanResult:
    findings, values = packed
    result = ScanResult([Finding(*f) for f in findings])
    for name, value in zip(_RESULT_FIELDS, values, strict=True):
        setattr(result, name, value)
    return result


def _scan_in_worker(
    text: str, timeout: float, seams: Sequence[Seam] = (), body_end: int | None = None
) -> tuple | str:
    """Scan with an in-worker time box. Returns the result (:func:`pack_result`), or the
    failure reason. A :class:`DeferredSeams` is built here, inside the time box."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        result = _engine.scan(text, seams, body_end)
        if _subjects is not None:  # values stay in this process: only their hashes go back
            result.subject_hmacs = _subjects.for_findings(text, result.findings)
        return pack_result(result)
    except _WorkerTimeout:
        return "scan_timeout"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _ping() -> int:
    return os.getpid()


async def _first_ready(pings: list[Any]) -> None:
    """Wait until one worker answers its ping (it has loaded its engine and serves; the others
    join as they come). Raises the last failure if none answers."""
    waiting = {asyncio.wrap_future(ping) for ping in pings}
    failure: BaseException | None = None
    while waiting:
        done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            failure = future.exception() or None
            if failure is None:
                for late in waiting:  # their failures surface on the next scan, not here
                    late.add_done_callback(lambda f: f.cancelled() or f.exception())
                return
    assert failure is not None
    raise failure


def _is_broken(executor: ProcessPoolExecutor) -> bool:
    """Whether an idle executor lost a worker (``_broken`` is the executor's own flag)."""
    return bool(getattr(executor, "_broken", False))


@dataclass(slots=True)
class PoolSettings:
    processes: int
    timeout: float
    queue_wait: float
    max_queue: int
    subject_key: bytes | None = field(default=None, repr=False)  # register.subjects.key_file
    spare: bool = False  # keep one warm spare worker for crash recovery
    inline_chars: int = 0  # texts up to this size try the inline stage first (0: never)
    inline_budget: float = 0.001  # seconds an inline scan may run before it goes to the pool


#: Scanned once when the inline stage loads, so that the engine's lazily built tables are
#: built then and not inside the first requests' budgets (not for the results).
WARM_UP_TEXTS = (
    "Please summarise the minutes of Tuesday's meeting in three bullet points.",
    "Claimant Mr J. Smith, NI number QQ 12 34 56 C, DOB 01/02/1980, tel 07700 900123.",
    "OFFICIAL-SENSITIVE\nexport API_KEY=abcd1234efgh5678ijkl9012mnop3456",
    "Caf\u00e9 r\u00e9sum\u00e9 \u2014 \uff21\uff22 \u0441\u0430\u0440 aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ= %41%42%43",
)


class InlineStage:
    """Stage 1 of the two-stage scan, in the proxy process, on the event loop.

    Holds a :class:`~detectors.engine.ScanEngine` without the name finder. A text of up to
    ``inline_chars`` gets :meth:`~detectors.engine.ScanEngine.scan_inline`, time-boxed to
    ``inline_budget`` seconds of CPU (checked between the engine's steps): the full result when the
    pattern-and-keyword stage settles it (the common case), or None (the worker pool scans
    it) when names or a heavy plug-in (code fingerprints) could change it, or the text is too
    dense to finish within the budget. Any exception fails closed (``scan_error``).
    """

    def __init__(self, engine: Any, settings: PoolSettings, subjects: Any = None) -> None:
        self.engine = engine
        self.settings = settings
        self.subjects = subjects
        self.scans = 0  # decided inline
        self.declined = 0  # handed to the pool: names or a heavy plug-in needed
        self.over_budget = 0  # handed to the pool: stopped at the budget
        self.longest = 0.0  # seconds: the longest inline scan (event-loop hold) since start

    @classmethod
    def load(cls, detector_json: str, settings: PoolSettings) -> InlineStage:
        """Build the engine and warm it (seconds of CPU: call it in a thread)."""
        from detectors.engine import ScanEngine

        # the recognisers' load messages are for the workers' logs, not the proxy's
        logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
        engine = ScanEngine(DetectorSettings.model_validate_json(detector_json), load_ner=False)
        for text in WARM_UP_TEXTS:  # first-use tables (confusables, number words...) now,
            engine.scan_inline(text)  # not in the first requests' budgets
        subjects = None
        if settings.subject_key:
            from proxy.register.subjects import SubjectHasher

            subjects = SubjectHasher(settings.subject_key)
        return cls(engine, settings, subjects)

    def accepts(self, text: str) -> bool:
        return 0 < len(text) <= self.settings.inline_chars

    def scan(
        self, text: str, seams: Sequence[Seam] = (), body_end: int | None = None
    ) -> ScanResult | None:
        """The result, or None for the pool. Raises :class:`ScanFailure` (fail closed)."""
        budget = self.settings.inline_budget
        started = time.perf_counter()
        try:
            result = self.engine.scan_inline(text, tuple(seams), budget, body_end)
            if result is not None and self.subjects is not None:
                result.subject_hmacs = self.subjects.for_findings(text, result.findings)
        except Exception as exc:  # never let a text through unscanned
            log.error("aidlp: inline scan failed: %s", type(exc).__name__)
            raise ScanFailure("scan_error", type(exc).__name__) from exc
        finally:
            spent = time.perf_counter() - started
            self.longest = max(self.longest, spent)
        if result is not None:
            self.scans += 1
        elif spent > budget:  # (wall time: a preempted scan that gave up counts here too)
            self.over_budget += 1
        else:
            self.declined += 1
        return result


class ScanPool:
    """An async front to a process pool of preloaded scan engines."""

    def __init__(self, detector_settings: DetectorSettings, settings: PoolSettings) -> None:
        self.settings = settings
        self._detector_json = detector_settings.model_dump_json()
        self._executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self.in_flight = 0
        self.pending = 0  # scan() calls not yet returned, queued or running
        self.ready = False
        self.restarts = 0  # times a dead worker made us replace the executor
        self._recovery: asyncio.Future[None] | None = None
        self._watchdog: asyncio.Task[None] | None = None
        self._spare: ProcessPoolExecutor | None = None  # one warm worker, when settings.spare
        self._spare_warming: asyncio.Task[None] | None = None
        self.inline: InlineStage | None = None  # stage 1, loaded by start() when enabled
        self.template: scan_template.Template | None = None  # what the workers fork from

    def _new_executor(self, processes: int | None = None) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=processes or self.settings.processes,
            mp_context=self.template.context() if self.template else scan_template.context(),
            initializer=_init_worker,
            initargs=(
                self._detector_json,
                self.settings.subject_key,
                self.template.id if self.template else None,
            ),
        )

    def _launch(self, processes: int | None = None) -> tuple[ProcessPoolExecutor, list[Any]]:
        """A new executor with its workers started (one ping each). Blocks until the
        template forks them (it may still be warming up): call it off the event loop."""
        count = processes or self.settings.processes
        with sighup_blocked():  # workers are started by submit(), i.e. right here
            executor = self._new_executor(count)
            pings = [executor.submit(_ping) for _ in range(count)]
        return executor, pings

    #: attempts at starting the workers, and the pause before the second (doubling): a fork
    #: or a forkserver connection can fail transiently (EAGAIN, a pipe lost while a loaded
    #: machine starts many processes); the proxy then retries instead of exiting
    START_ATTEMPTS = 3
    START_RETRY_PAUSE = 0.5

    async def start(self) -> None:
        """Start the workers; ready (serving) as soon as the first has its engine. A start
        that fails with an operating-system error (or workers lost while starting) is
        retried with a fresh template, :data:`START_ATTEMPTS` times in all."""
        pause = self.START_RETRY_PAUSE
        for attempt in range(1, self.START_ATTEMPTS + 1):
            try:
                await self._start_once()
                return
            except (OSError, EOFError, BrokenProcessPool) as exc:
                if attempt == self.START_ATTEMPTS:
                    raise
                log.warning(
                    "aidlp: starting the scan workers failed (%s: %s); retrying in %.1f s",
                    type(exc).__name__,
                    exc,
                    pause,
                )
                await asyncio.to_thread(self._discard_start)
                await asyncio.sleep(pause)
                pause *= 2

    def _discard_start(self) -> None:
        """Tidy up after a failed start: the executor and template it made are dropped."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        template, self.template = self.template, None
        if template is not None:
            template.stop(kill=True)

    async def _start_once(self) -> None:
        loop = asyncio.get_running_loop()
        # the template `aidlp run` started early, or (a reload) a new one with these settings
        self.template = await asyncio.to_thread(scan_template.acquire, self._detector_json)
        self._slots = asyncio.Semaphore(self.settings.processes + self.settings.max_queue)
        self._executor, pings = await asyncio.to_thread(self._launch)
        if self.settings.inline_chars > 0:
            loading = asyncio.to_thread(InlineStage.load, self._detector_json, self.settings)
            _, self.inline = await asyncio.gather(_first_ready(pings), loading)
        else:
            await _first_ready(pings)
        self.ready = True
        self._watchdog = loop.create_task(self._watch(), name="aidlp scan-worker watchdog")
        if self.settings.spare:
            self._spare_warming = loop.create_task(self._warm_spare())

    async def _warm_spare(self) -> None:
        """Start the one-worker spare and wait until its engine is loaded."""
        spare, pings = await asyncio.to_thread(self._launch, 1)
        try:
            await _first_ready(pings)
        except (BrokenProcessPool, RuntimeError):
            spare.shutdown(wait=False)
            return
        if self._executor is None:  # shut down meanwhile
            spare.shutdown(wait=False)
            return
        self._spare = spare
        log.info("aidlp: spare scan worker ready")

    # ---- worker death ---------------------------------------------------------------------

    #: How often an idle pool is checked for a dead worker (a busy one notices at once).
    WATCH_SECONDS = 0.5

    async def _watch(self) -> None:
        """Notice a dead worker while idle, so the restart starts before the next scan."""
        while True:
            await asyncio.sleep(self.WATCH_SECONDS)
            executor = self._executor
            if executor is None:
                return
            if self._recovery is not None and not self._recovery.done():
                continue
            try:
                await asyncio.wrap_future(executor.submit(_ping))
            except BrokenProcessPool:
                await self._recover(executor)
            except RuntimeError:  # shut down meanwhile
                return

    async def _recover(self, broken: ProcessPoolExecutor | None) -> None:
        """Replace a broken executor once, however many scans saw it break; return as soon
        as a working one serves (the spare at once, else the restarted pool)."""
        if self._executor is broken and (self._recovery is None or self._recovery.done()):
            self._recovery = asyncio.ensure_future(self._restart(broken))
        while self._recovery is not None and not self._recovery.done():
            if self._executor is not broken and self.ready:
                return
            await asyncio.sleep(0.01)

    async def _restart(self, broken: ProcessPoolExecutor | None) -> None:
        """A worker died (every worker of the executor is gone with it). With a warm spare,
        it takes over at once and the full pool restarts behind it; otherwise the pool is
        not ready (``/readyz`` reports the outage) until fresh workers have loaded."""
        self.restarts += 1
        started = time.monotonic()
        loop = asyncio.get_running_loop()
        if broken is not None:
            threading.Thread(target=broken.shutdown, kwargs={"wait": True}, daemon=True).start()
        spare, self._spare = self._spare, None
        if spare is not None and _is_broken(spare):
            spare.shutdown(wait=False)
            spare = None
        if spare is not None:
            self._executor = spare
            log.warning("aidlp: a scan worker died; the spare worker took over")
        else:
            self.ready = False
            log.warning("aidlp: a scan worker died; restarting the scan workers")
        executor, pings = await asyncio.to_thread(self._launch)
        if spare is None:
            self._executor = executor
        try:
            await _first_ready(pings)
        except BrokenProcessPool:
            log.error("aidlp: restarted scan workers died while starting")
            return  # the next scan or the watchdog tries again
        if self._executor in (executor, spare):
            self._executor = executor
            self.ready = True
            log.warning("aidlp: scan workers restarted in %.1f s", time.monotonic() - started)
        if spare is not None:
            self._spare = spare  # back to standby, still warm
        elif self.settings.spare and self._spare is None:
            self._spare_warming = loop.create_task(self._warm_spare())

    def shutdown(self) -> None:
        """Stop the workers and wait for them (bounded by the in-worker scan time box)."""
        self.ready = False
        self.inline = None  # a shut-down pool scans nothing, not even inline (fails closed)
        launching = self._executor is None  # start() still waits for the template's workers
        for task in (self._watchdog, self._spare_warming):
            if task is not None:
                task.cancel()
        self._watchdog = self._spare_warming = None
        if self._spare is not None:
            self._spare.shutdown(wait=True, cancel_futures=True)
            self._spare = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self.template is not None:
            # it exits once no worker forked from it is left; killed if a launch still
            # waits on it (a SIGTERM during start-up then exits at once, not once warm)
            self.template.stop(kill=launching)
            self.template = None

    async def close(self, grace: float) -> None:
        """Shut down once every pending scan has returned, waiting at most ``grace`` seconds.

        Used on reload: the replacement pool already serves new scans, this one drains.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self.pending and loop.time() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.to_thread(self.shutdown)  # joins the workers: not on the event loop

    async def scan(
        self, text: str, seams: Sequence[Seam] = (), body_end: int | None = None
    ) -> ScanResult:
        """Scan ``text`` (and its part boundaries, ``seams``; the prompt ends at ``body_end``,
        see :meth:`detectors.engine.ScanEngine.scan`): inline when stage 1 settles it
        (:class:`InlineStage`), else in a worker. Raises :class:`ScanFailure` on any failure
        (fail closed)."""
        inline = self.inline
        if inline is not None and inline.accepts(text):
            result = inline.scan(text, seams, body_end)
            if result is not None:
                return result
        self.pending += 1
        try:
            if not isinstance(seams, DeferredSeams):  # built ones go as they are
                seams = tuple(seams)
            packed = await self._call(_scan_in_worker, text, self.settings.timeout, seams, body_end)
        finally:
            self.pending -= 1
        return unpack_result(packed)

    async def read_images(self, images: list[bytes], ocr_json: str, budget: float) -> list:
        """OCR ``images`` in a worker (:func:`proxy.ocr.worker.read_images`): per image
        ``(True, text)`` or ``(False, reason)``. Raises :class:`ScanFailure` like :meth:`scan`."""
        from proxy.ocr.worker import read_images

        self.pending += 1
        try:
            return await self._call(read_images, images, ocr_json, outer=budget)
        finally:
            self.pending -= 1

    async def _call(self, fn: Any, *args: Any, outer: float | None = None) -> Any:
        if self._executor is None or self._slots is None:
            raise ScanFailure("scan_error", "scanner not started")
        try:
            await asyncio.wait_for(self._slots.acquire(), self.settings.queue_wait)
        except TimeoutError as exc:
            raise ScanFailure("overloaded") from exc
        self.in_flight += 1
        try:
            try:
                outcome = await self._submit(fn, args, outer)
            except BrokenProcessPool as exc:
                # A worker died (perhaps on this very text). Retry once on fresh workers; a
                # second death fails closed.
                await self._recover(getattr(exc, "executor", self._executor))
                try:
                    outcome = await self._submit(fn, args, outer)
                except BrokenProcessPool as again:
                    await self._recover(getattr(again, "executor", self._executor))
                    raise ScanFailure("scan_error", "worker died") from again
        except TimeoutError as exc:
            raise ScanFailure("scan_timeout") from exc
        except ScanFailure:
            raise
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the caller was cancelled: not ours to swallow
            # the executor dropped a queued scan (pool shut down): fail closed, don't crash
            raise ScanFailure("scan_error", "pool shut down") from None
        except Exception as exc:
            raise ScanFailure("scan_error", type(exc).__name__) from exc
        finally:
            self.in_flight -= 1
            self._slots.release()
        if isinstance(outcome, str):
            raise ScanFailure(outcome)
        return outcome

    async def _submit(self, fn: Any, args: tuple, outer: float | None = None) -> Any:
        executor = self._executor
        if executor is None:
            raise ScanFailure("scan_error", "pool shut down")
        loop = asyncio.get_running_loop()
        try:
            future = loop.run_in_executor(executor, fn, *args)
            # Outer backstop: in-worker timer plus queueing slack.
            backstop = (outer or self.settings.timeout) * 2 + self.settings.queue_wait
            return await asyncio.wait_for(future, backstop)
        except BrokenProcessPool as exc:
            exc.executor = executor  # type: ignore[attr-defined]  # which one broke
            raise
