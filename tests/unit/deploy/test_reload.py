"""Hot reload: real config files, real Runtime, real scan worker processes."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import time
from pathlib import Path

import pytest

from proxy.addons import RuntimeHost
from proxy.catalogue import ToolStatus
from proxy.config import load_config
from proxy.events.schema import CONFIG_RELOAD_FAILED as RELOAD_FAILED
from proxy.events.schema import CONFIG_RELOADED as RELOADED
from proxy.reload import (
    Reloader,
    changed_paths,
    pool_key,
    signature,
    snapshot,
    snapshot_loading,
    watched_paths,
)
from proxy.runtime import pool_settings
from proxy.worker_pool import ScanFailure, ScanPool

#: Takes the placeholder engine a few hundred ms per scan (many findings to return).
SLOW_TEXT = "AB 12 34 56 C " * 20000

CATALOGUE = """\
version: 1
tools:
  - id: acme
    name: Acme AI
    hosts: [chat.acme-ai.test]
"""


def write_config(path: Path, *, processes: int = 1, extra: str = "", watch: bool = False) -> None:
    path.write_text(
        "catalogue:\n  file: catalogue.yaml\n"
        f"events:\n  stdout: false\n  file:\n    path: {path.parent / 'events.jsonl'}\n"
        f"workers:\n  processes: {processes}\n"
        "limits:\n  scan_timeout_seconds: 60\n"  # queued test scans must not time out
        f"reload:\n  watch: {str(watch).lower()}\n  interval_seconds: 0.2\n  drain_seconds: 10\n"
        + extra
    )


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "catalogue.yaml").write_text(CATALOGUE)
    write_config(tmp_path / "aidlp.yaml")
    return tmp_path


def events(config_dir: Path, name: str) -> list[dict]:
    """Events of kind ``name`` written by the real file sink (read after the recorders close)."""
    path = config_dir / "events.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return [r for r in map(json.loads, lines) if r.get("event") == name]


async def started(config: Path) -> tuple[RuntimeHost, Reloader]:
    """The real addon, activated from ``config`` as mitmproxy's configure/running would."""
    addon = RuntimeHost()
    loaded = load_config(config)
    addon.activate(addon.build_runtime(loaded), addon.new_pool(loaded))
    await addon.pool.start()
    reloader = Reloader(addon, lambda: str(config))
    reloader.start()
    reloader.ready()
    return addon, reloader


def stop(holder: RuntimeHost, reloader: Reloader) -> None:
    reloader.stop()
    if holder.pool is not None:
        holder.pool.shutdown()
    holder.runtime.recorder.close()
    time.sleep(0.3)  # let recorders retired by activate() finish their background close


async def wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return predicate()


# ---- watched files -------------------------------------------------------------------------


def test_watched_paths_cover_config_catalogue_and_named_files(config_dir: Path) -> None:
    index = config_dir / "fingerprints.idx"
    index.write_bytes(b"index")
    unrelated = config_dir / "notes.txt"
    unrelated.write_text("not named by the config")
    write_config(
        config_dir / "aidlp.yaml", extra="detectors:\n  fingerprint_index: fingerprints.idx\n"
    )
    paths = {str(p) for p in watched_paths(load_config(config_dir / "aidlp.yaml"))}
    assert str(config_dir / "aidlp.yaml") in paths
    assert str(config_dir / "catalogue.yaml") in paths
    assert str(index) in paths
    assert str(unrelated) not in paths


def test_output_files_are_not_watched(config_dir: Path) -> None:
    """The event file sink's own file changes on every event: watching it would loop."""
    (config_dir / "events.jsonl").write_text("")
    paths = {str(p) for p in watched_paths(load_config(config_dir / "aidlp.yaml"))}
    assert str(config_dir / "aidlp.yaml") in paths
    assert str(config_dir / "events.jsonl") not in paths


def test_named_directory_contributes_its_files(config_dir: Path) -> None:
    keys = config_dir / "model"
    keys.mkdir()
    (keys / "meta.json").write_text("{}")
    write_config(config_dir / "aidlp.yaml", extra=f"detectors:\n  spacy_model: {keys}\n")
    paths = {str(p) for p in watched_paths(load_config(config_dir / "aidlp.yaml"))}
    assert str(keys) in paths
    assert str(keys / "meta.json") in paths


