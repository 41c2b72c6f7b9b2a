"""The warm template scan workers are forked from: start-up and crash recovery in well under 2 s.

A cold worker imports spaCy, Presidio and NumPy and builds its
:class:`~detectors.engine.ScanEngine` (the spaCy model, the recognisers, the RE2 sets)
before its first scan: about 3.5 s of CPU on an idle core, many more under load, at every
start and after every crash. Instead, multiprocessing's *forkserver* is the template: it is
started as early as possible (``aidlp run`` starts it before mitmproxy is even imported, so
it warms up while mitmproxy starts), imports this module (a forkserver *preload*) and so
builds the engine once, with the configured detector settings. Each scan worker is then a
fork of it: a new or restarted worker is ready in tens of milliseconds, and the engine's
memory (the model's arrays above all) is shared copy-on-write between workers (``gc.freeze``
keeps the collector from touching, and so copying, the template's objects).

The settings reach the template through the environment variable
:data:`SETTINGS_ENV` (the forkserver is a fresh interpreter: it inherits the environment,
not our objects). A worker whose pool has other settings (a reload changed the detector
settings) builds its own engine as before: nothing but start-up time depends on the
template. If the template fails to build, workers build their engines themselves (slower,
never wrong); if it dies, multiprocessing starts it again.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Iterator
from typing import Any

#: The detector settings (JSON) the template builds its engine with.
SETTINGS_ENV = "AIDLP_SCAN_TEMPLATE_SETTINGS"
#: The module the template imports (its forkserver preload); nothing else imports it.
BUILDER = "proxy.scan_template_build"
#: The multiprocessing start method of the scan workers.
START_METHOD = "forkserver"

#: In the template (and so in every worker forked from it): the engine and its settings,
#: set by :data:`BUILDER`.
engine: Any = None
settings_json: str | None = None


def context() -> multiprocessing.context.BaseContext:
    """The multiprocessing context scan workers are made with (forked from the template)."""
    return multiprocessing.get_context(START_METHOD)


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


def start(settings_json_: str) -> None:
    """Start the template now, in the background, building an engine for ``settings_json_``.

    Returns at once (the template warms up in its own process). Does nothing if the
    forkserver already runs (its engine then stays as it was built)."""
    from multiprocessing import forkserver

    server = forkserver._forkserver  # the one per process (multiprocessing's own)
    if getattr(server, "_forkserver_pid", None) is not None:
        return
    os.environ[SETTINGS_ENV] = settings_json_
    # One BLAS thread: workers scan one text at a time, and a forked process keeps only
    # the forking thread.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # "__main__": the parent's main script is imported once in the template, not per worker.
    forkserver.set_forkserver_preload(["__main__", BUILDER])
    with sighup_blocked():  # inherited blocked: a reload signal never kills the template
        forkserver.ensure_running()


def engine_for(settings_json_: str) -> Any:
    """The template's engine if it was built with ``settings_json_`` (else None)."""
    return engine if engine is not None and settings_json == settings_json_ else None
