"""Anchored credential matching gives the plain search's answer (issue 14, speed).

The credential recogniser matches most rules anchored at candidate starts read from their
regex (``credential_anchors.py``) instead of one unanchored search over the whole text.
Each test pins one rule of that machinery against the obvious structure: the same hits as
``rule.regex.finditer`` over the whole text, on our corpora and on generated texts built
to hit the edges (literals at the text's start, line starts, case folds RE2 applies,
multi-byte characters, long lines, overlapping candidates).
"""

from __future__ import annotations

import json
import random
import warnings
from functools import cache
from pathlib import Path
from re import _constants as sre
from re import _parser as sre_parse

import pytest
import re2

from detectors.base import RE2_OPTIONS
from detectors.engine import _byte_to_char
from detectors.literals import fold
from detectors.normalise import normalise
from detectors.recognisers.credential_anchors import AnchorIndex, anchor_of
from detectors.recognisers.credentials import CredentialRecogniser, _anchored_matches

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@cache
def _fast() -> CredentialRecogniser:
    return CredentialRecogniser()


@cache
def _plain() -> CredentialRecogniser:
    return CredentialRecogniser(anchored=False)


def _hits(rec: CredentialRecogniser, text: str) -> list[tuple]:
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    return [(c.entity, c.start, c.end, c.pattern) for c in rec.candidates_for(0, text, data, b2c)]


def _spans(rx, text: str, ranges) -> list[tuple]:
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    c2b = None
    if b2c is not None:
        c2b = [0]
        for c in text:
            c2b.append(c2b[-1] + len(c.encode()))
    found = _anchored_matches(rx, data, ranges, len(text), c2b, b2c)
    return [_regs(m) for m in found]


def _regs(m) -> tuple:
    return tuple(m.span(g) for g in range(m.re.groups + 1))


def test_most_rules_have_an_anchor() -> None:
    """Rule: the analysis takes the rules files as written; most rules get an anchor (a
    rule without one is searched the plain way, so this only guards the speed)."""
    rec = _fast()
    anchored = sum(a is not None for a in rec._anchors)
    assert anchored >= 0.9 * len(rec.rules), anchored


def test_corpus_views_give_the_plain_hits() -> None:
    """Rule: on every normalised view of the dev and hold-out corpora the recogniser's
    hits (entity, span, rule) are exactly those of the plain search."""
    fast, plain = _fast(), _plain()
    checked = 0
    for name in ("dev.jsonl", "holdout.jsonl"):
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            for view in normalise(json.loads(line)["text"]):
                assert _hits(fast, view.text) == _hits(plain, view.text), name
                checked += 1
    assert checked > 1800


_POOL = "aZ9_-=:'\" \t/+.x\nK0@é"


def _sample(items, rng: random.Random) -> str:
    """A random string the parsed regex ``items`` may match (best effort: a test input,
    RE2 decides what matches)."""
    out = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.IN:
            chars = [chr(a) for o, a in av if o is sre.LITERAL]
            chars += [chr(rng.randint(a[0], a[1])) for o, a in av if o is sre.RANGE]
            chars += ["5", "q", " "] if any(o is sre.CATEGORY for o, _ in av) else []
            negated = any(o is sre.NEGATE for o, _ in av)
            pool = [c for c in _POOL if c not in chars] if negated else chars
            out.append(rng.choice(pool or list(_POOL)))
        elif op in (sre.NOT_LITERAL, sre.ANY):
            out.append(rng.choice([c for c in _POOL if op is sre.ANY or c != chr(av)]))
        elif op is sre.SUBPATTERN:
            out.append(_sample(av[-1], rng))
        elif op is sre.BRANCH:
            out.append(_sample(rng.choice(av[1]), rng))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, item = av
            count = low + rng.randint(0, min(3, high - low))
            out.append("".join(_sample(item, rng) for _ in range(count)))
    return "".join(out)