def test_signature_sees_edit_rename_and_configmap_symlink_swap(tmp_path: Path) -> None:
    # Kubernetes projects a ConfigMap as file -> ..data/file, ..data -> ..2024_xx (swapped).
    first, second = tmp_path / "..v1", tmp_path / "..v2"
    first.mkdir()
    second.mkdir()
    (first / "aidlp.yaml").write_text("a: 1\n")
    (second / "aidlp.yaml").write_text("a: 2\n")
    (tmp_path / "..data").symlink_to(first.name)
    (tmp_path / "aidlp.yaml").symlink_to("..data/aidlp.yaml")
    watched = [tmp_path / "aidlp.yaml"]
    before = snapshot(watched)
    assert before[str(watched[0])] is not None
    tmp = tmp_path / "..data_tmp"
    tmp.symlink_to(second.name)
    os.replace(tmp, tmp_path / "..data")  # the kubelet's atomic swap
    assert changed_paths(before, snapshot(watched)) == [str(watched[0])]
    assert signature(tmp_path / "missing.yaml") is None


def test_pool_key_changes_when_index_content_changes(config_dir: Path) -> None:
    index = config_dir / "fingerprints.idx"
    index.write_bytes(b"one")
    write_config(
        config_dir / "aidlp.yaml", extra="detectors:\n  fingerprint_index: fingerprints.idx\n"
    )
    key = pool_key(load_config(config_dir / "aidlp.yaml"))
    assert pool_key(load_config(config_dir / "aidlp.yaml")) == key
    index.write_bytes(b"two, longer")
    assert pool_key(load_config(config_dir / "aidlp.yaml")) != key


# ---- reloads ---------------------------------------------------------------------------------


def test_reload_swaps_runtime_and_keeps_pool(config_dir: Path) -> None:
    config = config_dir / "aidlp.yaml"

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            old_runtime, old_pool = holder.runtime, holder.pool
            assert old_runtime.catalogue.match("chat.acme-ai.test").status is ToolStatus.ONLINE
            (config_dir / "catalogue.yaml").write_text(CATALOGUE + "    status: blocked\n")
            assert await reloader.reload("sighup") is True
            assert holder.runtime is not old_runtime
            assert holder.pool is old_pool  # detector settings unchanged: workers kept
            assert holder.runtime.catalogue.match("chat.acme-ai.test").status is ToolStatus.BLOCKED
        finally:
            stop(holder, reloader)

    asyncio.run(go())
    [event] = events(config_dir, RELOADED)
    assert event["source"] == "sighup"
    assert event["result"] == "ok"
    assert event["counts"]["scan_pool_rebuilt"] == 0
    assert event["counts"]["tools_blocked"] == 1
    assert event["counts"]["tools_online"] == 0
    assert event["reason"] is None
    assert re.fullmatch(r"[0-9a-f]{64}", event["digest"])


def test_bad_config_keeps_old_runtime_and_emits_error(config_dir: Path, caplog) -> None:
    config = config_dir / "aidlp.yaml"

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            old_runtime, old_pool = holder.runtime, holder.pool
            config.write_text("policy:\n  mode: lenient\n")
            assert await reloader.reload("file_change", [str(config)]) is False
            assert holder.runtime is old_runtime
            assert holder.pool is old_pool
            result = await holder.pool.scan("still scanning")  # old config keeps serving
            assert result.chars == len("still scanning")
        finally:
            stop(holder, reloader)

    with caplog.at_level(logging.ERROR, logger="aidlp"):
        asyncio.run(go())
    [failure] = events(config_dir, RELOAD_FAILED)
    assert failure["result"] == "failed"
    assert failure["reason"] == "config_invalid"
    assert failure["changed"] == ["aidlp.yaml"]
    assert not events(config_dir, RELOADED)
    # the operator's log names the field, the file and the line
    message = "\n".join(r.getMessage() for r in caplog.records)
    assert "policy.mode" in message
    # file and line named; the log scrubber may mask identifier-like directory names
    assert f"{config.name} line 2" in message


def test_listen_change_is_flagged_restart_required(config_dir: Path) -> None:
    config = config_dir / "aidlp.yaml"

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            write_config(config, extra="listen:\n  port: 18099\n")
            assert await reloader.reload("sighup")
        finally:
            stop(holder, reloader)

    asyncio.run(go())
    [event] = events(config_dir, RELOADED)
    assert event["reason"] == "restart_required"


def test_detector_change_rebuilds_pool_and_drains_old(config_dir: Path) -> None:
    config = config_dir / "aidlp.yaml"

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            old_pool = holder.pool
            # one scan running in the single worker, many queued behind it (~0.3 s each)
            in_flight = [asyncio.create_task(old_pool.scan(SLOW_TEXT)) for _ in range(10)]
            await asyncio.sleep(0)
            assert old_pool.pending == 10
            write_config(config, processes=2)
            assert await reloader.reload("file_change", [str(config)])
            assert holder.pool is not old_pool
            assert holder.pool.settings.processes == 2
            for result in await asyncio.gather(*in_flight):  # all finish on the old pool
                assert "PERSONAL_DATA" in result.categories
            assert await wait_for(lambda: old_pool._executor is None)  # then it shuts down
            fresh = await holder.pool.scan("AB 12 34 56 C")
            assert fresh.categories == ["PERSONAL_DATA"]
        finally:
            stop(holder, reloader)

    asyncio.run(go())
    [event] = events(config_dir, RELOADED)
    assert event["counts"]["scan_pool_rebuilt"] == 1
    assert event["counts"]["scan_workers"] == 2


