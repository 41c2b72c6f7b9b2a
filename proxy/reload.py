"""Hot reload: SIGHUP, or a change to a watched file, rebuilds the runtime and swaps it whole.

No connection is dropped. The new config is loaded and validated off the event loop; only
when everything built does the addon's ``runtime`` (and, if the detector settings or the files
they name changed, its scan ``pool``) get replaced, in one synchronous step. Requests already
scanning keep the pool they started on; the old pool shuts down once they have returned.
A bad new config changes nothing: the old one keeps serving and an error event is emitted.

Watched files: the config file(s), the catalogue, and every other path the config names
(approval keys and revocations, the fingerprint index, ...), polled by stat signature, so
an in-place edit, an atomic rename and a Kubernetes ConfigMap symlink swap all count.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from proxy.catalogue import ToolStatus
from proxy.config import LoadedConfig, ReloadSettings, load_config
from proxy.events.schema import CONFIG_RELOAD_FAILED, CONFIG_RELOADED, TOKEN_PATTERN
from proxy.runtime import Runtime, pool_settings
from proxy.worker_pool import ScanPool

log = logging.getLogger("aidlp")

#: Sections bound at start-up (the proxy's listening socket); a change needs a restart.
#: (The addon moves the metrics server itself.)
RESTART_SECTIONS = ("listen",)

Signature = tuple[int, int, int] | None  # (inode, mtime_ns, size); None: missing


class Swappable(Protocol):
    """What the reloader drives: :class:`proxy.addons.host.RuntimeHost`, or anything like it."""

    runtime: Runtime | None
    pool: ScanPool | None
    #: the watched files' signatures as the current runtime's config read them (start-up)
    loaded_files: dict[str, Signature]

    def build_runtime(self, loaded: LoadedConfig) -> Runtime: ...

    def new_pool(self, loaded: LoadedConfig) -> ScanPool: ...

    def activate(self, runtime: Runtime, pool: ScanPool | None = None) -> None:
        """Swap in ``runtime`` (and ``pool``) synchronously; close the old runtime's sinks."""


# ---- watched files ------------------------------------------------------------------------


#: Config fields naming files aidlp *writes*: never watched (each write would trigger a reload).
OUTPUT_FIELDS: frozenset[tuple[str, ...]] = frozenset(
    {("events", "file", "path"), ("register", "directory")}
)


def _strings(value: Any, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*where, str(key)))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, where)


def _named_paths(data: Any, prefix: tuple[str, ...] = ()) -> list[Path]:
    """Every string in ``data`` that names an existing absolute file or directory (inputs)."""
    found = []
    for where, value in _strings(data, prefix):
        if (where in OUTPUT_FIELDS) or os.sep not in value or "://" in value:
            continue
        path = Path(value)
        if path.is_absolute() and path.exists():
            found.append(path)
    return found


def watched_paths(loaded: LoadedConfig) -> list[Path]:
    """The files a reload would re-read: config sources plus every file the config names.

    A named directory contributes itself and the files directly in it (e.g. a keys directory).
    """
    paths: dict[str, Path] = {}
    candidates = [Path(s) for s in loaded.sources]
    candidates += _named_paths(loaded.config.model_dump(mode="json"))
    for path in candidates:
        paths.setdefault(str(path), path)
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file():
                    paths.setdefault(str(child), child)
    return list(paths.values())