@cache
def _pieces(rec: CredentialRecogniser) -> list[str]:
    """Rule literals, keywords and a random string each rule's regex may match."""
    literals = sorted({lit for a in rec._anchors if a for lit, _, _ in a.literals})
    keywords = sorted({k for r in rec.rules for k in r.keywords})
    rng = random.Random(21)
    samples = []
    for rule in rec.rules:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = list(sre_parse.parse(rule.regex.pattern))
            samples.append(_sample(parsed, rng))
        except sre.error:
            continue  # RE2 syntax Python does not read: keywords and literals only
    return literals + keywords + samples


_FILLER = [
    " ", "  ", "\n", "\t", "=", ": ", "='", '"', "'", "_", "-", ".", "/", "@", ":", "|",
    "hunter2Xy9!", "Ab3dE5gH7jK9mN2pQ4", "AKIA", "ghp_", "sk-", "0123456789abcdef" * 2,
    "x" * 40, "é", "Straße", "\u212a", "\u017f", "日本", "🔑", "\r\n", "(", ")", "[", "]",
    "export ", "set ", "#", "  - ", "{", "}", ",", ";", "https://u:", "@host/",
]  # fmt: skip


def _generated(rng: random.Random, pieces: list[str], n: int) -> list[str]:
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(1, 14)):
            piece = rng.choice(pieces) if rng.random() < 0.45 else rng.choice(_FILLER)
            if rng.random() < 0.3:
                piece = piece.upper()
            elif rng.random() < 0.1:  # the case folds RE2's (?i) applies: KELVIN, LONG S
                piece = piece.replace("k", "\u212a").replace("s", "\u017f")
            parts.append(piece)
        texts.append("".join(parts))
    return texts


def test_generated_texts_give_the_plain_hits() -> None:
    """Rule: texts made of rule literals, keywords, values, separators, line breaks,
    multi-byte characters and RE2's (?i) folds give exactly the plain search's hits."""
    fast, plain = _fast(), _plain()
    rng = random.Random(14)
    for text in _generated(rng, _pieces(fast), 1500):
        assert _hits(fast, text) == _hits(plain, text), repr(text)


def test_each_anchored_rule_matches_like_finditer() -> None:
    """Rule: for every anchored rule, the anchored search at the index's candidate starts
    yields exactly ``finditer``'s matches (every group's span), on texts built from that
    rule's own literals and keywords."""
    rec = _fast()
    rng = random.Random(1404)
    for rule, anchor in zip(rec.rules, rec._anchors, strict=True):
        if anchor is None:
            continue
        own = [lit for lit, _, _ in anchor.literals] + list(rule.keywords)
        parsed = list(sre_parse.parse(rule.regex.pattern))
        own += [_sample(parsed, rng) for _ in range(4)]
        one = AnchorIndex([rule.keywords], [anchor])
        texts = _generated(rng, own, 6) + [
            rng.choice(_FILLER) + _sample(parsed, rng) + rng.choice(_FILLER) + _sample(parsed, rng)
            for _ in range(4)
        ]
        for text in texts:
            gated, starts = one.scan(text, fold(text))
            if rule.keywords and not gated:
                continue  # no keyword: the rule does not run (the recogniser's gate)
            data = text.encode()
            want = [_regs(m) for m in rule.regex.finditer(data)]
            ranges = starts.get(0, [])
            if ranges is None:
                continue  # a line too long to walk: the recogniser searches it plainly
            assert _spans(rule.regex, text, ranges) == want, (rule.id, text)


def test_long_lines_fall_back_to_the_plain_search() -> None:
    """Rule: a line-start anchor walks back at most a bounded run; past it the rule is
    searched over the whole text (same hits, bounded work)."""
    rule = next(r for r in _fast().rules if r.id == "generic-secret-line-value")
    anchor = anchor_of(rule.regex.pattern)
    assert anchor is not None and anchor.line_start
    index = AnchorIndex([rule.keywords], [anchor])
    text = "a" * 5000 + "secret_token=Ab3dE5gH7jK9mN2pQ4"
    _, starts = index.scan(text, fold(text))
    assert starts[0] is None
    assert _hits(_fast(), text) == _hits(_plain(), text)
    line = "\n  export DB_SECRET=Ab3dE5gH7jK9mN2pQ4\n"
    assert _hits(_fast(), line) == _hits(_plain(), line)
    assert _hits(_fast(), line), "the line's secret is found"


