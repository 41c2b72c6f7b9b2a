"""A lean process pool driven by the event loop itself: no manager thread, no feeder thread.

The stdlib :class:`~concurrent.futures.ProcessPoolExecutor` hands every call through a
queue-feeder thread and a manager thread, and wakes the manager through a pipe on every
submit. Each hand-off is then a handful of GIL hand-overs between those threads and the
event loop: under load (py-spy, bench/README.md) ``submit`` alone held the loop for about
1 ms per scan, most of it waiting to get the GIL back. Here each worker process has one
socket to the proxy; the event loop writes a framed, pickled call into it and reads the
result back from its own selector (``add_reader``), on its own thread: one ``send`` and one
``recv`` per scan.

:class:`LeanExecutor` keeps the parts of the executor's contract the scan pool relies on:
``submit`` (from any thread; a :class:`concurrent.futures.Future`), ``run`` (on the loop; an
:class:`asyncio.Future`, the hot path), ``shutdown(wait, cancel_futures)``, and the
all-or-nothing death of :class:`~concurrent.futures.process.BrokenProcessPool`: when any
worker dies, every call queued or running fails with it, and the pool replaces the executor.
The framing is multiprocessing's own (``Connection.send_bytes``: a 4-byte signed big-endian
length, or -1 and an 8-byte length), so the worker side is a plain ``Connection``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import pickle
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

_HEADER = struct.Struct("!i")
_LARGE = struct.Struct("!Q")
_READ_CHUNK = 1 << 18
#: Calls sent ahead to one worker: it starts the next as soon as it has sent a result, without
#: waiting for a busy event loop to read that result and send more. Measured (bench_proxy, one
#: worker, load 12-13): 2 ahead left the worker idle through loop stalls, 0.23-0.25 of bare
#: mitmproxy vs 0.41 with the stdlib pool; 8 ahead 0.32 vs 0.35, with less proxy CPU a request.
DEPTH = 8
#: How long shutdown(wait=True) waits for a worker to finish its call and exit.
JOIN_SECONDS = 10.0


def serve(conn: Connection, initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    """A worker's life: initialise, then run the calls in order until the socket closes."""
    if initializer is not None:
        initializer(*initargs)
    dumps, loads = pickle.dumps, pickle.loads
    while True:
        try:
            fn, args = loads(conn.recv_bytes())
        except (EOFError, OSError):
            return  # the proxy closed our socket (shutdown) or is gone
        try:
            reply = dumps((True, fn(*args)), pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # the caller decides (fail closed)
            try:
                reply = dumps((False, exc), pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle: its type name
                reply = dumps((False, RuntimeError(type(exc).__name__)), pickle.HIGHEST_PROTOCOL)
        try:
            conn.send_bytes(reply)
        except OSError:
            return


def _frame(payload: bytes) -> bytes:
    n = len(payload)
    if n > 0x7FFFFFFF:
        return _HEADER.pack(-1) + _LARGE.pack(n) + payload
    return _HEADER.pack(n) + payload


@dataclass(eq=False)
class _Call:
    payload: bytes
    future: asyncio.Future[Any] | concurrent.futures.Future[Any]


@dataclass(eq=False)
class _Worker:
    process: Any
    sock: socket.socket
    inbox: bytearray = field(default_factory=bytearray)
    outbox: bytearray = field(default_factory=bytearray)  # frames not yet sent, from ``sent``
    sent: int = 0
    calls: deque[_Call] = field(default_factory=deque)  # sent, in order, awaiting results
    writing: bool = False
    attached: bool = False


class LeanExecutor(concurrent.futures.Executor):
    """``max_workers`` processes of ``mp_context``, each running ``initializer(*initargs)``
    and then the calls it is sent, one at a time, driven by ``loop``.

    The processes start in the constructor (call it off the loop: forking waits for the
    template). Everything else runs on the loop's thread; ``submit`` and ``shutdown`` may be
    called from any thread.
    """

    def __init__(
        self,
        max_workers: int,
        mp_context: Any,
        initializer: Callable[..., Any] | None,
        initargs: tuple,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._loop = loop
        self._queue: deque[_Call] = deque()
        self._workers: list[_Worker] = []
        self._broken: str | bool = False
        self._shutdown = False
        self._lock = threading.RLock()  # guards _shutdown against submit() from other threads
        try:
            for _ in range(max_workers):
                ours, theirs = socket.socketpair()
                child = Connection(theirs.detach())
                process = mp_context.Process(
                    target=serve, args=(child, initializer, initargs), daemon=True
                )
                process.start()
                child.close()
                ours.setblocking(False)
                self._workers.append(_Worker(process, ours))
        except BaseException:
            for worker in self._workers:
                worker.sock.close()
                worker.process.kill()
            raise
        self._on_loop(self._attach)

    # ---- threads --------------------------------------------------------------------------

    def _on_loop_thread(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def _on_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        if self._on_loop_thread():
            fn(*args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)

    def _attach(self) -> None:
        for worker in self._workers:
            if self._broken or self._shutdown:
                return
            self._loop.add_reader(worker.sock.fileno(), self._readable, worker)
            worker.attached = True
        self._dispatch()

    # ---- calls ----------------------------------------------------------------------------

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """``fn(*args)`` in a worker, from the loop's thread. Raises BrokenProcessPool or
        RuntimeError (shut down) at once, like ``submit``."""
        if self._broken:
            raise BrokenProcessPool(self._broken)
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        future = self._loop.create_future()
        self._queue.append(_Call(pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL), future))
        self._dispatch()
        return future

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """``fn(*args)`` in a worker, from any thread: a concurrent.futures.Future."""
        if kwargs:
            raise TypeError("LeanExecutor.submit takes positional arguments only")
        with self._lock:
            if self._broken:
                raise BrokenProcessPool(self._broken)
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future: concurrent.futures.Future[Any] = concurrent.futures.Future()
            call = _Call(pickle.dumps((fn, args), pickle.HIGHEST_PROTOCOL), future)
            self._on_loop(self._enqueue, call)
        return future

    def _enqueue(self, call: _Call) -> None:
        if self._broken or self._shutdown:
            self._fail(call, self._failure())
            return
        self._queue.append(call)
        self._dispatch()

    def _least_busy(self) -> _Worker | None:
        best = None
        for worker in self._workers:
            free = worker.attached and len(worker.calls) < DEPTH
            if free and (best is None or len(worker.calls) < len(best.calls)):
                best = worker
        return best

    def _dispatch(self) -> None:
        queue = self._queue
        while queue:
            worker = self._least_busy()
            if worker is None:
                return
            call = queue.popleft()
            if call.future.done():  # cancelled while queued
                continue
            future = call.future
            if isinstance(future, concurrent.futures.Future) and not (
                future.set_running_or_notify_cancel()
            ):
                continue
            worker.calls.append(call)
            worker.outbox += _frame(call.payload)
            self._flush(worker)
            if self._broken:
                return

    def _flush(self, worker: _Worker) -> None:
        try:
            with memoryview(worker.outbox) as view:
                worker.sent += worker.sock.send(view[worker.sent :])
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self._died(worker)
            return
        pending = worker.sent < len(worker.outbox)
        if not pending:
            worker.outbox.clear()
            worker.sent = 0
        if pending and not worker.writing:
            self._loop.add_writer(worker.sock.fileno(), self._flush, worker)
            worker.writing = True
        elif not pending and worker.writing:
            self._loop.remove_writer(worker.sock.fileno())
            worker.writing = False

    def _readable(self, worker: _Worker) -> None:
        try:
            chunk = worker.sock.recv(_READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._died(worker)
            return
        inbox = worker.inbox
        inbox += chunk
        while len(inbox) >= 4 and not (self._broken or self._shutdown):
            (size,) = _HEADER.unpack_from(inbox)
            start = 4
            if size == -1:
                if len(inbox) < 12:
                    return
                (size,) = _LARGE.unpack_from(inbox, 4)
                start = 12
            if len(inbox) < start + size:
                return
            payload = bytes(inbox[start : start + size])
            del inbox[: start + size]
            self._settle(worker, payload)

    def _settle(self, worker: _Worker, payload: bytes) -> None:
        if not worker.calls:  # a reply nobody asked for: the protocol is broken
            self._died(worker)
            return
        call = worker.calls.popleft()
        try:
            ok, value = pickle.loads(payload)  # noqa: S301  # our own worker, private socket
        except Exception as exc:
            ok, value = False, exc
        future = call.future
        if not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._dispatch()

    # ---- endings --------------------------------------------------------------------------

    def _failure(self) -> BaseException:
        if self._broken:
            return BrokenProcessPool(self._broken)
        return RuntimeError("executor shut down")

    @staticmethod
    def _fail(call: _Call, exc: BaseException) -> None:
        future = call.future
        if future.done():
            return
        concurrent_pending = isinstance(future, concurrent.futures.Future) and not future.running()
        if concurrent_pending and not future.set_running_or_notify_cancel():
            return  # it was cancelled
        future.set_exception(exc)

    @classmethod
    def _cancel(cls, call: _Call) -> None:
        """Cancel a call (a running concurrent one cannot be: it fails instead)."""
        if not call.future.cancel():
            cls._fail(call, RuntimeError("executor shut down"))

    def _died(self, worker: _Worker) -> None:
        """A worker is gone (or spoke out of turn): the whole executor is broken, as the
        stdlib's is; every call queued or running fails with BrokenProcessPool."""
        if self._broken:
            return
        with self._lock:
            self._broken = "a scan worker terminated abruptly"
        self._detach(kill=True)

    def _detach(self, kill: bool, cancel_running: bool = False) -> None:
        """Stop driving the workers (loop thread): sockets closed, calls failed."""
        failure = self._failure()
        for worker in self._workers:
            if worker.attached:
                self._loop.remove_reader(worker.sock.fileno())
                worker.attached = False
            if worker.writing:
                self._loop.remove_writer(worker.sock.fileno())
                worker.writing = False
            worker.sock.close()
            while worker.calls:
                call = worker.calls.popleft()
                if cancel_running and not self._broken:
                    self._cancel(call)
                else:
                    self._fail(call, failure)
            if kill:
                with contextlib.suppress(Exception):
                    worker.process.kill()
        while self._queue:
            call = self._queue.popleft()
            if self._broken:
                self._fail(call, failure)
            else:
                self._cancel(call)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop: queued calls are cancelled, running ones cancelled too (their workers finish
        them and exit: their sockets close); with ``wait``, join the processes (killed after
        :data:`JOIN_SECONDS`)."""
        with self._lock:
            already = self._shutdown
            self._shutdown = True
        if not already:
            if self._on_loop_thread() or self._loop.is_closed() or not self._loop.is_running():
                self._detach(kill=False, cancel_running=True)
            else:
                done = threading.Event()

                def detach() -> None:
                    try:
                        self._detach(kill=False, cancel_running=True)
                    finally:
                        done.set()

                try:
                    self._loop.call_soon_threadsafe(detach)
                except RuntimeError:  # the loop closed meanwhile
                    detach()
                done.wait(JOIN_SECONDS)
        if wait:
            for worker in self._workers:
                worker.process.join(JOIN_SECONDS)
                if worker.process.is_alive():
                    worker.process.kill()
                    worker.process.join(1)

    @property
    def pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]
