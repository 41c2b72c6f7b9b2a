"""`aidlp fingerprint build|info`: exit codes and messages."""

from __future__ import annotations

import json
from pathlib import Path

from fp_samples import INTERNAL

from proxy.cli import main


def test_build_and_info(tmp_path: Path, capsys):
    repo = tmp_path / "svc"
    repo.mkdir()
    (repo / "a.py").write_text(INTERNAL)
    out = tmp_path / "fp.idx"
    assert main(["fingerprint", "build", str(repo), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "source svc: 1 files" in printed and "wrote" in printed
    assert "weekly_amount_pence" not in printed
    assert main(["fingerprint", "info", str(out)]) == 0
    header = json.loads(capsys.readouterr().out)
    assert header["repos"][0]["name"] == "svc" and header["entries"] > 0


def test_build_errors(tmp_path: Path, capsys):
    missing = tmp_path / "missing"
    assert main(["fingerprint", "build", str(missing), "--out", str(tmp_path / "x")]) == 2
    assert "source directory not found" in capsys.readouterr().err
    assert (
        main(["fingerprint", "build", str(tmp_path), "--out", "x", "--public", str(missing)]) == 2
    )
    assert "public directory not found" in capsys.readouterr().err
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "f").write_text("")
    assert main(["fingerprint", "build", str(tmp_path), "--out", str(tmp_path / "taken")]) == 2
    assert "cannot write index" in capsys.readouterr().err
    assert main(["fingerprint", "build", str(tmp_path), "--out", "x", "--jobs", "0"]) == 2


def test_info_errors(tmp_path: Path, capsys):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"definitely not an index file")
    assert main(["fingerprint", "info", str(bad)]) == 2
    assert "bad magic" in capsys.readouterr().err
    assert main(["fingerprint", "info", str(tmp_path / "none")]) == 2
    assert "not found" in capsys.readouterr().err
