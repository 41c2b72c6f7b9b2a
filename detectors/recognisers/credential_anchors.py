"""Where a credential rule's matches can start: its anchor literals, read from the regex.

An unanchored RE2 search that must report where a match starts runs a second, reversed
DFA from the match's end back to its start. For the large generic rules (``[\\w.-]{0,40}?``
prefixes, ``{8,300}`` value runs under ``(?i)``) that reversed DFA meets new states in
nearly every prompt with a hit: ~1 ms of CPU a matching prompt on a fresh worker, against
~0.03 ms for the same match anchored at its start (``detectors/README.md``, credentials).

:func:`anchor_of` reads a rule's regex (the syntax RE2 shares with Python's own regex
parser) and finds literals one of which every match contains, each at a bounded distance
from the match's start: ``(?i)(?:^|[^a-z0-9])[\\w.-]{0,40}?(?:secret|token|...)`` starts
0-41 characters before ``secret`` or ``token``. A search is then exact with no reversed DFA:
the leftmost start at or after a position is the first candidate start (``literal position
- distance``, in order) where the regex matches anchored (RE2's unanchored search is the
leftmost start that has a match, and there the same match an anchored search finds), and
every start with a match is a candidate (the match contains an anchor literal at a distance
in range). Literals are found in :func:`detectors.literals.fold`'s form of the text, which
holds every case form RE2's ``(?i)`` matches and every exact one.

Only what both parsers read alike is analysed: a pattern the Python parser rejects or warns
about (``\\pL``, ``\\z``, ``[[:alpha:]]``, scoped ``(?i)`` in the middle), or one with
``{,n}`` (RE2 reads it as literal text), gets no anchor and is searched as before. Widths
count characters: each RE2 atom matches one code point in UTF-8 mode.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from re import _constants as sre  # the parser of Python's own ``re``: a stable, tested reader
from re import _parser as sre_parse

import ahocorasick

#: distances past this are treated as unbounded (no anchor there)
_UNBOUNDED = 10_000
#: shortest literal worth anchoring on (shorter ones occur everywhere)
MIN_LITERAL = 2


@dataclass(frozen=True, slots=True)
class Anchor:
    """Every match contains one of ``literals`` (lower case ASCII): ``(literal, lo, hi)``,
    the literal starting ``lo`` to ``hi`` characters after the match's start."""

    literals: tuple[tuple[str, int, int], ...]
    #: ASCII characters that may lie between a match's start and its literal (None: any);
    #: non-ASCII ones always may
    between: frozenset[str] | None = None
    #: the start's own character may be any (a first item of at most one character)
    free_first: bool = False
    #: the match starts at the start of its literal's line (``^``, then no newline)
    line_start: bool = False

    @property
    def spread(self) -> int:
        """The most candidate starts one literal occurrence gives."""
        return 1 if self.line_start else max(hi - lo + 1 for _, lo, hi in self.literals)


class _NotShared(ValueError):
    """A construct whose meaning or width this reader does not vouch for."""


def anchor_of(pattern: str) -> Anchor | None:
    """The anchor of an RE2 ``pattern`` (see the module docstring), or None."""
    if "{," in pattern:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = sre_parse.parse(pattern)
        options = _options(list(parsed))
    except (_NotShared, sre.error, FutureWarning, DeprecationWarning, RecursionError):
        return None
    items = list(parsed)
    line_start = bool(items) and items[0] in _LINE_STARTS
    short_first = bool(items) and _width(items[0])[1] <= 1
    alphabets: dict[int, frozenset[str]] = {}  # item index -> what it may consume

    def head(first: int, last: int) -> frozenset[str]:
        out: set[str] = set()
        for i in range(first, last + 1):
            if i not in alphabets:
                alphabets[i] = _alphabet([items[i]])
            out |= alphabets[i]
            if len(out) == len(_ALL):
                break
        return frozenset(out)

    eligible = []
    for option, at in options:
        # the characters between a match's start and its anchor literal: those the items up
        # to the one holding the literal consume; a first item of at most one character
        # (``^``, ``[^a-z0-9]``) may take any character, so it is left out and the start's
        # own character is never checked
        free_first = at > 0 and short_first
        between = head(1 if free_first else 0, at)
        between = None if between == _ALL else between
        if all(hi < _UNBOUNDED for _, _, hi in option):
            eligible.append((_cost(option, between), option, between, free_first, False))
        elif line_start and between is not None and "\n" not in between:
            # ``^`` then no newline before the literal: the start is the literal's line start
            cost = _cost(tuple((lit, 0, 0) for lit, _, _ in option))
            eligible.append((cost, option, between, free_first, True))
    if not eligible:
        return None
    _, best, between, free_first, line = min(eligible, key=lambda e: e[0])
    return Anchor(tuple(sorted(set(best))), between, free_first, line)


