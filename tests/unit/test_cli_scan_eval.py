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
    assert main(["scan", "--jsonl"]) == 1  # one line is blocked
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
    assert main(["scan", str(path)]) == 1
    table = capsys.readouterr().out
    assert table.startswith("decision: block")
    assert "for: generic_online_tool (online), policy mode enforce, no approval" in table
    assert "PERSONAL_DATA" in table and "DETECTOR" in table
    _assert_no_text(table, LEAK)

    assert main(["scan", "--json", str(path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "block" and out["chars"] == len(LEAK)
    assert out["tool"] == {"id": "generic_online_tool", "status": "online"}
    assert "text" not in out


def test_scan_honours_the_configured_policy(tmp_path, capsys):
    """The decision is the pipeline's under the config: here personal data is allowed for
    online tools, so the same text passes (and says so)."""
    path = tmp_path / "prompt.txt"
    path.write_text(LEAK, encoding="utf-8")
    config = tmp_path / "aidlp.yaml"
    config.write_text("policy:\n  categories:\n    PERSONAL_DATA: allow\n")
    assert main(["scan", "--json", "--config", str(config), str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decision"] == "allow" and "PERSONAL_DATA" in out["categories"]
    assert out["reason"] == "policy_allow"
    monitor = tmp_path / "monitor.yaml"
    monitor.write_text("policy:\n  mode: monitor\n")
    assert main(["scan", "--config", str(monitor), str(path)]) == 0
    assert "policy mode monitor" in capsys.readouterr().out


def test_scan_decides_for_the_named_tool(tmp_path, capsys):
    path = tmp_path / "prompt.txt"
    path.write_text(LEAK, encoding="utf-8")
    config = tmp_path / "aidlp.yaml"
    config.write_text(
        "policy:\n  statuses:\n    approved:\n      categories:\n        PERSONAL_DATA: allow\n"
        "catalogue:\n  extra_tools:\n    - id: dept_llm\n      name: Department LLM\n"
        "      hosts: [llm.internal.example]\n      status: approved\n"
    )
    assert main(["scan", "--config", str(config), "--tool", "dept_llm", str(path)]) == 0
    assert "for: dept_llm (approved)" in capsys.readouterr().out
    assert main(["scan", "--config", str(config), "--tool", "nope", str(path)]) == 2


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
    assert proc.returncode == 1, proc.stderr  # blocked
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


# -- aidlp eval: several corpora, groups, soft rows, reviewed labels, thresholds ------------


def _named_corpus(tmp_path: Path, name: str, rows: list[dict]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _two_corpora(tmp_path: Path) -> tuple[Path, Path]:
    pii = _named_corpus(
        tmp_path,
        "pii.jsonl",
        [
            {
                "id": "p1",
                "text": LEAK,
                "expect": "block",
                "categories": ["PERSONAL_DATA"],
                "group": "pii",
                "reviewed": "correct_block",
            },
            # a soft block row the engine allows: reported apart, never a miss
            {
                "id": "p2",
                "text": WRONG_TEXT,
                "expect": "block",
                "categories": ["PERSONAL_DATA"],
                "soft": True,
                "group": "pii",
            },
        ],
    )
    benign = _named_corpus(
        tmp_path,
        "benign.jsonl",
        [
            {
                "id": "b1",
                "text": CLEAN,
                "expect": "allow",
                "categories": [],
                "group": "benign",
                "reviewed": "correct_allow",
            },
            # a soft allow row the engine blocks: reported apart, never a false block
            {
                "id": "b2",
                "text": LEAK,
                "expect": "allow",
                "categories": [],
                "soft": True,
                "group": "benign",
                "reviewed": "false_block_other",
            },
            {
                "id": "b3",
                "text": WRONG_TEXT,
                "expect": "allow",
                "categories": [],
                "group": "benign",
            },
        ],
    )
    return pii, benign


def test_eval_several_corpora_per_corpus_group_soft_and_reviewed(tmp_path, capsys):
    """Rule: one run scans several corpora; soft rows never count as misses or false blocks."""
    pii, benign = _two_corpora(tmp_path)
    assert main(["eval", "--json", str(pii), str(benign)]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["cases"] == 5
    assert (s["expected_block"], s["expected_allow"]) == (1, 2)
    assert s["block_recall"] == 1.0 and s["false_block_rate"] == 0.0
    assert s["soft"]["cases"] == 2 and s["soft"]["blocked"] == 1
    assert s["soft"]["block_recall"] == 0.0 and s["soft"]["block_rate"] == 1.0
    assert s["corpora"][str(pii)]["expected_block"] == 1
    assert s["corpora"][str(benign)]["soft"]["cases"] == 1
    assert set(s["groups"]) == {"pii", "benign"}
    assert s["groups"]["benign"]["expected_allow"] == 2
    assert s["reviewed"] == {
        "correct_allow": {"rows": 1, "blocked": 0, "allowed": 1},
        "correct_block": {"rows": 1, "blocked": 1, "allowed": 0},
        "false_block_other": {"rows": 1, "blocked": 1, "allowed": 0},
    }
    assert s["wrong"] == []
    assert {w["id"] for w in s["soft_disagreements"]} == {"p2", "b2"}
    assert all(w["corpus"] in (str(pii), str(benign)) for w in s["soft_disagreements"])

    assert main(["eval", str(pii), str(benign)]) == 0
    out = capsys.readouterr().out
    assert "CORPUS" in out and "GROUP" in out and "REVIEWED" in out
    assert f"{benign}: b2  expected=allow got=block" in out
    _assert_no_text(out, LEAK, CLEAN, WRONG_TEXT)


def test_eval_json_keeps_false_block_rate_near_the_start(tmp_path, capsys):
    """Rule: tools grep '"false_block_rate": N' in the first 400 characters of the JSON."""
    _, benign = _two_corpora(tmp_path)
    assert main(["eval", "--json", str(benign)]) == 0
    head = capsys.readouterr().out[:400]
    assert '"false_block_rate": 0.0' in head


@pytest.mark.parametrize(
    ("flags", "status", "message"),
    [
        (["--min-recall", "0.9"], 1, "below --min-recall"),
        (["--min-recall", "0.5"], 0, ""),
        (["--max-false-block", "0.1"], 1, "above --max-false-block"),
        (["--max-false-block", "0.5"], 0, ""),
        (["--min-recall", "0.5", "--max-false-block", "0.5"], 0, ""),
    ],
)
def test_eval_thresholds_exit_1_when_short(tmp_path, capsys, flags, status, message):
    """Rule: --min-recall / --max-false-block make eval exit 1 when the figure falls short."""
    corpus = _named_corpus(
        tmp_path,
        "mixed.jsonl",
        [
            {"id": "hit", "text": LEAK, "expect": "block", "categories": ["PERSONAL_DATA"]},
            {"id": "miss", "text": WRONG_TEXT, "expect": "block", "categories": ["PERSONAL_DATA"]},
            {"id": "fb", "text": LEAK, "expect": "allow", "categories": []},
            {"id": "ok1", "text": CLEAN, "expect": "allow", "categories": []},
            {"id": "ok2", "text": WRONG_TEXT, "expect": "allow", "categories": []},
            {"id": "ok3", "text": CLEAN, "expect": "allow", "categories": []},
        ],
    )
    # recall 0.5, false-block 0.25
    assert main(["eval", *flags, str(corpus)]) == status
    err = capsys.readouterr().err
    assert (message in err) if message else ("aidlp eval:" not in err)


def test_eval_threshold_must_be_a_fraction(tmp_path, capsys):
    _, benign = _two_corpora(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["eval", "--min-recall", "95", str(benign)])
    assert exc.value.code == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_eval_progress_bar_goes_to_stderr_only(tmp_path, capsys):
    """Rule: the progress bar is on stderr (forced with --progress), never in the JSON."""
    pii, benign = _two_corpora(tmp_path)
    assert main(["eval", "--json", "--progress", str(pii), str(benign)]) == 0
    captured = capsys.readouterr()
    assert "aidlp eval" in captured.err and "/5 [" in captured.err
    json.loads(captured.out)  # stdout is only the JSON
    assert main(["eval", "--json", "--no-progress", str(pii)]) == 0
    assert capsys.readouterr().err == ""


def test_eval_bad_row_names_the_file(tmp_path, capsys):
    pii, _ = _two_corpora(tmp_path)
    bad = _named_corpus(
        tmp_path,
        "bad.jsonl",
        [{"id": 1, "text": "x", "expect": "allow", "categories": [], "soft": "yes"}],
    )
    assert main(["eval", str(pii), str(bad)]) == 2
    captured = capsys.readouterr()
    assert f"{bad}: line 1: 'soft' must be true or false" in captured.err
    assert captured.out == ""
    assert main(["eval", str(pii), str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in capsys.readouterr().err
