"""`aidlp eval CORPUS.jsonl [--show-text]`: measure the detectors on a labelled corpus.

Each corpus line is ``{"id", "text", "expect": "block"|"allow", "categories": [...]}``.
Prints per-category precision and recall, document-level block recall and false-block rate,
throughput, and the cases it got wrong (id, expected, got, categories). Raw texts are printed
only with ``--show-text``. Exit 0 normally, 2 on bad input or config, 1 if the engine fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from detectors.types import CATEGORIES
from proxy.commands.scan import (
    CommandError,
    add_engine_arguments,
    build_engine,
    decision_for,
    open_input,
    read_jsonl,
    scan_one,
)

EXPECTS = ("block", "allow")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="precision/recall of the detectors on a labelled JSONL corpus",
        description="Scan every case of a labelled corpus and report per-category precision "
        "and recall, block recall, false-block rate and the wrong cases.",
    )
    parser.add_argument("corpus", help='JSONL: {"id", "text", "expect", "categories"} per line')
    add_engine_arguments(parser)
    parser.add_argument(
        "--show-text", action="store_true", help="also print the raw text of each wrong case"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object instead"
    )
    parser.set_defaults(func=run)


@dataclass(slots=True)
class Case:
    line: int
    id: Any
    text: str
    expect: str
    categories: list[str]


@dataclass(slots=True)
class Outcome:
    case: Case
    decision: str
    categories: list[str]


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    chars: int = 0
    seconds: float = 0.0

    # -- document level --------------------------------------------------------------------
    def _count(self, expect: str, got: str) -> int:
        return sum(o.case.expect == expect and o.decision == got for o in self.outcomes)

    @property
    def blocks_expected(self) -> int:
        return sum(o.case.expect == "block" for o in self.outcomes)

    @property
    def allows_expected(self) -> int:
        return sum(o.case.expect == "allow" for o in self.outcomes)

    @property
    def block_recall(self) -> float | None:
        n = self.blocks_expected
        return self._count("block", "block") / n if n else None

    @property
    def false_block_rate(self) -> float | None:
        n = self.allows_expected
        return self._count("allow", "block") / n if n else None

    @property
    def wrong(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.decision != o.case.expect]

    @property
    def category_mismatches(self) -> list[Outcome]:
        return [
            o
            for o in self.outcomes
            if o.decision == o.case.expect and set(o.categories) != set(o.case.categories)
        ]

    # -- category level --------------------------------------------------------------------
    def per_category(self) -> dict[str, dict[str, Any]]:
        """Document-level TP/FP/FN per category (a case counts once per category)."""
        names = [c for c in CATEGORIES]
        for o in self.outcomes:
            for c in (*o.case.categories, *o.categories):
                if c not in names:
                    names.append(c)
        table: dict[str, dict[str, Any]] = {}
        for name in names:
            tp = sum(name in o.case.categories and name in o.categories for o in self.outcomes)
            fp = sum(name not in o.case.categories and name in o.categories for o in self.outcomes)
            fn = sum(name in o.case.categories and name not in o.categories for o in self.outcomes)
            table[name] = {
                "support": tp + fn,
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "precision": tp / (tp + fp) if tp + fp else None,
                "recall": tp / (tp + fn) if tp + fn else None,
            }
        return table

    def summary(self) -> dict[str, Any]:
        return {
            "cases": len(self.outcomes),
            "expected_block": self.blocks_expected,
            "expected_allow": self.allows_expected,
            "block_recall": self.block_recall,
            "false_block_rate": self.false_block_rate,
            "missed_blocks": self._count("block", "allow"),
            "false_blocks": self._count("allow", "block"),
            "categories": self.per_category(),
            "chars": self.chars,
            "scan_seconds": round(self.seconds, 3),
            "chars_per_second": round(self.chars / self.seconds) if self.seconds else None,
            "wrong": [wrong_dict(o) for o in self.wrong],
            "category_mismatches": [wrong_dict(o) for o in self.category_mismatches],
        }


def wrong_dict(o: Outcome, show_text: bool = False) -> dict[str, Any]:
    out = {
        "id": o.case.id,
        "expected": o.case.expect,
        "got": o.decision,
        "expected_categories": o.case.categories,
        "got_categories": o.categories,
    }
    if show_text:
        out["text"] = o.case.text
    return out


def load_corpus(path: str) -> list[Case]:
    """Read and validate the whole corpus first: errors name the line."""
    stream = open_input(path)
    try:
        cases = []
        for number, obj in read_jsonl(stream, required=("id", "text", "expect", "categories")):
            expect = obj["expect"]
            if expect not in EXPECTS:
                raise CommandError(f"line {number}: 'expect' must be 'block' or 'allow'")
            cats = obj["categories"]
            if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
                raise CommandError(f"line {number}: 'categories' must be a list of strings")
            unknown = sorted(set(cats) - set(CATEGORIES))
            if unknown:
                raise CommandError(f"line {number}: unknown categories: {', '.join(unknown)}")
            if (expect == "block") != bool(cats):
                raise CommandError(
                    f"line {number}: 'expect' is {expect} but categories is "
                    f"{'empty' if not cats else 'not empty'}"
                )
            cases.append(Case(number, obj["id"], obj["text"], expect, sorted(set(cats))))
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if not cases:
        raise CommandError(f"{path}: no cases")
    return cases


def evaluate(engine: Any, cases: list[Case]) -> Report:
    report = Report()
    for case in cases:
        started = time.perf_counter()
        result = scan_one(engine, case.text, f"line {case.line} (id {case.id})")
        report.seconds += time.perf_counter() - started
        report.chars += len(case.text)
        cats = sorted(result.categories)
        report.outcomes.append(Outcome(case, decision_for(cats), cats))
    return report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def format_report(report: Report, show_text: bool) -> str:
    s = report.summary()
    lines = [
        f"cases: {s['cases']} ({s['expected_block']} expected block, "
        f"{s['expected_allow']} expected allow)",
        f"block recall:     {_pct(s['block_recall'])}  "
        f"({s['missed_blocks']} missed of {s['expected_block']})",
        f"false-block rate: {_pct(s['false_block_rate'])}  "
        f"({s['false_blocks']} false blocks of {s['expected_allow']})",
        f"throughput: {s['chars']} chars in {s['scan_seconds']:.2f} s "
        f"= {s['chars_per_second'] or 0} chars/s (one document at a time)",
        "",
        f"{'CATEGORY':<20} {'SUPPORT':>7} {'TP':>5} {'FP':>5} {'FN':>5} {'PRECISION':>9} {'RECALL':>7}",
    ]
    for name, row in s["categories"].items():
        lines.append(
            f"{name:<20} {row['support']:>7} {row['tp']:>5} {row['fp']:>5} {row['fn']:>5} "
            f"{_pct(row['precision']):>9} {_pct(row['recall']):>7}"
        )

    def section(title: str, outcomes: list[Outcome]) -> None:
        lines.extend(["", f"{title}: {len(outcomes)}"])
        for o in outcomes:
            lines.append(
                f"  {o.case.id}  expected={o.case.expect} got={o.decision}  "
                f"expected_categories={','.join(o.case.categories) or '-'}  "
                f"got_categories={','.join(o.categories) or '-'}"
            )
            if show_text:
                lines.append(f"    text: {json.dumps(o.case.text, ensure_ascii=False)}")

    section("wrong decisions", report.wrong)
    section("right decision, different categories", report.category_mismatches)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    try:
        cases = load_corpus(args.corpus)
        engine = build_engine(args)
        report = evaluate(engine, cases)
    except CommandError as exc:
        print(f"aidlp eval: {exc}", file=sys.stderr)
        return exc.status
    if args.json:
        summary = report.summary()
        if args.show_text:
            summary["wrong"] = [wrong_dict(o, True) for o in report.wrong]
            summary["category_mismatches"] = [
                wrong_dict(o, True) for o in report.category_mismatches
            ]
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(format_report(report, args.show_text))
    return 0