@pytest.mark.parametrize(
    "pattern",
    [
        r"a{,3}secret",  # RE2 reads {,3} as literal text
        r"\pLsecret",  # no Python equivalent
        r"[[:alpha:]]secret",  # a nested set to Python
        r"x(?i)secret",  # flags in the middle
        r"\bsecret\z",  # \z
        r".*secret",  # no bound before the literal
        r"[a-z]{3}=[0-9]+",  # no literal of two characters or more
    ],
)
def test_patterns_the_reader_does_not_vouch_for_get_no_anchor(pattern: str) -> None:
    """Rule: syntax whose meaning the two parsers may not share, or no bounded literal,
    means no anchor (the plain search)."""
    re2.compile(pattern, RE2_OPTIONS)
    assert anchor_of(pattern) is None


def test_anchor_offsets_and_line_starts() -> None:
    """Rule: the literal's distance from the start is read from the widths before it."""
    anchor = anchor_of(r"(?i)(?:^|[^a-z0-9])[\w.-]{0,40}?(?:secret|token)[ \t]*=")
    assert anchor is not None and not anchor.line_start and anchor.free_first
    assert {lit for lit, _, _ in anchor.literals} == {"secret", "token"}
    assert {(lo, hi) for _, lo, hi in anchor.literals} == {(0, 41)}
    line = anchor_of(r"(?im)^[ \t]*(?:export[ \t]+)?[\w.-]{0,40}?secret[ \t]*=")
    assert line is not None and line.line_start
    assert anchor_of(r"(?m)^\s*secret") is None  # \s crosses lines: no line-start anchor


def test_index_gate_is_the_keyword_answer() -> None:
    """Rule: the index's gate (rules with a keyword) is the recogniser's keyword answer."""
    rec = _fast()
    rng = random.Random(7)
    for text in _generated(rng, _pieces(rec), 300):
        data = text.encode()
        gated, _ = rec._index.scan(text, fold(text))
        gated.discard(rec._table_gate)
        if rec._prefilter_sets is not None:
            gated |= {rec._prefilter_rules[i] for i in rec._prefilter_sets.matching(data)}
        assert gated == rec._matching_rules(text, data), repr(text)


def test_table_gate_is_the_header_search() -> None:
    """Rule: the password-table header is searched only when one of its anchor literals
    occurs, and its search never matches a text without one."""
    from detectors.recognisers.credentials import _TABLE_HEADER

    rec = _fast()
    assert {"password", "pwd"} <= set(rec._table_literals)
    assert not _plain()._table_literals
    rng = random.Random(11)
    texts = _generated(rng, [*_pieces(rec), "| System | User | Password |\n"], 600)
    texts += ["| host | PASSWORD |\n| a | Xy9!abcd |", "user,pwd\nbob,Xy9!abcd", "no table"]
    for text in texts:
        gated, _ = rec._index.scan(text, fold(text))
        if rec._table_gate not in gated:
            assert _TABLE_HEADER.search(text.encode()) is None, repr(text)
    assert _hits(rec, texts[-3]) == _hits(_plain(), texts[-3]) != []


def test_frequent_literals_fall_back_to_the_plain_search() -> None:
    """Rule: a rule whose literals occur more often than a plain search costs is searched
    the plain way in that text (a config dump: bounded work, same hits)."""
    rng = random.Random(5)
    lines = [f"api_key_{i}: {'tok' if i % 3 else 'value'}-{i}" for i in range(3000)]
    for at in (17, 1500, 2999):
        lines[at] = "export API_SECRET_KEY=" + "".join(
            rng.choice("aB3xY9pQ7zK2") for _ in range(24)
        )
    text = "\n".join(lines)
    rec = _fast()
    gated, starts = rec._index.scan(text, fold(text))
    generic = next(i for i, r in enumerate(rec.rules) if r.id == "generic-secret-assignment")
    assert generic in gated and starts[generic] is None
    hits = _hits(rec, text)
    assert hits == _hits(_plain(), text)
    assert len(hits) >= 3