def test_close_waits_for_pending_scans(config_dir: Path) -> None:
    """A retired pool shuts down only after every scan it accepted has returned."""
    loaded = load_config(config_dir / "aidlp.yaml")

    async def go() -> None:
        pool = ScanPool(loaded.config.detectors, pool_settings(loaded))
        await pool.start()
        tasks = [asyncio.create_task(pool.scan(SLOW_TEXT)) for _ in range(6)]
        await asyncio.sleep(0)  # all submitted: one running, the rest queued
        assert pool.pending == 6
        await pool.close(30)
        assert all(t.done() for t in tasks), "close() returned before its scans did"
        for result in await asyncio.gather(*tasks):
            assert result.chars == len(SLOW_TEXT)
        assert pool.pending == 0
        with pytest.raises(ScanFailure):
            await pool.scan("after close")

    asyncio.run(go())


def test_file_change_triggers_reload(config_dir: Path) -> None:
    config = config_dir / "aidlp.yaml"
    write_config(config, watch=True)

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            old = holder.runtime
            (config_dir / "catalogue.yaml").write_text(
                CATALOGUE + "  - id: other\n    name: Other\n    hosts: ['*.other-ai.test']\n"
            )
            assert await wait_for(lambda: holder.runtime is not old)
            assert holder.runtime.catalogue.match("x.other-ai.test").id == "other"
        finally:
            stop(holder, reloader)

    asyncio.run(go())
    [event] = events(config_dir, RELOADED)
    assert event["source"] == "file_change"
    assert event["changed"] == ["catalogue.yaml"]


def test_sighup_triggers_reload(config_dir: Path) -> None:
    config = config_dir / "aidlp.yaml"

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            # never deliver SIGHUP unless the handler is in place: the default would kill pytest
            assert signal.getsignal(signal.SIGHUP) not in (signal.SIG_DFL, signal.SIG_IGN, None)
            old = holder.runtime
            os.kill(os.getpid(), signal.SIGHUP)
            assert await wait_for(lambda: holder.runtime is not old)
        finally:
            stop(holder, reloader)
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL

    asyncio.run(go())
    [event] = events(config_dir, RELOADED)
    assert event["source"] == "sighup"


def test_bad_file_change_is_not_retried_until_next_edit(config_dir: Path) -> None:
    config = config_dir / "aidlp.yaml"
    write_config(config, watch=True)

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            old = holder.runtime
            config.write_text("workers: [\n")
            await asyncio.sleep(2.0)  # ~10 poll intervals
            assert holder.runtime is old
            write_config(config, extra="policy:\n  mode: monitor\n", watch=True)
            assert await wait_for(lambda: holder.runtime is not old)
            assert holder.runtime.loaded.config.policy.mode.value == "monitor"
        finally:
            stop(holder, reloader)

    asyncio.run(go())
    assert len(events(config_dir, RELOAD_FAILED)) == 1
    assert len(events(config_dir, RELOADED)) == 1


def test_edit_made_while_the_workers_start_is_reloaded(config_dir: Path) -> None:
    """The baseline is what the start-up config read, not what is on disk once workers are up."""
    config = config_dir / "aidlp.yaml"
    write_config(config, watch=True)

    async def go() -> None:
        holder = RuntimeHost()
        loaded, holder.loaded_files = snapshot_loading(str(config), lambda: load_config(config))
        holder.activate(holder.build_runtime(loaded), holder.new_pool(loaded))
        # the operator edits the config while the scan workers are still starting
        time.sleep(0.05)  # a distinct mtime on coarse-clock file systems
        write_config(config, extra="policy:\n  mode: monitor\n", watch=True)
        await holder.pool.start()
        reloader = Reloader(holder, lambda: str(config))
        reloader.start()
        reloader.ready()
        try:
            old = holder.runtime
            assert await wait_for(lambda: holder.runtime is not old)
            assert holder.runtime.loaded.config.policy.mode.value == "monitor"
        finally:
            stop(holder, reloader)

    asyncio.run(go())
    [event] = events(config_dir, RELOADED)
    assert event["source"] == "file_change"
    assert event["changed"] == ["aidlp.yaml"]