#: a first item that puts the start at a line's (or the text's) start, in RE2 as in Python
_LINE_STARTS = ((sre.AT, sre.AT_BEGINNING), (sre.AT, sre.AT_BEGINNING_STRING))


def _cost(option: tuple[tuple[str, int, int], ...], between=None) -> float:
    """Expected anchored tries: candidate starts per occurrence (a word's length or so when
    the characters before the literal are checked), weighted by how rare a literal of that
    length is."""
    return sum(
        min(hi - lo + 1, 12 if between else _UNBOUNDED) * 4.0 ** -min(len(lit), 8)
        for lit, lo, hi in option
    )


def _width(item) -> tuple[int, int]:
    lo, hi = sre_parse.SubPattern(sre_parse.State(), [item]).getwidth()
    return lo, (hi if hi < _UNBOUNDED else _UNBOUNDED)


def _literal_char(item) -> str | None:
    """The folded ASCII character an item matches (``x``, or ``[Xx]``), else None."""
    op, av = item
    if op is sre.LITERAL:
        return chr(av).lower() if av < 128 else None
    if op is sre.IN and av and all(o is sre.LITERAL and a < 128 for o, a in av):
        folded = {chr(a).lower() for _, a in av}
        return folded.pop() if len(folded) == 1 else None
    return None


def _shift(option, lo: int, hi: int):
    return tuple((lit, a + lo, min(b + hi, _UNBOUNDED)) for lit, a, b in option)


def _long_enough(option) -> bool:
    return all(len(lit) >= MIN_LITERAL for lit, _, _ in option)


_REJECTED = {
    sre.GROUPREF,
    sre.GROUPREF_EXISTS,
    sre.ASSERT,
    sre.ASSERT_NOT,
    getattr(sre, "ATOMIC_GROUP", None),
    getattr(sre, "POSSESSIVE_REPEAT", None),
}


def _options(items: list) -> list[tuple[tuple[tuple[str, int, int], ...], int]]:
    """Covers of a sequence, each with the index of the item that holds it (the last of a
    literal run): a tuple of ``(literal, lo, hi)`` one of which every match of the sequence
    contains (offsets from the sequence's start)."""
    out: list[tuple[tuple[tuple[str, int, int], ...], int]] = []
    lo = hi = 0
    run, run_lo, run_hi = "", 0, 0
    for at, item in enumerate(items):
        op, av = item
        if op in _REJECTED:
            raise _NotShared(str(op))
        char = _literal_char(item)
        if char is not None:
            if not run:
                run_lo, run_hi = lo, hi
            run += char
        else:
            if run:
                out.append((((run, run_lo, run_hi),), at - 1))
            if run and op is sre.BRANCH:
                # a run before an alternation whose branches each start with literals (the
                # parser factors ``facebook|fb`` into ``f(?:acebook|b)``): run + each lead
                leads = [_lead(b) for b in av[1]]
                out.append((tuple((run + lead, run_lo, run_hi) for lead in leads), at))
            if op is sre.SUBPATTERN:
                out += [(_shift(o, lo, hi), at) for o, _ in _options(list(av[-1]))]
            elif op is sre.BRANCH:
                branches = [_best(_options(list(b))) for b in av[1]]
                if all(branches):
                    out.append((_shift(tuple(x for b in branches for x in b), lo, hi), at))
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
                out += [(_shift(o, lo, hi), at) for o, _ in _options(list(av[2]))]
            run = ""
        w_lo, w_hi = _width(item)
        lo, hi = lo + w_lo, min(hi + w_hi, _UNBOUNDED)
    if run:
        out.append((((run, run_lo, run_hi),), len(items) - 1))
    return [(o, at) for o, at in out if _long_enough(o)]


