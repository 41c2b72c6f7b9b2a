"""README.md's approval walkthrough, run as written (paths moved into a temporary directory).

Rule: the commands a governance officer copies from the README work, in order, and end with
the token valid, then revoked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- tested: {name} -->\s*```sh\n(.*?)```", text, re.S)
    assert match, f"no tested block {name!r} in README.md"
    return match.group(1)


def test_approval_walkthrough_runs_as_written(tmp_path: Path) -> None:
    script = readme_block("approval-walkthrough")
    etc = tmp_path / "etc"
    script = script.replace("/etc/aidlp", str(etc / "aidlp"))
    bin_dir = Path(sys.executable).parent
    # `uv run aidlp` is this environment's aidlp (the test already runs inside `uv run`)
    script = script.replace("uv run aidlp", shutil.which("aidlp", path=str(bin_dir)) or "aidlp")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # nine CLI runs; generous for a loaded CI machine
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (home / "aidlp-board" / "DPO.key").is_file()
    assert not list(ROOT.glob("**/DPO.key")), (
        "the walkthrough must not write keys into the checkout"
    )
    assert done.stdout.count("valid now") == 2
    assert ": yes" in done.stdout and "no: revoked" in done.stdout
    assert "revoked: exit 1" in done.stdout
    assert "jsmith" in done.stdout  # `approval list` shows the issued token
