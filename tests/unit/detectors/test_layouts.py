"""Red team RT-120: a value laid out one character per LINE (whatever prefixes the line: a
list marker, a number, indentation, the rest of a table row), one per TAB, or in pairs
between one repeated separator, is read in order as a reader reads it (the joined view's
column and pair rules, detectors/joined.py). Payloads are built here; poems, lists, tables,
code and shell with one short item per line must stay allowed."""

from __future__ import annotations

import pytest

NINO = "JG103759A"  # valid format, made up
NHS = "9434765919"  # mod-11 valid, made up

LAYOUTS = {
    "one per line": "\n".join(NINO),
    "one per line, CRLF": "\r\n".join(NINO),
    "tab between characters": "\t".join(NINO),
    "numbered list": "\n".join(f"{i + 1}. {c}" for i, c in enumerate(NINO)),
    "numbered list, parenthesis": "\n".join(f"{i + 1}) {c}" for i, c in enumerate(NINO)),
    "bulleted list": "\n".join(f"- {c}" for c in NINO),
    "starred list": "\n".join(f"* {c}" for c in NINO),
    "indented": "\n".join("  " + c for c in NINO),
    "first column of a table": "\n".join(
        f"{c}    row {i + 1:02d}    ok" for i, c in enumerate(NINO)
    ),
    "yaml list": "ni:\n" + "\n".join(f"  - {c}" for c in NINO),
    "pairs with ' | '": "JG | 10 | 37 | 59 | A",
    "pairs with '/'": "JG/10/37/59/A",
    "quoted lines": "\n".join("> " + c for c in NINO),
    "bullets": "\n".join("\u2022 " + c for c in NINO),
    "checkboxes": "\n".join("- [ ] " + c for c in NINO),
    "blank line between": "\n\n".join(NINO),
    "comma after each": ",\n".join(NINO),
    "numbered (1)": "\n".join(f"({i + 1}) {c}" for i, c in enumerate(NINO)),
    "pairs per line": "JG\n10\n37\n59\nA",
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_value_laid_out_by_line_or_tab_blocks(engine, layout: str) -> None:
    """Rule: characters down a column or across tabs read as one value."""
    for text in (
        f"Claimant NI number {LAYOUTS[layout]} - draft the letter.",
        f"Claimant NI number (read in order):\n{LAYOUTS[layout]}\nDraft the letter.",
    ):
        assert engine.scan(text).categories == ["PERSONAL_DATA"], (layout, text)


def test_nhs_number_and_marking_down_a_column(engine) -> None:
    nhs = "Patient NHS number " + "\n".join(NHS) + " - draft the referral."
    assert engine.scan(nhs).categories == ["PERSONAL_DATA"]
    for sep in ("\n", "- "):
        mark = sep.join("OFFICIAL") + "-" + sep.join("SENSITIVE")
        text = mark + " Briefing: the Department intends to close the Leeds office next year."
        assert "OFFICIAL_SENSITIVE" in engine.scan(text).categories, repr(sep)


def test_finding_spans_the_column(engine) -> None:
    column = "\n".join(NINO)
    text = f"Claimant NI number {column} - draft the letter."
    nino = [f for f in engine.scan(text).findings if f.entity_type == "UK_NINO"]
    at = text.index(column)
    assert nino and nino[0].start <= at and nino[0].end >= at + len(column) - 1


BENIGN = {
    "poem, one word per line": "Snow\nfalls\non\nthe\nquiet\nhill\nand\nI\nwait\nfor\nyou",
    "options a to g": "Options:\na\nb\nc\nd\ne\nf\ng\nPick one.",
    "grades": "Grades:\nA\nB\nC\nD\nE\nF\nU",
    "scores down a column": "Scores\n5\n4\n3\n2\n1\n0\n9\n8\n7\n6\nend",
    "tsv of single characters": "x\ty\tz\tw\tv\tu\n1\t2\t3\t4\t5\t6\t7\t8\t9\t0",
    "aligned assignments": "a  = 1\nb  = 2\nc  = 3\nd  = 4\ne  = 5\nf  = 6\ng  = 7",
    "numbered steps": "1. A\n2. B\n3. C\n4. D\n5. E\n6. F\n7. G",
    "markdown table": "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |",
    "fractions": "1 / 2 / 3 / 4 / 5",
    "letters": "a | b | c | d | e",
    "versions": "v1 | v2 | v3 | v4 | v5 | v6",
    "chess moves": "e4 | e5 | Nf3 | Nc6 | Bb5 | a6",
    "yaml of letters and digits": "items:\n  - A\n  - B\n  - C\n  - D\n  - E\n  - F\n  - 1\n  - 2",
    "shell loop": "for i in 1 2 3 4 5 6 7 8 9; do\n  echo $i\ndone",
    "hex digits down a column": "\n".join("ABCDEF0123456789"),
    "states": "States:\nNY\nCA\nTX\nWA\nFL\nIL\nOH",
    "seats": "Seats:\nA1\nB2\nC3\nD4\nE5\nF6",
    "short words": "I\nam\nso\nin\nto\nit\nnow",
    "chess per line": "Chess:\ne4\ne5\nNf3\nNc6\nBb5",
    "two-digit scores, 8 rows (16 digits)": "Scores\n45\n32\n51\n11\n73\n29\n84\n40",
    "single-digit ratings, 16 rows": "Ratings\n" + "\n".join("4539578763621486"),
    "quoted letters": "> a\n> b\n> c\n> d\n> e",
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_short_items_per_line_stay_allowed(engine, name: str) -> None:
    assert engine.scan(BENIGN[name]).categories == [], name
