"""Hot reload: real config files, real Runtime, real scan worker processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest

from proxy.catalogue import ToolStatus
from proxy.config import load_config
from proxy.reload import (
    RELOAD_FAILED,
    RELOADED,
    Reloader,
    changed_paths,
    pool_key,
    signature,
    snapshot,
    watched_paths,
)
from proxy.runtime import Runtime, pool_settings
from proxy.scanning import ScanFailure, ScanPool

#: Takes the placeholder engine a few hundred ms per scan (many findings to return).
SLOW_TEXT = "AB 12 34 56 C " * 20000

CATALOGUE = """\
version: 1
tools:
  - id: acme
    name: Acme AI
    hosts: [chat.acme-ai.test]
"""


class Holder:
    """The two attributes the reloader swaps (the addon has the same pair)."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None
        self.pool: ScanPool | None = None


def write_config(path: Path, *, processes: int = 1, extra: str = "", watch: bool = False) -> None:
    path.write_text(
        "catalogue:\n  file: catalogue.yaml\n"
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


def events(capsys: pytest.CaptureFixture[str], name: str) -> list[dict]:
    out = capsys.readouterr().out
    found = []
    for line in out.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("event") == name:
                found.append(record)
    return found


async def started(config: Path) -> tuple[Holder, Reloader]:
    holder = Holder()
    loaded = load_config(config)
    holder.runtime = Runtime.build(loaded)
    holder.pool = ScanPool(loaded.config.detectors, pool_settings(loaded))
    await holder.pool.start()
    reloader = Reloader(holder, lambda: str(config))
    reloader.start()
    reloader.ready()
    return holder, reloader


def stop(holder: Holder, reloader: Reloader) -> None:
    reloader.stop()
    if holder.pool is not None:
        holder.pool.shutdown()


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


def test_reload_swaps_runtime_and_keeps_pool(config_dir: Path, capsys) -> None:
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
    [event] = events(capsys, RELOADED)
    assert event["trigger"] == "sighup"
    assert event["scan_pool"] == "kept"
    assert event["tools"] == {"blocked": 1}
    assert event["restart_required"] == []


def test_bad_config_keeps_old_runtime_and_emits_error(config_dir: Path, capsys) -> None:
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

    asyncio.run(go())
    out = capsys.readouterr().out
    failures = [json.loads(x) for x in out.splitlines() if RELOAD_FAILED in x]
    assert len(failures) == 1
    assert failures[0]["stage"] == "config"
    assert "policy.mode" in failures[0]["error"]
    assert f"{config} line 2" in failures[0]["error"]
    assert RELOADED not in out


def test_listen_change_is_flagged_restart_required(config_dir: Path, capsys) -> None:
    config = config_dir / "aidlp.yaml"

    async def go() -> None:
        holder, reloader = await started(config)
        try:
            write_config(config, extra="listen:\n  port: 18099\n")
            assert await reloader.reload("sighup")
        finally:
            stop(holder, reloader)

    asyncio.run(go())
    [event] = events(capsys, RELOADED)
    assert event["restart_required"] == ["listen"]


def test_detector_change_rebuilds_pool_and_drains_old(config_dir: Path, capsys) -> None:
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
    [event] = events(capsys, RELOADED)
    assert event["scan_pool"] == "rebuilt"


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


def test_file_change_triggers_reload(config_dir: Path, capsys) -> None:
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
    [event] = events(capsys, RELOADED)
    assert event["trigger"] == "file_change"
    assert event["changed"] == [str(config_dir / "catalogue.yaml")]


def test_sighup_triggers_reload(config_dir: Path, capsys) -> None:
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
    [event] = events(capsys, RELOADED)
    assert event["trigger"] == "sighup"


def test_bad_file_change_is_not_retried_until_next_edit(config_dir: Path, capsys) -> None:
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
    out = capsys.readouterr().out
    assert out.count(RELOAD_FAILED) == 1
    assert out.count(RELOADED) == 1
