"""The warm templates scan workers are forked from: start-up and crash recovery in well under 2 s.

A cold worker imports spaCy, Presidio and NumPy and builds its
:class:`~detectors.engine.ScanEngine` (the spaCy model, the recognisers, the RE2 sets)
before its first scan: about 3.5 s of CPU on an idle core, many more under load, at every
start and after every crash. Instead, each scan pool has a *template*: a multiprocessing
forkserver that imports this module's builder (a forkserver *preload*) and so builds the
engine once, with the pool's detector settings and the files they name as they are when it
starts. Each scan worker is then a fork of it: a new or restarted worker is ready in tens of
milliseconds, and the engine's memory (the model's arrays above all) is shared copy-on-write
between workers (``gc.freeze`` keeps the collector from touching, and so copying, the
template's objects).

The first template is started as early as possible (``aidlp run`` starts it before
mitmproxy is even imported, so it warms up while mitmproxy starts) and the first pool takes
it. A pool made later (a reload changed the detector settings, a file they name, or the
worker count) gets a template of its own, built from what the reload just read: its
workers, and those that replace a crashed one, serve the new settings, and a change of file
content at the same path can never be served by an engine built from the old content. A
template stops once its pool has shut down.

The settings reach a template through the environment (a forkserver is a fresh interpreter:
it inherits the environment, not our objects), with an id only that template has; a worker
takes the template's engine only if both the settings and the id are its pool's, and builds
its own otherwise (slower, never wrong), as it does if a template failed to build. If a
template dies, multiprocessing starts it again (built from the newest template's
environment: its workers then build their own engines if that is not theirs).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from multiprocessing import context as mp_context
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from typing import Any

log = logging.getLogger("aidlp")

#: The detector settings (JSON) a template builds its engine with.
SETTINGS_ENV = "AIDLP_SCAN_TEMPLATE_SETTINGS"
#: The id of the template being started (see :func:`engine_for`).
ID_ENV = "AIDLP_SCAN_TEMPLATE_ID"
#: The module a template imports (its forkserver preload); nothing else imports it.
BUILDER = "proxy.scan_template_build"
#: The multiprocessing start method of the scan workers.
START_METHOD = "forkserver"

#: In a template (and so in every worker forked from it): the engine, its settings and the
#: template's id, set by :data:`BUILDER`.
engine: Any = None
settings_json: str | None = None
template_id: str | None = None

_lock = threading.Lock()
_templates: dict[str, Template] = {}  # id -> live template (in the proxy process)
_early: Template | None = None  # started by `aidlp run` before mitmproxy, not yet taken


class Template:
    """One warm template: a forkserver whose preload builds the engine for ``settings_json``."""

    def __init__(self, settings_json_: str) -> None:
        self.id = uuid.uuid4().hex
        self.settings_json = settings_json_
        self.server = forkserver.ForkServer()
        # "__main__": the parent's main script is imported once in the template, not per worker.
        self.server.set_forkserver_preload(["__main__", BUILDER])
        self._context = _TemplateContext(self.id)

    def start(self) -> None:
        """Start the forkserver now; it warms up in its own process (this returns at once)."""
        with _lock:
            _templates[self.id] = self
            os.environ[SETTINGS_ENV] = self.settings_json
            os.environ[ID_ENV] = self.id
            # One BLAS thread: workers scan one text at a time, and a forked process keeps
            # only the forking thread.
            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
            os.environ.setdefault("OMP_NUM_THREADS", "1")
            with sighup_blocked():  # inherited blocked: a reload signal never kills it
                self.server.ensure_running()

    def context(self) -> mp_context.BaseContext:
        """The multiprocessing context whose processes are forked from this template."""
        return self._context

    @property
    def pid(self) -> int | None:
        return self.server._forkserver_pid

    def stop(self, kill: bool = False) -> None:
        """Let the template go: it exits once the workers forked from it have (they hold
        its "alive" pipe), and is reaped in the background. Never blocks. ``kill``: it is
        killed now (a shutdown while it still builds its engine: a launch waiting on it
        would hold the proxy's exit until the engine is built)."""
        with _lock:
            _templates.pop(self.id, None)
            server = self.server
            pid, alive, address = (
                server._forkserver_pid,
                server._forkserver_alive_fd,
                server._forkserver_address,
            )
            server._forkserver_pid = server._forkserver_alive_fd = None
            server._forkserver_address = None
        if pid is None:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if alive is not None:
            os.close(alive)
        if address and not util.is_abstract_socket_namespace(address):
            with contextlib.suppress(OSError):
                os.unlink(address)
        threading.Thread(target=_reap, args=(pid,), daemon=True, name="aidlp template").start()


@contextlib.contextmanager
def sighup_blocked() -> Iterator[None]:
    """Block SIGHUP in this thread while it spawns processes, so they inherit it blocked.

    SIGHUP means "reload" to aidlp; a child (worker or multiprocessing's resource tracker)
    that got a process-group SIGHUP before setting its handler would otherwise die of it.
    A SIGHUP arriving meanwhile is delivered to the parent when the block lifts, not lost.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def start(settings_json_: str) -> None:
    """Start the first template now, in the background (``aidlp run``, before mitmproxy).

    The first pool with these settings takes it (:func:`acquire`). Does nothing if one was
    started already."""
    global _early
    if _early is None:
        template = Template(settings_json_)
        template.start()
        _early = template


def acquire(settings_json_: str) -> Template:
    """A template for a new pool: the early one if it has these settings and no pool took it
    yet, else a new one, started now."""
    global _early
    with _lock:
        early, _early = _early, None
    if early is not None and early.settings_json == settings_json_:
        return early
    if early is not None:  # started with other settings: not wanted
        early.stop()
    template = Template(settings_json_)
    template.start()
    return template


def context() -> mp_context.BaseContext:
    """A plain forkserver context (for code that has no pool template)."""
    return mp_context._default_context.get_context(START_METHOD)


def engine_for(settings_json_: str, template_id_: str | None) -> Any:
    """The template's engine if this process was forked from template ``template_id_`` and it
    was built with ``settings_json_`` (else None: the worker builds its own)."""
    if engine is None or settings_json != settings_json_ or template_id != template_id_:
        return None
    return engine


# ---- forking from a given template ---------------------------------------------------------
#
# multiprocessing has one forkserver per process; a template per pool needs several. These
# classes are the forkserver context, process and Popen with the server made explicit.


class _TemplateContext(mp_context.ForkServerContext):
    def __init__(self, template_id_: str) -> None:
        self.template_id = template_id_

    def Process(self, *args: Any, **kwargs: Any) -> TemplateProcess:
        process = TemplateProcess(*args, **kwargs)
        process.template_id = self.template_id
        return process


class TemplateProcess(mp_context.ForkServerProcess):
    """A process forked from the template named by its ``template_id``."""

    template_id: str = ""

    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        template = _templates.get(process_obj.template_id)
        if template is None:
            raise RuntimeError("aidlp: the scan-worker template was stopped")
        return _TemplatePopen(process_obj, template.server)


class _TemplatePopen(popen_forkserver.Popen):
    """``popen_forkserver.Popen`` asking a given forkserver (CPython 3.12's ``_launch``, with
    ``server`` in place of the module's one)."""

    def __init__(self, process_obj: Any, server: forkserver.ForkServer) -> None:
        self._server = server
        super().__init__(process_obj)

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        buf = io.BytesIO()
        mp_context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            mp_context.set_spawning_popen(None)
        self.sentinel, w = self._server.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)