def _lead(items) -> str:
    """The literal characters a sequence starts with."""
    lead = ""
    for item in items:
        char = _literal_char(item)
        if char is None:
            break
        lead += char
    return lead


def _best(options):
    return min((o for o, _ in options), key=_cost, default=None)


#: ASCII characters RE2's classes may match, read generously (a superset is safe: it only
#: keeps more candidate starts); non-ASCII characters always count as matched
_ASCII = [chr(c) for c in range(128)]
_CATEGORY = {
    sre.CATEGORY_DIGIT: frozenset("0123456789"),
    sre.CATEGORY_WORD: frozenset(c for c in _ASCII if c.isalnum() or c == "_"),
    sre.CATEGORY_SPACE: frozenset(" \t\n\r\f\v\x1c\x1d\x1e\x1f"),
}
_ALL = frozenset(_ASCII)


def _cased(chars) -> set[str]:
    chars = set(chars)
    return {v for v in (*chars, *"".join(chars).swapcase()) if v.isascii()}


def _alphabet(items) -> frozenset[str]:
    """ASCII characters ``items`` may consume (a superset: case variants always added,
    negated classes and ``.`` taken as everything)."""
    out: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            out |= _cased([chr(av)])
        elif op in (sre.NOT_LITERAL, sre.ANY):
            return _ALL
        elif op is sre.IN:
            if any(o is sre.NEGATE for o, _ in av):
                return _ALL
            for o, a in av:
                if o is sre.LITERAL:
                    out |= _cased([chr(a)])
                elif o is sre.RANGE:
                    out |= _cased(chr(c) for c in range(a[0], min(a[1], 127) + 1))
                elif o is sre.CATEGORY and a in _CATEGORY:
                    out |= _CATEGORY[a]
                else:
                    return _ALL
        elif op is sre.CATEGORY:
            return _ALL
        elif op is sre.SUBPATTERN:
            out |= _alphabet(av[-1])
        elif op is sre.BRANCH:
            for branch in av[1]:
                out |= _alphabet(branch)
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            out |= _alphabet(av[2])
        elif op is not sre.AT:
            return _ALL
        if len(out) == len(_ALL):
            return _ALL
    return frozenset(out)


