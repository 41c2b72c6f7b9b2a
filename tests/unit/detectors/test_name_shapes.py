"""The name patterns' shapes give the word-list patterns' own matches (speed lane: names).

The name recognisers' patterns are searched through their shapes
(:class:`detectors.base.ShapedPattern`: word lists replaced by character classes, ``\\p{Lu}``
by ASCII capitals or any non-ASCII character). Each rule pins that this finds exactly what
``finditer`` of the exact pattern finds, group spans included, on corpus text and on
generated text made to stress the lists: non-ASCII letters, case variants, word edges,
prefixes and extensions of listed names, overlapping candidates, table cells, glued names.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import re2

from detectors import vocabulary
from detectors.base import RE2_OPTIONS, ShapedPattern, shaped_matches
from detectors.namesets import SHIPPED, shape
from detectors.recognisers.person import CuedNameRecogniser, NamePatternRecogniser

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

#: a changed vocabulary with forenames of other characters ("Zoë", "D'Arcy", "Kerry-Ann"
#: is shipped) and a two-letter one: their shapes must cover them too
_CHANGED = vocabulary.load().changed(
    {"names.yaml:forenames": {"add": ["Zoë", "D'Arcy", "Ōta", "Eð", "Łucja", "Ximena"]}}
)


def _recognisers():
    return [
        NamePatternRecogniser(),
        CuedNameRecogniser(),
        NamePatternRecogniser.from_vocabulary(_CHANGED),
        CuedNameRecogniser.from_vocabulary(_CHANGED),
    ]


def _words(names) -> list[str]:
    listed = sorted(names.forenames)
    rng = random.Random(7)
    picked = [*rng.sample(listed, 80), "Kerry-Ann", "Zoë", "D'Arcy", "Ōta", "Eð", "Łucja", "Al"]
    out: list[str] = []
    for n in picked:
        out += [n, n.upper(), n.lower(), n[:-1], n + "a", n + "son", "É" + n, n + "é"]
    return [
        *out,
        "Smith", "McDonald", "O'Neill", "Ní", "Bhriain", "ap", "Gruffydd", "Jones-Evans",
        "SMITH", "MCDONALD", "smith", "brannigan", "Ж", "Жанна", "张伟", "محمد", "Élodie",
        "Dear", "Hi", "hello", "Mrs", "MRS", "mrs", "Dr", "Master", "Lord", "Name:", "name -",
        "claimant", "Claimant", "customer", "Customer", "Team", "in", "from", "payroll",
        "finance", "(EO)", "(HEO,", "has", "said", "rang", "spoke", "to", "about", "her",
        "she", "J.", "K", "Government", "The", "journal", "entry", "First", "name:", "Last",
        "surname:", "user:", "@", "/", "the", "and", "of", "42,", "GH,", "2019",
    ]  # fmt: skip


_SEPARATORS = [" ", " ", " ", " ", "-", "_", ", ", ",", "\t", " | ", "|", "\n", ". ", ": ",
               "<td>", "</td><td>", "\"", "'", "@", "/", "", "\r\n", "  "]  # fmt: skip


def _generated(names, count: int = 400, seed: int = 11) -> list[str]:
    words = _words(names)
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(2, 40)):
            parts += [rng.choice(words), rng.choice(_SEPARATORS)]
        texts.append("".join(parts))
    return texts


def _corpus(step: int = 2) -> list[str]:
    texts = []
    for name in ("dev.jsonl", "holdout.jsonl"):
        with (CORPUS / name).open(encoding="utf-8") as fh:
            texts += [json.loads(line)["text"] for line in fh if line.strip()]
    return texts[::step]


def _assert_same_matches(texts: list[str]) -> None:
    for rec in _recognisers():
        shaped = [
            (p.name, rec.compiled[i], rec.shapes[i])
            for i, p in enumerate(rec.patterns)
            if isinstance(p, ShapedPattern)
        ]
        assert len(shaped) >= (25 if isinstance(rec, NamePatternRecogniser) else 3)
        for text in texts:
            data = text.encode()
            for name, rx, shape_rx in shaped:
                want = [[m.span(g) for g in range(rx.groups + 1)] for m in rx.finditer(data)]
                got = list(shaped_matches(shape_rx, rx, data))
                assert got == want, (name, text[:80])


def test_shaped_name_patterns_match_like_the_word_lists_on_the_corpus() -> None:
    """Rule: on our corpus, each shaped name pattern (shipped and changed vocabulary) finds
    exactly the matches, and group spans, of its exact pattern's ``finditer``."""
    _assert_same_matches(_corpus())


def test_shaped_name_patterns_match_like_the_word_lists_on_generated_text() -> None:
    """Rule: the same on generated text of listed names, their prefixes, extensions, case
    variants and non-ASCII neighbours, between every kind of separator the patterns read."""
    _assert_same_matches(
        _generated(SHIPPED)
        + _generated(NamePatternRecogniser.from_vocabulary(_CHANGED).names, seed=12)
    )


def test_a_shape_matches_wherever_its_pattern_does() -> None:
    """Rule: every shaped pattern's shape matches (anchored) at each start where the exact
    pattern does, on generated text: the superset ``shaped_matches`` relies on."""
    for rec in _recognisers():
        for i, p in enumerate(rec.patterns):
            if not isinstance(p, ShapedPattern):
                continue
            rx, shape_rx = rec.compiled[i], rec.shapes[i]
            for text in _generated(rec.names, count=60, seed=i):
                data = text.encode()
                for start in range(len(data) + 1):
                    if rx.match(data, start) is not None:
                        assert shape_rx.match(data, start) is not None, (p.name, text[:60])


def test_a_word_list_shape_matches_every_word() -> None:
    """Rule: :func:`detectors.namesets.shape` of a list matches each of its words in full
    (every listed forename in each case form; characters the class syntax reads)."""
    names = NamePatternRecogniser.from_vocabulary(_CHANGED).names
    lists = [
        sorted(names.forenames),
        [n.upper() for n in names.forenames],
        [n.lower() for n in names.forenames],
        ["a-b", "x]y", "^z", "q\\r", "[w"],
    ]
    for words in lists:
        rx = re2.compile(shape(words), RE2_OPTIONS)
        assert all(rx.fullmatch(w) for w in words)
    assert re2.compile(shape([]), RE2_OPTIONS).search("anything\n ") is None


def test_shaped_matches_follows_finditer_on_empty_and_overlapping_matches() -> None:
    """Rule: :func:`detectors.base.shaped_matches` steps on as ``finditer`` does, including
    after empty matches, when the shape is the pattern itself or a looser one."""
    cases = [
        (r"a*", r"a*"),
        (r"a*", r"[ab]*"),
        (r"(?P<v>ab|a)c?", r"[ab]+c?"),
        (r"\bAn(?P<v>na|n)\b", r"\b[A-Z][a-z]+\b"),
        (r"(?:^|\n)(?P<v>x+)", r"(?:^|\n)[a-z]+"),
    ]
    texts = ["", "a", "aa baab", "Anna Ann Annabel An", "x\nxx\n\nxa", "éAnna Ann", "b" * 5]
    for exact, loose in cases:
        rx, shape_rx = re2.compile(exact, RE2_OPTIONS), re2.compile(loose, RE2_OPTIONS)
        for text in texts:
            data = text.encode()
            want = [[m.span(g) for g in range(rx.groups + 1)] for m in rx.finditer(data)]
            assert list(shaped_matches(shape_rx, rx, data)) == want, (exact, text)
