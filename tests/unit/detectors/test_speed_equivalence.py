"""Equivalence of the plain-loop matchers that replaced per-call regex work on the scan's
hot path (same answers, less work): each is checked against the pattern it replaced, on
seeded generated text with non-ASCII letters and digits, underscores, word edges, overlaps
and window edges."""

from __future__ import annotations

import random
import re

import re2

from detectors.base import ANCHOR_START, NO_SPAN, RE2_OPTIONS, finditer_spans, raw_match
from detectors.combine import word_matches

#: characters the generated texts are made of: word characters of several scripts (é, ß,
#: Cyrillic, a CJK ideograph, digits, a superscript digit, ``_``) and non-word ones
_ALPHABET = "aAnNeé ßЖ中0²_-'’.\n\t,"


def _texts(seed: int, count: int, longest: int = 40) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choices(_ALPHABET, k=rnd.randint(0, longest))) for _ in range(count)]


def _reference(text: str, words: list[str], pos: int, endpos: int) -> list[tuple[int, int]]:
    rx = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")
    return [m.span() for m in rx.finditer(text, pos, endpos)]


def test_word_matches_is_the_word_alternation() -> None:
    rnd = random.Random(7)
    texts = _texts(1, 3000)
    checked = 0
    for text in texts:
        words = sorted({w for w in _texts(rnd.randint(0, 10**6), 2, 4) if w})
        if not words:
            continue
        # also words taken from the text itself, so that most cases have occurrences
        if len(text) > 4:
            a = rnd.randrange(len(text) - 2)
            words = sorted({*words, text[a : a + rnd.randint(1, 4)]})
        pos = rnd.randint(0, len(text) + 1)
        endpos = rnd.randint(0, len(text) + 3)
        for lo, hi in ((0, len(text)), (pos, endpos), (pos, len(text) + 5)):
            assert word_matches(text, words, lo, hi) == _reference(text, words, lo, hi), (
                text,
                words,
                lo,
                hi,
            )
            checked += 1
    assert checked > 5000


def test_word_matches_cases() -> None:
    text = "Anne-Marie met Anne; Anne_x anneAnne Ann Anne. Zoë Zoëy"
    for words in (["Anne"], ["Anne", "Anne-Marie"], ["Ann", "Anne"], ["Zoë"], ["Anne", "nne"]):
        for lo, hi in ((0, len(text)), (5, 30), (15, 19), (16, 20)):
            assert word_matches(text, words, lo, hi) == _reference(text, words, lo, hi)
    assert word_matches("Anne", ["Anne"], 0, 0) == []


def test_finditer_spans_is_the_wrappers_finditer() -> None:
    """The binding-level iteration (:func:`detectors.base.finditer_spans`) gives the spans
    of google-re2's ``finditer`` on bytes, empty matches and unmatched groups included;
    without a binding (``match`` None) it reads them from ``finditer``."""
    patterns = [
        r"\b(?P<v>[A-Z]{2}\d{2})\b",
        r"x*",
        r"(?i)(a)|(b)?c",
        r"(?P<v>é+)|\d",
        r"\b",
        r"[^\s]{0,3}",
    ]
    for pattern in patterns:
        rx = re2.compile(pattern, RE2_OPTIONS)
        for text in [*_texts(3, 300), "AB12 cd34 EF56", "", "xxaxx", "ééé 1 é"]:
            data = text.encode()
            want = [[m.span(i) for i in range(rx.groups + 1)] for m in rx.finditer(data)]
            assert list(finditer_spans(rx, raw_match(rx), data)) == want, (pattern, text)
            assert list(finditer_spans(rx, None, data)) == want


def test_anchored_probe_is_the_wrappers_match() -> None:
    """The anchored probe the credential search asks first says "no match" exactly where
    google-re2's ``match`` at that byte does."""
    rx = re2.compile(r"(?i)(?:^|[^a-z0-9])[\w.-]{0,4}?(?:key|tok)[=:](?P<v>\w{2,})", RE2_OPTIONS)
    probe = raw_match(rx)
    for text in [*_texts(5, 300), "my_key=abc tok:zz é-key:ab"]:
        data = text.encode() + b" akey=ab1 x-tok:Q9"
        for at in range(len(data) + 1):
            assert (probe(ANCHOR_START, data, at, len(data))[0] == NO_SPAN) is (
                rx.match(data, at) is None
            )


def test_control_probe_is_the_re2_class() -> None:
    """The normaliser's C0 probe (Python ``re``) holds the characters its RE2 class does."""
    from detectors.normalise import _C0, _C0_PROBE

    for code in [*range(0x300), 0x2028, 0xFEFF, 0x10FFFF]:
        ch = chr(code)
        assert (_C0_PROBE.search(ch) is None) is (_C0.search(ch) is None), hex(code)
    for text in _texts(9, 200):
        spiced = text + "\x07" if len(text) % 3 == 0 else text
        assert (_C0_PROBE.search(spiced) is None) is (_C0.search(spiced) is None)


def test_literal_seam_is_in_every_literal_run() -> None:
    """Every text the joined-literal pass could find a run in holds the seam it asks first
    (generated quote-dense texts: the seam is only a necessary condition)."""
    from detectors.recognisers.credentials import _LITERAL_RUN, _LITERAL_SEAM

    rnd = random.Random(11)
    pieces = ['"', "'", "ab", "x", " ", "\t", "\n", "+", ",", ".", "||", "&", "|", "é", "  "]
    runs = 0
    for _ in range(4000):
        weights = [6, 6, 6, 3, 2, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1]
        text = "".join(rnd.choices(pieces, weights, k=rnd.randint(0, 30)))
        data = text.encode()
        if _LITERAL_RUN.search(data) is not None:
            runs += 1
            assert _LITERAL_SEAM.search(data) is not None, text
    assert runs > 100