class AnchorIndex:
    """One Aho-Corasick pass (``pyahocorasick``) over a folded text answering both questions
    the credential recogniser asks of it: which rules' keywords occur (the gate: exactly
    :class:`detectors.literals.LiteralSet`'s answer), and where each anchored rule's
    matches can start (the char ranges given by its anchor literals' occurrences)."""

    def __init__(self, keywords: Sequence[Iterable[str]], anchors: Sequence[Anchor | None]) -> None:
        gate: dict[str, set[int]] = {}
        for index, words in enumerate(keywords):
            for word in words:
                if not word or not word.isascii():
                    raise ValueError(f"rule {index}: keyword {word!r} is not non-empty ASCII")
                gate.setdefault(word.lower(), set()).add(index)
        #: rules the keywords gate (the others: a prefilter, asked after this scan)
        self._keyed = frozenset(index for rules in gate.values() for index in rules)
        spans: dict[str, list[tuple]] = {}
        for index, anchor in enumerate(anchors):
            for literal, lo, hi in anchor.literals if anchor else ():
                spans.setdefault(literal, []).append(
                    (index, lo, -1 if anchor.line_start else hi, anchor.between, anchor.free_first)
                )
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        groups: dict[tuple[int, ...], int] = {}  # each distinct gate group, by a small id
        for word in sorted(gate.keys() | spans.keys()):
            rules = tuple(sorted(gate.get(word, ())))
            group = groups.setdefault(rules, len(groups)) if rules else -1
            # (gate group id or -1, rules gated, anchored (rule, lo, hi, between, free_first))
            self._automaton.add_word(
                word, (group, rules, tuple(spans.get(word, ())), len(word) - 1)
            )
        self._empty = not (gate or spans)
        if not self._empty:
            self._automaton.make_automaton()

    def scan(
        self, text: str, folded: str
    ) -> tuple[set[int], dict[int, list[tuple[int, int]] | None]]:
        """``(gated, starts)``: the rules with a keyword in ``text`` (any case; ``folded`` is
        its :func:`detectors.literals.fold`), and for each anchored rule with an anchor
        literal there, the ``(first, last)`` ranges of chars where a match may start (None:
        search that rule over the whole text)."""
        gated: set[int] = set()
        starts: dict[int, list[tuple[int, int]] | None] = {}
        if self._empty:
            return gated, starts
        seen: set[int] = set()
        found: dict[int, tuple[tuple, list[int]]] = {}  # per word: its entries, its starts
        for end, (group, rules, spans, back) in self._automaton.iter(folded):
            if group >= 0 and group not in seen:
                seen.add(group)
                gated.update(rules)
            if spans:
                key = id(spans)
                if key not in found:
                    found[key] = (spans, [])
                found[key][1].append(end - back)
        # a rule whose literals occur more often than a plain search costs (about one
        # anchored try per kilobyte of text) is searched the plain way in this text
        limit = _FEW_OCCURRENCES + len(text) // 1024
        counts: dict[int, int] = {}
        for spans, ats in found.values():
            for entry in spans:
                counts[entry[0]] = counts.get(entry[0], 0) + len(ats)
        for spans, ats in found.values():
            for index, lo, hi, between, free_first in spans:
                if index not in gated and index in self._keyed:
                    continue  # its keywords are absent: the rule does not run
                if counts[index] > limit:
                    starts[index] = None  # searched the plain way
                    continue
                for at in ats:
                    span = _candidates(text, folded, at, lo, hi, between, free_first)
                    if span is _LONG_LINE:
                        starts[index] = None
                        break
                    if span is not None:
                        _add(starts, index, span)
        return gated, starts


#: anchor literal occurrences a rule may have in a short text before it is searched plainly
_FEW_OCCURRENCES = 64
#: the longest run of characters walked back from a literal occurrence to its line's start
_MAX_WALK = 4096


#: what :func:`_candidates` says of a literal on a line too long to walk
_LONG_LINE = (-1, -1)


def _candidates(text, folded, at, lo, hi, between, free_first) -> tuple[int, int] | None:
    """The ``(first, last)`` chars where a match may start for the literal occurrence at
    ``at`` (None: nowhere; :data:`_LONG_LINE`: the line is too long to walk)."""
    if hi < 0:  # the start of the literal's line, if only ``between`` lies between
        first = folded.rfind("\n", max(0, at - _MAX_WALK), at) + 1
        if first == 0 and at > _MAX_WALK:
            return _LONG_LINE
        return (first, first) if first <= at - lo and _only(text, first, at, between) else None
    first = max(at - hi, 0)
    if between is not None:
        # the characters between the start and the literal must be ones the regex's head
        # may consume (ASCII checked; any other may be)
        i = at - 1
        while i >= first and (text[i] in between or not text[i].isascii()):
            i -= 1
        first = max(first, i if free_first else i + 1)
    return (first, at - lo) if first <= at - lo else None


def _add(starts: dict, index: int, span: tuple[int, int]) -> None:
    spans = starts.setdefault(index, [])
    if spans is not None:  # None: that rule is searched the plain way in this text
        spans.append(span)


def _only(text: str, first: int, stop: int, between: frozenset[str]) -> bool:
    """Every character of ``text[first:stop]`` is non-ASCII or in ``between``."""
    return all(c in between or not c.isascii() for c in text[first:stop])
