"""`aidlp eval CORPUS.jsonl... [--min-recall R] [--max-false-block F]`: measure the detectors.

Each corpus line is ``{"id", "text", "expect": "block"|"allow", "categories": [...]}`` with the
optional fields ``soft`` (the label is uncertain: reported apart, never counted as a miss or a
false block), ``group`` (figures per group) and ``reviewed`` (a person's verdict: counted per
label). Several corpora are scanned in one run with one engine; the report gives the figures
over all of them, then per corpus, per group and per ``reviewed`` label, per-category
precision and recall, throughput, and the cases it got wrong (id, expected, got, categories).
Raw texts are printed only with ``--show-text``. A progress bar goes to stderr (on a terminal,
or with ``--progress``).

Exit 0 normally; 1 when ``--min-recall`` / ``--max-false-block`` is given and the overall
figure falls short (or the engine fails); 2 on bad input or config.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

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
#: Exit status when a threshold is not met.
EXIT_SHORT = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "eval",
        help="precision/recall of the detectors on labelled JSONL corpora",
        description="Scan every case of one or more labelled corpora and report block recall, "
        "false-block rate (overall, per corpus, per group), per-category precision and recall, "
        "soft rows apart, reviewed-label counts and the wrong cases.",
    )
    parser.add_argument(
        "corpus",
        nargs="+",
        help='JSONL: {"id", "text", "expect", "categories", ["soft", "group", "reviewed"]} '
        "per line",
    )
    add_engine_arguments(parser)
    parser.add_argument(
        "--show-text", action="store_true", help="also print the raw text of each wrong case"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object instead"
    )
    parser.add_argument(
        "--min-recall",
        type=_fraction,
        metavar="R",
        help="exit 1 when the overall block recall (soft rows apart) is below R (0..1)",
    )
    parser.add_argument(
        "--max-false-block",
        type=_fraction,
        metavar="F",
        help="exit 1 when the overall false-block rate (soft rows apart) is above F (0..1)",
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on stderr (default: only when stderr is a terminal)",
    )
    parser.set_defaults(func=run)


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {value}")
    return number


@dataclass(slots=True)
class Case:
    line: int
    id: Any
    text: str
    expect: str
    categories: list[str]
    corpus: str = ""
    soft: bool = False
    group: str | None = None
    reviewed: str | None = None


@dataclass(slots=True)
class Outcome:
    case: Case
    decision: str
    categories: list[str]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(slots=True)
class Figures:
    """Document-level counts over a set of outcomes; soft rows are counted apart."""

    cases: int = 0
    expected_block: int = 0
    expected_allow: int = 0
    missed_blocks: int = 0
    false_blocks: int = 0
    soft_cases: int = 0
    soft_blocked: int = 0
    soft_expected_block: int = 0
    soft_expected_block_blocked: int = 0
    soft_expected_allow: int = 0
    soft_expected_allow_blocked: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> Figures:
        f = cls()
        for o in outcomes:
            f.cases += 1
            blocked = o.decision == "block"
            if o.case.soft:
                f.soft_cases += 1
                f.soft_blocked += blocked
                if o.case.expect == "block":
                    f.soft_expected_block += 1
                    f.soft_expected_block_blocked += blocked
                else:
                    f.soft_expected_allow += 1
                    f.soft_expected_allow_blocked += blocked
            elif o.case.expect == "block":
                f.expected_block += 1
                f.missed_blocks += not blocked
            else:
                f.expected_allow += 1
                f.false_blocks += blocked
        return f

    @property
    def block_recall(self) -> float | None:
        return _rate(self.expected_block - self.missed_blocks, self.expected_block)

    @property
    def false_block_rate(self) -> float | None:
        return _rate(self.false_blocks, self.expected_allow)

    def as_dict(self) -> dict[str, Any]:
        # "false_block_rate" stays among the first keys: tools grep the head of the JSON.
        return {
            "cases": self.cases,
            "expected_block": self.expected_block,
            "expected_allow": self.expected_allow,
            "block_recall": self.block_recall,
            "false_block_rate": self.false_block_rate,
            "missed_blocks": self.missed_blocks,
            "false_blocks": self.false_blocks,
            "soft": {
                "cases": self.soft_cases,
                "blocked": self.soft_blocked,
                "expected_block": self.soft_expected_block,
                "block_recall": _rate(self.soft_expected_block_blocked, self.soft_expected_block),
                "expected_allow": self.soft_expected_allow,
                "block_rate": _rate(self.soft_expected_allow_blocked, self.soft_expected_allow),
            },
        }


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    corpora: list[str] = field(default_factory=list)
    chars: int = 0
    seconds: float = 0.0

    @property
    def counted(self) -> list[Outcome]:
        """Outcomes whose label is certain (soft rows are reported apart)."""
        return [o for o in self.outcomes if not o.case.soft]

    @property
    def wrong(self) -> list[Outcome]:
        return [o for o in self.counted if o.decision != o.case.expect]

    @property
    def soft_disagreements(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.soft and o.decision != o.case.expect]

    @property
    def category_mismatches(self) -> list[Outcome]:
        return [
            o
            for o in self.counted
            if o.decision == o.case.expect and set(o.categories) != set(o.case.categories)
        ]

    def per_corpus(self) -> dict[str, Figures]:
        return {
            name: Figures.of(o for o in self.outcomes if o.case.corpus == name)
            for name in self.corpora
        }

    def per_group(self) -> dict[str, Figures]:
        groups = sorted({o.case.group or "-" for o in self.outcomes})
        return {
            name: Figures.of(o for o in self.outcomes if (o.case.group or "-") == name)
            for name in groups
        }

    def per_reviewed(self) -> dict[str, dict[str, int]]:
        """For each ``reviewed`` label: how many such rows the engine blocks / allows now."""
        counts: dict[str, Counter[str]] = {}
        for o in self.outcomes:
            if o.case.reviewed:
                counts.setdefault(o.case.reviewed, Counter())[o.decision] += 1
        return {
            label: {"rows": sum(c.values()), "blocked": c["block"], "allowed": c["allow"]}
            for label, c in sorted(counts.items())
        }

    def per_category(self) -> dict[str, dict[str, Any]]:
        """Document-level TP/FP/FN per category (a case counts once per category)."""
        counted = self.counted
        names = list(CATEGORIES)
        for o in counted:
            for c in (*o.case.categories, *o.categories):
                if c not in names:
                    names.append(c)
        table: dict[str, dict[str, Any]] = {}
        for name in names:
            tp = sum(name in o.case.categories and name in o.categories for o in counted)
            fp = sum(name not in o.case.categories and name in o.categories for o in counted)
            fn = sum(name in o.case.categories and name not in o.categories for o in counted)
            table[name] = {
                "support": tp + fn,
                "tp": tp,
                "fp": fp,
                "fn": fn,
                "precision": _rate(tp, tp + fp),
                "recall": _rate(tp, tp + fn),
            }
        return table

    def summary(self, show_text: bool = False) -> dict[str, Any]:
        out = Figures.of(self.outcomes).as_dict()
        out.update(
            {
                "categories": self.per_category(),
                "chars": self.chars,
                "scan_seconds": round(self.seconds, 3),
                "chars_per_second": round(self.chars / self.seconds) if self.seconds else None,
                "corpora": {k: v.as_dict() for k, v in self.per_corpus().items()},
                "groups": {k: v.as_dict() for k, v in self.per_group().items()},
                "reviewed": self.per_reviewed(),
                "wrong": [wrong_dict(o, show_text) for o in self.wrong],
                "soft_disagreements": [wrong_dict(o, show_text) for o in self.soft_disagreements],
                "category_mismatches": [wrong_dict(o, show_text) for o in self.category_mismatches],
            }
        )
        return out


def wrong_dict(o: Outcome, show_text: bool = False) -> dict[str, Any]:
    out = {
        "id": o.case.id,
        "corpus": o.case.corpus,
        "expected": o.case.expect,
        "got": o.decision,
        "expected_categories": o.case.categories,
        "got_categories": o.categories,
    }
    if o.case.group:
        out["group"] = o.case.group
    if o.case.reviewed:
        out["reviewed"] = o.case.reviewed
    if show_text:
        out["text"] = o.case.text
    return out


def _optional_str(obj: dict, key: str, number: int) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise CommandError(f"line {number}: '{key}' must be a string")
    return value


def load_corpus(path: str) -> list[Case]:
    """Read and validate one whole corpus first: errors name the file and the line."""
    try:
        stream = open_input(path)
    except CommandError as exc:
        raise CommandError(f"{path}: {exc}", exc.status) from exc
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
            soft = obj.get("soft", False)
            if not isinstance(soft, bool):
                raise CommandError(f"line {number}: 'soft' must be true or false")
            cases.append(
                Case(
                    number,
                    obj["id"],
                    obj["text"],
                    expect,
                    sorted(set(cats)),
                    corpus=path,
                    soft=soft,
                    group=_optional_str(obj, "group", number),
                    reviewed=_optional_str(obj, "reviewed", number),
                )
            )
    except CommandError as exc:
        raise CommandError(f"{path}: {exc}", exc.status) from exc
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if not cases:
        raise CommandError(f"{path}: no cases")
    return cases


def evaluate(engine: Any, cases: list[Case], progress: bool | None = False) -> Report:
    report = Report(corpora=list(dict.fromkeys(c.corpus for c in cases)))
    # disable=None: tqdm shows the bar only when stderr is a terminal
    bar = tqdm(
        total=len(cases),
        desc="aidlp eval",
        unit="case",
        file=sys.stderr,
        disable=None if progress is None else not progress,
        dynamic_ncols=True,
        leave=False,
    )
    try:
        for case in cases:
            started = time.perf_counter()
            result = scan_one(
                engine, case.text, f"{case.corpus or 'corpus'}: line {case.line} (id {case.id})"
            )
            report.seconds += time.perf_counter() - started
            report.chars += len(case.text)
            cats = sorted(result.categories)
            report.outcomes.append(Outcome(case, decision_for(cats), cats))
            bar.update(1)
    finally:
        bar.close()
    return report


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _figures_table(title: str, rows: dict[str, Figures]) -> list[str]:
    width = max([len(title), *(len(k) for k in rows)])
    lines = [
        f"{title:<{width}}  {'CASES':>6}  {'RECALL':>6} {'MISSED':>11}  "
        f"{'FALSE-BLOCK':>11} {'FALSE':>11}  {'SOFT':>5} {'SOFT-BLOCKED':>12}"
    ]
    for name, f in rows.items():
        lines.append(
            f"{name:<{width}}  {f.cases:>6}  {_pct(f.block_recall):>6} "
            f"{f'{f.missed_blocks}/{f.expected_block}':>11}  "
            f"{_pct(f.false_block_rate):>11} {f'{f.false_blocks}/{f.expected_allow}':>11}  "
            f"{f.soft_cases:>5} {f.soft_blocked:>12}"
        )
    return lines


def format_report(report: Report, show_text: bool) -> str:
    s = report.summary()
    soft = s["soft"]
    lines = [
        f"cases: {s['cases']} ({s['expected_block']} expected block, "
        f"{s['expected_allow']} expected allow, {soft['cases']} soft)",
        f"block recall:     {_pct(s['block_recall'])}  "
        f"({s['missed_blocks']} missed of {s['expected_block']})",
        f"false-block rate: {_pct(s['false_block_rate'])}  "
        f"({s['false_blocks']} false blocks of {s['expected_allow']})",
        f"soft rows (not counted): {soft['cases']}, blocked {soft['blocked']} "
        f"(expected block: {soft['expected_block']}, recall {_pct(soft['block_recall'])}; "
        f"expected allow: {soft['expected_allow']}, blocked {_pct(soft['block_rate'])})",
        f"throughput: {s['chars']} chars in {s['scan_seconds']:.2f} s "
        f"= {s['chars_per_second'] or 0} chars/s (one document at a time)",
    ]
    if len(report.corpora) > 1:
        lines += ["", *_figures_table("CORPUS", report.per_corpus())]
    groups = report.per_group()
    if len(groups) > 1 or "-" not in groups:
        lines += ["", *_figures_table("GROUP", groups)]
    reviewed = report.per_reviewed()
    if reviewed:
        width = max(len("REVIEWED"), *(len(k) for k in reviewed))
        lines += ["", f"{'REVIEWED':<{width}}  {'ROWS':>6} {'BLOCKED':>8} {'ALLOWED':>8}"]
        for label, row in reviewed.items():
            lines.append(
                f"{label:<{width}}  {row['rows']:>6} {row['blocked']:>8} {row['allowed']:>8}"
            )
    lines += [
        "",
        f"{'CATEGORY':<20} {'SUPPORT':>7} {'TP':>5} {'FP':>5} {'FN':>5} {'PRECISION':>9} {'RECALL':>7}",
    ]
    for name, row in s["categories"].items():
        lines.append(
            f"{name:<20} {row['support']:>7} {row['tp']:>5} {row['fp']:>5} {row['fn']:>5} "
            f"{_pct(row['precision']):>9} {_pct(row['recall']):>7}"
        )
    several = len(report.corpora) > 1

    def section(title: str, outcomes: list[Outcome]) -> None:
        lines.extend(["", f"{title}: {len(outcomes)}"])
        for o in outcomes:
            where = f"{o.case.corpus}: " if several else ""
            extra = f"  reviewed={o.case.reviewed}" if o.case.reviewed else ""
            lines.append(
                f"  {where}{o.case.id}  expected={o.case.expect} got={o.decision}  "
                f"expected_categories={','.join(o.case.categories) or '-'}  "
                f"got_categories={','.join(o.categories) or '-'}{extra}"
            )
            if show_text:
                lines.append(f"    text: {json.dumps(o.case.text, ensure_ascii=False)}")

    section("wrong decisions", report.wrong)
    section("soft rows decided against their label (not counted)", report.soft_disagreements)
    section("right decision, different categories", report.category_mismatches)
    return "\n".join(lines)


def shortfalls(
    report: Report, min_recall: float | None, max_false_block: float | None
) -> list[str]:
    """The thresholds the overall figures miss (empty when all are met)."""
    overall = Figures.of(report.outcomes)
    missed = []
    recall, false_block = overall.block_recall, overall.false_block_rate
    if min_recall is not None and recall is not None and recall < min_recall:
        missed.append(f"block recall {recall:.4f} is below --min-recall {min_recall}")
    if max_false_block is not None and false_block is not None and false_block > max_false_block:
        missed.append(
            f"false-block rate {false_block:.4f} is above --max-false-block {max_false_block}"
        )
    return missed


def run(args: argparse.Namespace) -> int:
    try:
        cases = [case for path in args.corpus for case in load_corpus(path)]
        engine = build_engine(args)
        report = evaluate(engine, cases, progress=args.progress)
    except CommandError as exc:
        print(f"aidlp eval: {exc}", file=sys.stderr)
        return exc.status
    if args.json:
        print(json.dumps(report.summary(args.show_text), ensure_ascii=False))
    else:
        print(format_report(report, args.show_text))
    missed = shortfalls(report, args.min_recall, args.max_false_block)
    for message in missed:
        print(f"aidlp eval: {message}", file=sys.stderr)
    return EXIT_SHORT if missed else 0