def test_table_headers_are_the_whole_text_search() -> None:
    """Rule: the password-table header lines, searched line by line where a header literal
    occurs, are exactly ``_TABLE_HEADER.finditer`` over the whole text (start and line), on
    generated texts with header rows, long lines (the 300-character bounds), CRLF, LONG S
    (RE2's ``(?i)`` folds it to s), words that only contain a keyword (no word boundary),
    and a dump with more occurrences than line searches pay for."""
    from detectors.recognisers.credentials import _TABLE_HEADER

    rec = _fast()
    rng = random.Random(12)
    rows = [
        "| System | User | Password |", "user,pwd,role", "Passphrases\tnote", "mypassword;x",
        "pa\u017fsword | host", "x" * 299 + " password", "x" * 301 + " password",
        "password " + "y" * 300, "password " + "y" * 301, "PASSCODE,passwd\r", "",
    ]  # fmt: skip
    texts = ["\n".join(rng.choice(rows) for _ in range(rng.randint(1, 8))) for _ in range(400)]
    texts += ["\n".join(["name,password"] * 200), "password\n" * 3 + "z" * 5000]
    for text in texts:
        expected = [(m.start(), m.group(0)) for m in _TABLE_HEADER.finditer(text)]
        assert list(rec._table_headers(text, text.encode(), fold(text))) == expected, repr(text)
    assert any(list(rec._table_headers(t, t.encode(), fold(t))) for t in texts)


def test_self_gated_trigger_is_the_engine_gate() -> None:
    """Rule: the recogniser gates itself (the engine calls it on every view): where its
    trigger pattern (any keyword, any case, or a prefilter under ``(?i)``) does not match,
    it finds nothing; where it does, it finds what it found when the engine's gate had
    asked the trigger first (every pass run unconditionally). Corpus views and generated
    texts, with joined literals, HTML-escaped lines and password tables, which need no
    keyword of a rule."""
    from detectors.engine import ScanEngine

    rec = _fast()
    (trigger,) = rec.PATTERNS
    assert trigger.self_gated
    engine = ScanEngine(load_ner=False)
    index = next(i for i, (r, _) in enumerate(engine._patterns) if isinstance(r, type(rec)))
    assert index in engine._always and index not in engine._set_owner
    trigger_rx = rec.compiled[0]
    texts = [json.loads(line)["text"] for line in (CORPUS / "dev.jsonl").read_text().splitlines()]
    extra = ['"AKIAQ3EG" + "RKTN7V2XPZ5M"', "&quot;a&quot; + &quot;b&quot;", "| passcode |\n| x |"]
    extra += ["x " + "0F" * 16 + "-" + "AB" * 4 + "-" + "CD" * 4 + ' "ab" + "cd"']
    texts += extra + _generated(random.Random(3), [*_pieces(rec), *extra], 800)
    ungated = CredentialRecogniser()
    ungated._triggered = lambda _text, _data, _tables: True  # every pass, as the engine ran it
    triggered = 0
    for text in texts:
        data = text.encode()
        b2c = None if len(data) == len(text) else _byte_to_char(data)
        got = _hits(rec, text)
        if trigger_rx.search(data) is None:
            assert got == [], repr(text)
            continue
        triggered += 1
        assert got == [
            (c.entity, c.start, c.end, c.pattern)
            for c in ungated.candidates_for(0, text, data, b2c)
        ], repr(text)
    assert 100 < triggered < len(texts)
    # a join that makes a keyword no piece holds: the passes find it, the trigger does not
    # match, so the engine never asked (and still does not)
    split = 'k = "AK" + "IAQ3EGRKTN7V2XPZ5M"'
    assert trigger_rx.search(split.encode()) is None
    assert _hits(rec, split) == [] != _hits(ungated, split)
