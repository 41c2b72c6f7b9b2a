"""Document extraction where it can be killed at its deadline.

pypdf (and friends) can spend tens of seconds on one crafted page, and a thread cannot be
stopped: a handful of tiny PDFs used to occupy every extraction thread and fail every other
request closed. Bodies that may hold documents (``heavy``: PDF / zip / OOXML magic, also in
base64, multipart, compressed, octet-stream or large) are extracted in a process pool:

- each job is time-boxed inside the worker (an interval timer interrupts Python code) and by
  the caller; a worker that does not answer by then is killed and the pool replaced;
- one client may run at most ``per_client`` heavy extractions at once; the rest wait (bounded)
  and then fail closed as ``overloaded``, so one client cannot occupy every worker;
- light bodies (ordinary JSON chat requests) stay on threads: they do not queue behind PDFs.

The worker functions take plain values (no mitmproxy objects) and return plain tuples.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import re2

log = logging.getLogger("aidlp")

HEAVY_MARKERS = (
    b"%PDF",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",  # OLE (legacy Office)
    b"JVBERi",  # base64 of %PDF
    b"UEsDB",  # base64 of PK\x03\x04
    b"0M8R4",  # base64 of the OLE magic
    b"{\\rtf",
    b"Obj\x01",  # Avro container (fastavro)
    b"T2JqA",  # base64 of Obj\x01
    b"\x78\x9f\x3e\x22",  # TNEF (winmail.dat)
    b"eJ8+I",  # base64 of the TNEF signature
    b"LZFu",  # compressed RTF (an Outlook rich-text body)
    b"WkZ1",  # base64 of "ZFu", bytes 9-11 of an LZFu compressed-RTF header
)
#: a file written inside text (the collector decodes it and reads it with the document
#: readers): a uuencode ``begin`` line or the BinHex 4.0 banner, also in a JSON string
_FILE_IN_TEXT = re2.compile(rb"(?i)(?:^|\n|\\n)begin [0-7]{3,4} |converted with binhex")
HEAVY_TYPES = ("multipart/", "application/pdf", "application/octet-stream", "application/zip")
HEAVY_TYPES += ("application/vnd.", "application/msword", "application/x-", "image/")
LIGHT_MAX_BYTES = 256 * 1024


def is_heavy(content_type: str, content_encoding: str, body: bytes) -> bool:
    """May extracting ``body`` involve a document reader (or decompression)?"""
    if not body:
        return False
    if content_encoding.strip().lower() not in ("", "identity"):
        return True
    if len(body) > LIGHT_MAX_BYTES:
        return True
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime.startswith(HEAVY_TYPES):
        return True
    return any(marker in body for marker in HEAVY_MARKERS) or _FILE_IN_TEXT.search(body) is not None


class _Deadline(BaseException):
    """The in-worker deadline (a BaseException, so ``except Exception`` in a reader cannot
    turn it into an ordinary parse failure and carry on)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Deadline


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGALRM, _on_alarm)


def _warm() -> bool:
    import proxy.extract  # noqa: F401 - import the readers once, before the first job

    return True


def _run_in_worker(function: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
    """``("ok", value)`` or ``("error", reason, detail)``; never raises."""
    from proxy.extract import ExtractionError

    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return ("ok", function(*args))
    except _Deadline:
        return ("error", "too_large", "extraction time budget exceeded")
    except ExtractionError as exc:
        return ("error", exc.reason, exc.detail)
    except RecursionError:
        return ("error", "unparseable", "nested too deeply")
    except Exception as exc:
        return ("error", "unparseable", type(exc).__name__)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


class ExtractionPool:
    """An async front to a small process pool for heavy extractions."""

    def __init__(self, processes: int = 2, per_client: int = 1, queue_wait: float = 10.0) -> None:
        self.processes = max(1, processes)
        self.per_client = max(1, per_client)
        self.queue_wait = queue_wait
        self._executor: ProcessPoolExecutor | None = None
        self._slots: asyncio.Semaphore | None = None
        self._clients: defaultdict[str, int] = defaultdict(int)
        self._changed: asyncio.Condition | None = None
        self.killed = 0  # workers replaced after missing their deadline

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
            )
        return self._executor

    def _replace(self) -> None:
        """Kill every worker of the current pool (one is stuck past its deadline)."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        self.killed += 1
        for process in list(getattr(executor, "_processes", {}).values()):
            with contextlib.suppress(Exception):
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)

    #: attempts at spawning the workers at start-up (a fork can fail transiently on a loaded
    #: machine: EAGAIN, a lost pipe); between attempts the pool is replaced
    START_ATTEMPTS = 3

    async def start(self) -> None:
        """Spawn the workers now (not on the first document) and wait until they are up."""
        loop = asyncio.get_running_loop()
        for attempt in range(1, self.START_ATTEMPTS + 1):
            executor = self._pool()
            try:
                await asyncio.gather(
                    *(loop.run_in_executor(executor, _warm) for _ in range(self.processes))
                )
                return
            except (OSError, BrokenProcessPool) as exc:
                if attempt == self.START_ATTEMPTS:
                    raise
                log.warning(
                    "aidlp: starting the document extractors failed (%s: %s); retrying",
                    type(exc).__name__,
                    exc,
                )
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
                await asyncio.sleep(0.5 * attempt)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def run(
        self, client: str, timeout: float, function: Callable[..., Any], *args: Any
    ) -> Any:
        """``function(*args)`` in a worker within ``timeout`` seconds. Raises
        :class:`proxy.extract.ExtractionError` on any failure (fail closed)."""
        from proxy.extract import ExtractionError

        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self._clients[client] < self.per_client),
                    self.queue_wait,
                )
            except TimeoutError:
                raise ExtractionError("overloaded", "too many documents at once") from None
            self._clients[client] += 1
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.processes)
        try:
            try:  # a free worker, so that the deadline below measures the job alone
                await asyncio.wait_for(self._slots.acquire(), self.queue_wait)
            except TimeoutError:
                raise ExtractionError("overloaded", "document extraction is busy") from None
            loop = asyncio.get_running_loop()
            executor = self._pool()
            try:
                outcome = await asyncio.wait_for(
                    loop.run_in_executor(executor, _run_in_worker, function, args, timeout),
                    timeout * 2 + 5.0,  # the in-worker timer first; this is the backstop
                )
            except TimeoutError:
                if executor is self._executor:
                    self._replace()
                raise ExtractionError("too_large", "extraction time budget exceeded") from None
            except BrokenProcessPool:
                if executor is self._executor:
                    self._replace()
                raise ExtractionError("unparseable", "extraction worker died") from None
            finally:
                self._slots.release()
        finally:
            async with self._changed:
                self._clients[client] -= 1
                if not self._clients[client]:
                    del self._clients[client]
                self._changed.notify_all()
        if outcome[0] == "ok":
            return outcome[1]
        raise ExtractionError(outcome[1], outcome[2])


# ---- jobs (module level: they are pickled by name into the workers) -------------------------


def extract_message(
    host: str,
    path: str,
    content: bytes,
    is_text: bool,
    settings: Any,
    limit: int,
    markers: tuple[str, ...],
    fields: tuple[str, ...],
) -> tuple[Any, str | None]:
    """(extraction, routing verdict) of one client-to-server websocket message."""
    from proxy.extract import extract_websocket_message
    from proxy.transport.routing import RoutingCheck

    extraction = extract_websocket_message(host, path, content, is_text, settings, limit)
    return extraction, RoutingCheck(markers, fields).body_verdict(content)
