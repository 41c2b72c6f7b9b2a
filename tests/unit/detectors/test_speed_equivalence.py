"""Equivalence of the plain-loop matchers that replaced per-call regex work on the scan's
hot path (same answers, less work): each is checked against the pattern it replaced, on
seeded generated text with non-ASCII letters and digits, underscores, word edges, overlaps
and window edges."""

from __future__ import annotations

import random
import re

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
