"""Speed machinery of the scan path gives the answers of the plain path (issues 12/14 speed).

Each test pins one rule: a faster structure (how patterns are grouped into RE2 sets, a
prefilter) must say exactly what the slow, obvious structure says, on our own corpus.
"""

from __future__ import annotations

import json
from pathlib import Path

import re2

from detectors.base import RE2_OPTIONS
from detectors.engine import LARGE_PROGRAM, PATTERNS_PER_SET, _pattern_sets

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _sample_texts(step: int = 3) -> list[str]:
    texts = []
    for name in ("dev.jsonl", "holdout.jsonl"):
        with (CORPUS / name).open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    return texts[::step]


def _set_regexes(engine) -> list[str]:
    out = []
    for rec in engine.recognisers:
        for i, rx in enumerate(rec.regexes):
            searched = getattr(rec.patterns[i], "residue", rx)
            if searched is not None:
                out.append(searched)
    return out


def test_pattern_sets_answer_like_each_pattern_searched_alone(engine) -> None:
    """Rule: the engine's RE2 sets (large programs alone, the rest in runs) report exactly
    the patterns that match when each one is searched on its own."""
    regexes = _set_regexes(engine)
    alone = [re2.compile(rx, RE2_OPTIONS) for rx in regexes]
    sets = _pattern_sets(regexes)
    assert sorted(i for members, _ in sets for i in members) == list(range(len(regexes)))
    for text in _sample_texts():
        data = text.encode()
        grouped = {members[i] for members, rs in sets for i in rs.Match(data) or ()}
        assert grouped == {i for i, rx in enumerate(alone) if rx.search(data)}, text[:60]


def test_large_programs_get_a_set_of_their_own(engine) -> None:
    """Rule: a pattern whose RE2 program exceeds LARGE_PROGRAM instructions is alone in its
    set (beside others its DFA states multiply with theirs); the others share sets of at
    most PATTERNS_PER_SET."""
    regexes = _set_regexes(engine)
    sizes = [re2.compile(rx, RE2_OPTIONS).programsize for rx in regexes]
    assert any(size > LARGE_PROGRAM for size in sizes)  # the name patterns, today
    for members, _ in _pattern_sets(regexes):
        assert len(members) <= PATTERNS_PER_SET
        if len(members) > 1:
            assert all(sizes[i] <= LARGE_PROGRAM for i in members)