def signature(path: Path) -> Signature:
    """What identifies a file's content cheaply; follows symlinks (ConfigMap swaps)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def snapshot(paths: Iterable[Path]) -> dict[str, Signature]:
    return {str(p): signature(p) for p in paths}


def snapshot_loading(
    path: str | None, load: Callable[[], LoadedConfig]
) -> tuple[LoadedConfig, dict[str, Signature]]:
    """Run ``load`` and return what it loaded with the watched files' signatures as read.

    The config file is stat'ed *before* it is read, so an edit that lands while (or just
    after) it is read still differs from the baseline and is reloaded; the files the config
    names are stat'ed right after. A baseline taken later (say once the scan workers are up,
    seconds on) would swallow an edit made during start-up.
    """
    before = snapshot([Path(path)]) if path else {}
    loaded = load()
    try:
        files = snapshot(watched_paths(loaded))
    except OSError:  # e.g. an unreadable directory: the reloader's own snapshot will say so
        return loaded, {}
    files.update((name, sig) for name, sig in before.items() if name in files)
    return loaded, files


def changed_paths(before: dict[str, Signature], after: dict[str, Signature]) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def pool_key(loaded: LoadedConfig) -> tuple[Any, ...]:
    """What a scan pool's workers were built from: settings plus the files they name.

    Workers load detector files (the spaCy model, the fingerprint index) once at start-up,
    so new content at the same path needs new workers too; so do the detectors' own
    vocabulary files (``detectors/data``).
    """
    from detectors.vocabulary import fingerprint

    detectors = loaded.config.detectors
    files = snapshot(_named_paths(detectors.model_dump(mode="json"), ("detectors",)))
    settings = pool_settings(loaded)
    return (
        detectors.model_dump_json(),
        settings.processes,
        settings.max_queue,
        tuple(sorted(files.items())),
        fingerprint(),
        hashlib.sha256(settings.subject_key or b"").hexdigest(),  # a new subject key
    )


def config_digest(loaded: LoadedConfig) -> str:
    """SHA-256 of the effective config and catalogue: equal on replicas running the same."""
    tools = sorted(
        (t.model_dump_json() for t in loaded.catalogue.tools.values()),
    )
    blob = json.dumps([loaded.config.model_dump_json(), tools], separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _counts(loaded: LoadedConfig, pool_rebuilt: bool) -> dict[str, int]:
    counts = {f"tools_{status.value}": 0 for status in ToolStatus}
    for tool in loaded.catalogue.tools.values():
        counts[f"tools_{tool.status.value}"] += 1
    counts["scan_workers"] = pool_settings(loaded).processes
    counts["scan_pool_rebuilt"] = int(pool_rebuilt)
    return counts


def _names(paths: Iterable[str]) -> list[str]:
    """File names for the event (schema: short tokens); full paths go to the log."""
    return sorted({Path(p).name for p in paths if TOKEN_PATTERN.fullmatch(Path(p).name)})[:50]


def _restart_required(old: LoadedConfig | None, new: LoadedConfig) -> list[str]:
    if old is None:
        return []
    return [
        name
        for name in RESTART_SECTIONS
        if getattr(old.config, name).model_dump() != getattr(new.config, name).model_dump()
    ]


# ---- the reloader ---------------------------------------------------------------------------


class Reloader:
    """Serialises reloads for one addon; owns the SIGHUP handler and the file watcher."""

    def __init__(self, target: Swappable, config_path: Callable[[], str | None]) -> None:
        self.target = target
        self.config_path = config_path
        self.running = False
        self._lock = asyncio.Lock()
        self._pending: list[tuple[str, list[str]]] = []
        self._wake: asyncio.Event | None = None
        self._ready: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._retiring: set[ScanPool] = set()
        self._paths: list[Path] = []
        self._baseline: dict[str, Signature] = {}
        self._pool_key: tuple[Any, ...] | None = None
        self._signal_installed = False
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- lifecycle ----

    def start(self) -> None:
        """Install the SIGHUP handler and start the watcher (call on the running loop).

        Reload requests that arrive before :meth:`ready` wait for it.
        """
        if self.running:
            return
        loop = self._loop = asyncio.get_running_loop()
        self._wake, self._ready = asyncio.Event(), asyncio.Event()
        try:
            loop.add_signal_handler(signal.SIGHUP, self.request, "sighup")
            self._signal_installed = True
        except (NotImplementedError, AttributeError, RuntimeError, ValueError):
            log.warning("aidlp: SIGHUP reload unavailable here; file watching still works")
        self.running = True
        self._spawn(self._worker())
        self._spawn(self._watch())

    def ready(self) -> None:
        """The current runtime and pool are live: take the baseline and accept reloads."""
        runtime = self.target.runtime
        if runtime is None or self._ready is None:
            return
        self._paths = watched_paths(runtime.loaded)
        loaded_files = getattr(self.target, "loaded_files", None) or {}
        current = snapshot(self._paths)
        # as read at load time: an edit made while the workers were starting is still seen
        self._baseline = {name: loaded_files.get(name, sig) for name, sig in current.items()}
        self._pool_key = pool_key(runtime.loaded)
        self._ready.set()

    def stop(self) -> None:
        """Remove the handler, stop the watcher, shut down pools still draining."""
        if self._signal_installed and self._loop is not None:
            with contextlib.suppress(RuntimeError, ValueError):
                self._loop.remove_signal_handler(signal.SIGHUP)
            self._signal_installed = False
        for task in list(self._tasks):
            task.cancel()
        for pool in list(self._retiring):
            pool.shutdown()
        self._retiring.clear()
        self.running = False

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        assert self._loop is not None
        task = self._loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _settings(self) -> ReloadSettings:
        runtime = self.target.runtime
        return runtime.loaded.config.reload if runtime is not None else ReloadSettings()

    # ---- triggers ----

    def request(self, trigger: str, changed: Iterable[str] = ()) -> None:
        """Ask for a reload (signal-handler safe: only queues). Bursts are coalesced."""
        self._pending.append((trigger, list(changed)))
        if self._wake is not None:
            self._wake.set()

    async def _worker(self) -> None:
        assert self._wake is not None and self._ready is not None
        await self._ready.wait()
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if not batch:
                continue
            triggers = sorted({t for t, _ in batch})
            changed = sorted({p for _, paths in batch for p in paths})
            try:
                await self.reload(",".join(triggers), changed)
            except Exception:  # never let the worker die: later reloads must still work
                log.exception("aidlp: reload crashed")

    async def _watch(self) -> None:
        assert self._ready is not None
        await self._ready.wait()
        while True:
            settings = self._settings()
            await asyncio.sleep(settings.interval_seconds)
            if not settings.watch or self._lock.locked():
                continue  # a reload in progress re-snapshots what it read
            current = snapshot(self._paths)
            changed = changed_paths(self._baseline, current)
            if not changed:
                continue
            # Let a writer finish (editors and copies write in steps), then settle the baseline
            # on what the reload will read: a failed reload is not retried until the next edit.
            await asyncio.sleep(min(0.5, settings.interval_seconds))
            self._baseline = snapshot(self._paths)
            self.request("file_change", changed)

    # ---- the reload itself ----

    async def reload(self, trigger: str = "manual", changed: Iterable[str] = ()) -> bool:
        """Load, validate and build the new config; swap it in. False (old kept) on any error."""
        async with self._lock:
            return await self._reload(trigger, list(changed))

    async def _reload(self, trigger: str, changed: list[str]) -> bool:
        started = time.perf_counter()
        target = self.target
        old = target.runtime
        settings = self._settings()
        before = snapshot(self._paths)
        new_pool: ScanPool | None = None
        runtime: Runtime | None = None
        reason = "config_invalid"
        try:
            loaded = await asyncio.to_thread(load_config, self.config_path())
            reason = "events_invalid"
            runtime = await asyncio.to_thread(target.build_runtime, loaded)
            key = pool_key(loaded)
            if key != self._pool_key or target.pool is None:
                reason = "scan_pool_failed"
                new_pool = target.new_pool(loaded)
                await asyncio.wait_for(new_pool.start(), settings.pool_start_timeout_seconds)
        except Exception as exc:
            if new_pool is not None:
                await asyncio.to_thread(new_pool.shutdown)
            if runtime is not None:
                _close_in_background(runtime)
            self._failed(old, trigger, changed, reason, exc)
            return False

        # ---- swap: one synchronous step, so a request sees the old pair or the new one ----
        old_pool = target.pool
        if new_pool is None and old_pool is not None:
            old_pool.settings = pool_settings(loaded)  # timeouts apply to the next scan
        target.activate(runtime, new_pool)
        self._pool_key = key
        new_paths = watched_paths(loaded)
        fresh = snapshot(p for p in new_paths if str(p) not in before)
        self._paths = new_paths
        self._baseline = {str(p): before.get(str(p), fresh.get(str(p))) for p in new_paths}
        if new_pool is not None and old_pool is not None:
            self._retire(old_pool, settings.drain_seconds)

        restart = _restart_required(old.loaded if old else None, loaded)
        runtime.recorder.emit(
            {
                "event": CONFIG_RELOADED,
                "source": trigger,
                "result": "ok",
                "reason": "restart_required" if restart else None,
                "digest": config_digest(loaded),
                "counts": _counts(loaded, new_pool is not None),
                "changed": _names(changed),
            }
        )
        log.info(
            "aidlp: config reloaded (%s%s) in %.0f ms; scan pool %s",
            trigger,
            f": {', '.join(changed)}" if changed else "",
            (time.perf_counter() - started) * 1000,
            "rebuilt" if new_pool is not None else "kept",
        )
        if restart:
            log.warning("aidlp: changes to %s take effect after a restart", ", ".join(restart))
        return True

    def _retire(self, pool: ScanPool, grace: float) -> None:
        """Shut ``pool`` down once its in-flight scans have returned (at most ``grace`` s)."""
        self._retiring.add(pool)

        async def retire() -> None:
            try:
                await pool.close(grace)
            finally:
                self._retiring.discard(pool)

        self._spawn(retire())

    def _failed(
        self, old: Runtime | None, trigger: str, changed: list[str], reason: str, exc: Exception
    ) -> None:
        # The message (field, file, line) goes to the operator's log; the event carries only
        # bounded tokens, as the event schema demands.
        log.error(
            "aidlp: reload failed (%s), previous config kept: %s", reason, exc or type(exc).__name__
        )
        if old is not None:
            old.recorder.emit(
                {
                    "event": CONFIG_RELOAD_FAILED,
                    "source": trigger,
                    "result": "failed",
                    "reason": reason,
                    "digest": config_digest(old.loaded),
                    "counts": None,
                    "changed": _names(changed),
                }
            )


def _close_in_background(runtime: Runtime) -> None:
    """Close a runtime's event sinks off the event loop (closing drains, which may wait)."""
    threading.Thread(target=runtime.recorder.close, daemon=True).start()
