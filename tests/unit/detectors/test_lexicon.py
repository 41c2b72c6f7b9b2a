"""Keyword index (detectors/lexicon.py): the Aho-Corasick pass gives the answer of the one
case-insensitive, leftmost-longest RE2 ``\\b(?:phrase|...)\\b`` it replaced."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest
import re2

from detectors import lexicon
from detectors.engine import ScanEngine
from detectors.lexicon import Hits, KeywordIndex
from detectors.literals import caseless, fold
from detectors.normalise import _byte_to_char

DEV = Path(__file__).resolve().parents[2] / "corpus" / "dev.jsonl"


class _Reference:
    """The index as it was (before the automaton): every key's first phrase as
    ``lexicon._rx``, in one RE2 in longest-match mode, searched over the UTF-8 text."""

    def __init__(self, groups: dict[str, list[str]]) -> None:
        seen: set[str] = set()
        alts: list[str] = []
        for phrases in groups.values():
            for phrase in phrases:
                key = lexicon._key(phrase)
                if key and key not in seen:
                    seen.add(key)
                    alts.append(lexicon._rx(phrase))
        opts = re2.Options()
        opts.case_sensitive = False
        opts.longest_match = True
        opts.max_mem = 256 << 20
        self.rx = re2.compile(r"\b(?:" + "|".join(alts) + r")\b", opts)

    def spans(self, text: str) -> list[tuple[int, int]]:
        data = text.encode()
        b2c = None if len(data) == len(text) else _byte_to_char(data)
        out = []
        for m in self.rx.finditer(data):
            s, e = m.span()
            out.append((b2c(s), b2c(e)) if b2c else (s, e))
        return out

    def hits(self, index: KeywordIndex, text: str) -> Hits:
        hits = Hits()
        for s, e in self.spans(text):
            key = lexicon._key(text[s:e])
            for group in index._groups.get(key, ()):
                hits.add(group, s, e, key)
        return hits


def _reference_drop_topics(text: str, hits: Hits) -> Hits:
    """``lexicon.drop_topics`` as it was (every hit through both rules, in order)."""
    out = Hits()
    for group in hits.starts:
        topical = group in lexicon._TOPIC_GROUPS or group.startswith("special:")
        for s, e, label in hits.spans(group):
            if group.startswith("special:") and lexicon._GLUED_BEFORE.search(
                text, max(0, s - 2), s
            ):
                continue
            if topical and not lexicon._POSSESSED.search(text, max(0, s - 12), s):
                nxt = text[e : e + 24].split("\n", 1)[0].lstrip(" -").split(maxsplit=1)
                if nxt and nxt[0].strip(".,;:!?)'\"").lower() in lexicon._TOPIC_NEXT:
                    continue
            out.add(group, s, e, label)
    return out


def _scan(index: KeywordIndex, text: str) -> Hits:
    data = text.encode()
    return index.scan(text, data, None if len(data) == len(text) else _byte_to_char(data))


def _same(index: KeywordIndex, ref: _Reference, text: str) -> None:
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    assert index.spans(text, data, b2c) == ref.spans(text), repr(text)
    got, want = _scan(index, text), ref.hits(index, text)
    assert (got.starts, got.ends, got.labels) == (want.starts, want.ends, want.labels)
    assert list(got.starts) == list(want.starts)  # the groups in the same order
    kept, want = lexicon.drop_topics(text, got), _reference_drop_topics(text, want)
    assert (kept.starts, kept.ends, kept.labels) == (want.starts, want.ends, want.labels)
    assert list(kept.starts) == list(want.starts)


def _engine_groups(engine: ScanEngine) -> dict[str, list[str]]:
    from detectors import registry

    groups = lexicon.default_groups(registry.vocabulary_for(engine.settings.recognisers))
    for rec in engine.recognisers:
        if rec.CONTEXT:
            groups[f"ctx:{rec.ENTITY}"] = list(rec.CONTEXT)
    return groups


#: separators, look-alikes and word glue the phrases meet in text
_NOISE = [
    *" \t\n\r\f-",
    "  ",
    " - ",
    "\n\n  ",
    "\v",
    "\u00a0",
    "\u2019",
    "'",
    "''",
    "_",
    "x",
    "9",
    ".",
    ",",
    "/",
    "#",
    "(",
    "é",
    "\u0130",
    "\u212a",
    "\u017f",
    "\U0001f600",
    "ß",
]


def _mangle(rng: random.Random, phrase: str) -> str:
    """``phrase`` as a text may write it: any case (KELVIN SIGN, LONG S), separators
    changed or doubled, apostrophes dropped, doubled or curly, a piece cut off."""
    out = []
    for ch in phrase:
        r = rng.random()
        if ch in " -" and r < 0.5:
            out.append(rng.choice([" ", "-", "  ", "\n", "\t", " - ", "\v", "\u00a0", "--"]))
        elif ch == "'" and r < 0.6:
            out.append(rng.choice(["", "''", "\u2019", "'"]))
        elif ch in "kK" and r < 0.1:
            out.append("\u212a")
        elif ch in "sS" and r < 0.1:
            out.append("\u017f")
        elif ch.lower() == "i" and r < 0.05:
            out.append("\u0130")
        elif r < 0.3:
            out.append(ch.swapcase())
        else:
            out.append(ch)
    text = "".join(out)
    if rng.random() < 0.1:
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] if rng.random() < 0.5 else text[cut:]
    return text


def _texts(rng: random.Random, phrases: list[str], count: int) -> list[str]:
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 8)):
            if rng.random() < 0.7:
                parts.append(_mangle(rng, rng.choice(phrases)))
            parts.append("".join(rng.choice(_NOISE) for _ in range(rng.randint(0, 3))))
        texts.append("".join(parts))
    return texts


@pytest.fixture(scope="module")
def shipped(engine: ScanEngine) -> tuple[KeywordIndex, _Reference, list[str]]:
    groups = _engine_groups(engine)
    phrases = sorted({p for ps in groups.values() for p in ps})
    return KeywordIndex(groups), _Reference(groups), phrases


def test_shipped_vocabulary_on_generated_text(shipped) -> None:
    """Rule: with the shipped groups, the spans and hits are the one RE2's on text built of
    the phrases themselves, in every case, spacing and apostrophe form, glued to words,
    overlapping, next to non-ASCII characters; topic nouns after them, possessives and
    hyphenated words before them are dropped as before."""
    index, ref, phrases = shipped
    topics = sorted(lexicon._TOPIC_NEXT)
    phrases = phrases + [
        f"{rng_word} {p}{sep}{t}"
        for rng_word, p, sep, t in zip(
            ["her", "Tom's", "my", "gender-", "x-", "the", "their\n", "a"] * 200,
            phrases[::3],
            [" ", " - ", "\n", ": ", "  ", ". "] * 400,
            topics * 50,
            strict=False,
        )
    ]
    rng = random.Random(20261202)
    for text in _texts(rng, phrases, 4000):
        _same(index, ref, text)


def test_shipped_vocabulary_on_the_dev_corpus(shipped) -> None:
    """Rule: the same spans and hits as the one RE2 on every dev corpus text, and on each
    in upper case and with its separators doubled."""
    index, ref, _ = shipped
    with DEV.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    for text in texts:
        _same(index, ref, text)
    for text in texts[::7]:
        _same(index, ref, text.upper())
        _same(index, ref, text.replace(" ", "  ").replace("-", " -\n"))


#: a vocabulary of the edge cases: phrases with a separator at an end or an apostrophe
#: word (the RE2 rest, on every text), cased non-ASCII letters (the RE2 rest, on non-ASCII
#: text), caseless non-ASCII, punctuation at a word edge, phrases inside phrases, one key
#: written two ways (its first phrase stands for it)
_EDGE_GROUPS = {
    "a": ["sick", "sick pay", "statutory sick pay", "pay", "pay day", "day"],
    "b": ["dont", "don't", "'s", "o'brien", "rock ' roll", "it's"],
    "c": ["-ism", "half -", "half time", "half term report", ".net", "c++", "#tag", "a.b."],
    "f": ["x-ray", "x ray", "rock", "ray day"],
    "d": ["esclerosis múltiple", "Siân", "straße", "ﬁle", "\u212aelvin", "\u017fign"],
    "e": ["ร้านค้า", "등록번호", "pay ร้าน", "’quoted’"],
}


def test_edge_vocabulary_on_generated_text() -> None:
    """Rule: the same spans and hits as the one RE2 for phrases the automaton takes and
    for those it leaves to the small RE2, mixed in one text (leftmost-longest across
    both), in ASCII and non-ASCII text."""
    index = KeywordIndex(_EDGE_GROUPS)
    ref = _Reference(_EDGE_GROUPS)
    assert index._rest is not None and index._rest_ascii
    phrases = [p for ps in _EDGE_GROUPS.values() for p in ps]
    rng = random.Random(7)
    for text in _texts(rng, phrases, 6000):
        _same(index, ref, text)
    chars = sorted({c for p in phrases for c in p} | {c for n in _NOISE for c in n})
    for _ in range(6000):
        _same(index, ref, "".join(rng.choice(chars) for _ in range(rng.randint(0, 30))))


def test_non_ascii_rest_is_skipped_on_ascii_text() -> None:
    """Rule: phrases whose every match holds a non-ASCII letter are searched only in
    non-ASCII text (none of their case folds is ASCII); KELVIN SIGN and LONG S fold to
    ASCII, so the automaton takes them."""
    groups = {"d": ["esclerosis múltiple", "Siân", "\u212aelvin", "\u017fign"], "a": ["pay"]}
    index = KeywordIndex(groups)
    assert index._rest is not None and not index._rest_ascii
    ref = _Reference(groups)
    for text in ["SIÂN pay", "Siân", "kelvin \u017fign Sign", "ESCLEROSIS  MÚLTIPLE", "pay"]:
        _same(index, ref, text)


def test_empty_index() -> None:
    """Rule: no phrases (or only empty ones): no hits."""
    for groups in ({}, {"a": ["", " - "]}):
        index = KeywordIndex(groups)
        assert index.spans("pay day", b"pay day", None) == []


def test_lower_case_is_re2_folding_for_the_automaton_characters() -> None:
    """Rule: ``str.lower`` (the folded view's fast path) maps every code point but İ to one
    character, and where that is ASCII or caseless (all an automaton phrase holds) it is
    :func:`detectors.literals.fold`'s (RE2's ``(?i)``) but for LONG S, which the view
    maps itself."""
    every = "".join(chr(c) for c in range(1, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert len(every.lower()) == len(every) + 1  # İ: i and a combining dot
    every = every.replace("\u0130", "")
    lowered, folded = every.lower(), fold(every)
    assert len(lowered) == len(every)
    differ = {
        every[i]
        for i, (a, b) in enumerate(zip(lowered, folded, strict=True))
        if a != b and (a.isascii() or caseless(a) or b.isascii() or caseless(b))
    }
    assert differ == {"\u017f"}
    view, _, _ = lexicon._folded_view("\u0130\u017f\u212a A-b\tc")
    assert view == "\u0130sk a b c"
