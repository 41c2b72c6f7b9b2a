"""`aidlp scan` and `aidlp eval`: outputs, exit codes, and that texts never leak into output."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from proxy.cli import main

NINO = "AB 12 34 56 C"
LEAK = f"Claimant Sarah Example, NI number {NINO}, phoned about her payment."
CLEAN = "Please draft an agenda for the quarterly team meeting about office moves."


def _stdin(monkeypatch: pytest.MonkeyPatch, data: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))


def _assert_no_text(out: str, *texts: str) -> None:
    for text in texts:
        assert text not in out
    assert NINO not in out and NINO.replace(" ", "") not in out


def test_scan_jsonl_contract(monkeypatch, capsys):
    lines = [json.dumps({"id": "a1", "text": LEAK}), "", json.dumps({"id": 7, "text": CLEAN})]
    _stdin(monkeypatch, "\n".join(lines) + "\n")
    assert main(["scan", "--jsonl"]) == 0
    captured = capsys.readouterr()
    _assert_no_text(captured.out + captured.err, LEAK, CLEAN)
    rows = [json.loads(line) for line in captured.out.splitlines()]
    assert [r["id"] for r in rows] == ["a1", 7]
    leak, clean = rows
    assert set(leak) == {"id", "decision", "categories", "findings"}
    assert leak["decision"] == "block"
    assert "PERSONAL_DATA" in leak["categories"]
    for finding in leak["findings"]:
        assert set(finding) == {"category", "entity_type", "start", "end", "score", "detector"}
        assert 0 <= finding["start"] < finding["end"] <= len(LEAK)
    # offsets index the original text: some finding covers exactly the NINO
    spans = {(f["start"], f["end"]) for f in leak["findings"]}
    start = LEAK.index(NINO)
    assert any(s <= start and e >= start + len(NINO) for s, e in spans)
    assert clean == {"id": 7, "decision": "allow", "categories": [], "findings": []}


def test_scan_table_and_json_from_file(tmp_path, capsys):
    path = tmp_path / "prompt.txt"
    path.write_text(LEAK, encoding="utf-8")
    assert main(["scan", str(path)]) == 0
    table = capsys.readouterr().out
    assert table.startswith("decision: block")
    assert "PERSONAL_DATA" in table and "DETECTOR" in table
    _assert_no_text(table, LEAK)

    assert main(["scan", "--json", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "block" and out["chars"] == len(LEAK)
    assert "text" not in out


def test_scan_clean_text_table(monkeypatch, capsys):
    _stdin(monkeypatch, CLEAN)
    assert main(["scan", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("decision: allow") and "no findings" in out
    assert CLEAN not in out


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"id": 1, "text": "x"}\n{not json}\n', "line 2: invalid JSON"),
        ('{"id": 1, "text": "x"}\n\n{"id": 2}\n', "line 3: missing field(s): text"),
        ('{"id": 1, "text": 5}\n', "line 1: field 'text' must be a string"),
        ('["id", "text"]\n', "line 1: expected a JSON object"),
    ],
)
def test_scan_jsonl_bad_line_is_an_error(monkeypatch, capsys, payload, message):
    _stdin(monkeypatch, payload)
    assert main(["scan", "--jsonl"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing is emitted for a batch that fails validation
    assert message in captured.err


def test_scan_errors_for_missing_file_index_and_bad_config(tmp_path, capsys):
    assert main(["scan", str(tmp_path / "nope.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err

    (tmp_path / "p.txt").write_text(CLEAN)
    assert (
        main(["scan", "--fingerprints", str(tmp_path / "missing.idx"), str(tmp_path / "p.txt")])
        == 2
    )
    assert "fingerprint index not found" in capsys.readouterr().err

    bad = tmp_path / "bad.yaml"
    bad.write_text("detectors:\n  no_such_setting: 1\n")
    assert main(["scan", "--config", str(bad), str(tmp_path / "p.txt")]) == 2
    assert "no_such_setting" in capsys.readouterr().err


def test_scan_rejects_invalid_utf8(tmp_path, capsys):
    path = tmp_path / "bin.txt"
    path.write_bytes(b"abc\xff\xfe")
    assert main(["scan", str(path)]) == 2
    assert "not valid UTF-8" in capsys.readouterr().err


def _corpus(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


WRONG_TEXT = "A harmless note about the office plants needing water."


def test_eval_reports_metrics_and_wrong_cases_without_text(tmp_path, capsys):
    corpus = _corpus(
        tmp_path,
        [
            {"id": "leak", "text": LEAK, "expect": "block", "categories": ["PERSONAL_DATA"]},
            {"id": "clean", "text": CLEAN, "expect": "allow", "categories": []},
            # deliberately mislabelled: the engine must allow it, so eval must list it as wrong
            {
                "id": "mislabelled",
                "text": WRONG_TEXT,
                "expect": "block",
                "categories": ["CREDENTIALS"],
            },
        ],
    )
    assert main(["eval", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert "block recall:     0.5000" in out
    assert "false-block rate: 0.0000" in out
    assert "mislabelled  expected=block got=allow" in out
    assert "CREDENTIALS" in out and "PERSONAL_DATA" in out
    _assert_no_text(out, LEAK, CLEAN, WRONG_TEXT)

    assert main(["eval", "--json", str(corpus)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["cases"] == 3 and summary["missed_blocks"] == 1
    assert summary["categories"]["CREDENTIALS"] == {
        "support": 1,
        "tp": 0,
        "fp": 0,
        "fn": 1,
        "precision": None,
        "recall": 0.0,
    }
    assert summary["categories"]["PERSONAL_DATA"]["tp"] == 1
    assert [w["id"] for w in summary["wrong"]] == ["mislabelled"]

    assert main(["eval", "--show-text", str(corpus)]) == 0
    assert WRONG_TEXT in capsys.readouterr().out


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": 1, "text": "x", "expect": "maybe", "categories": []}, "line 1: 'expect'"),
        (
            {"id": 1, "text": "x", "expect": "block", "categories": ["PII"]},
            "unknown categories: PII",
        ),
        ({"id": 1, "text": "x", "expect": "block", "categories": []}, "categories is empty"),
        ({"id": 1, "text": "x", "expect": "allow"}, "missing field(s): categories"),
    ],
)
def test_eval_bad_input_is_an_error(tmp_path, capsys, row, message):
    assert main(["eval", str(_corpus(tmp_path, [row]))]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""


def test_scan_jsonl_in_a_real_process(tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps({"id": "p", "text": LEAK}) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "proxy.cli", "scan", "--jsonl", str(batch)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    row = json.loads(proc.stdout)
    assert row["id"] == "p" and row["decision"] == "block"
    _assert_no_text(proc.stdout + proc.stderr, LEAK)

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "x"}\n{"id": 2, "text": \n')
    proc = subprocess.run(
        [sys.executable, "-m", "proxy.cli", "scan", "--jsonl", str(bad)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 2 and "line 2" in proc.stderr and proc.stdout == ""
