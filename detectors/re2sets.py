"""Packed RE2 sets: which of many patterns match a text, in few passes without DFA blow-up.

An RE2 set answers "which of these patterns match anywhere" in one linear pass, with a DFA
built lazily, text by text. The states of one set's DFA are combinations of its patterns'
states, so a pattern with a large program (a word-list alternation) beside others multiplies
them: each new prompt then builds new states (the scan's cold cost, ``bench/README.md``).
:class:`PackedSets` keeps a large program alone and the rest in runs; the union of the
sets' matches is the answer of one set of every pattern (and of each pattern searched alone).
The engine's recogniser patterns and the normaliser's blob finders use it.

A set whose every pattern needs a character of a *probe* (a digit, an ``@``:
:func:`needed_probe`, read from the pattern's syntax tree) is skipped on a text that has none:
one byte-class search per text decides it for all of them (the answer is unchanged: such a
pattern cannot match there), so a digit-free prompt builds no DFA states in the identifier
sets.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

import re2

try:  # the standard library's regex parser (a syntax tree; RE2 has no Python binding for one)
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - another Python: no probes, every set always runs
    _sre = _sre_parse = None

#: patterns per set (several sets of 32 cost less on a first pass than one of every pattern)
PATTERNS_PER_SET = 32
#: patterns per set for a small family of shape checks (blob finders, the normaliser's shape
#: checks, credential prefilters): their counted runs (``[A-Za-z0-9+/]{32}``, ``\\d{1,3}``)
#: multiply each other's DFA states, so sets of 4 cost less on a first pass than sets of 32
#: (cold dev pass, CPU: shape checks 0.040-0.046 -> 0.029-0.032 s, blob finders 0.022 ->
#: 0.017 s, credential prefilters 0.017 (one set) -> 0.008-0.014 s; ``bench/README.md``)
SMALL_FAMILY_PER_SET = 4
#: a pattern whose RE2 program is larger than this (instructions) gets a set of its own:
#: beside other patterns its states multiply with theirs (the engine's 14 name patterns,
#: 5,000-16,000 instructions each, cost 0.06-0.14 s of DFA construction on a first pass over
#: the dev corpus in one set, 0.001 s each alone; the normaliser's character-code finder,
#: 3,092, took the blob set from 0.011 s to 0.046 s)
LARGE_PROGRAM = 800


class PackedSets:
    """RE2 search sets over ``patterns`` (compiled with ``options``); :meth:`matching` is
    the set of indices (into ``patterns``) of those that match a text."""

    def __init__(
        self,
        patterns: Sequence[str],
        options: re2.Options,
        per_set: int = PATTERNS_PER_SET,
        large_program: int = LARGE_PROGRAM,
        apart: Sequence[Sequence[int]] = (),
        apart_per_set: int = SMALL_FAMILY_PER_SET,
    ) -> None:
        """``apart``: families of indices packed among themselves only, ``apart_per_set``
        to a set (a large program still gets a set of its own)."""
        groups: list[tuple[str | None, list[int]]] = []
        family_of = {index: n for n, family in enumerate(apart) for index in family}
        # small patterns and each family, split by the probe they need (same order inside)
        runs: dict[tuple[int, str | None], list[int]] = {}
        for index, pattern in enumerate(patterns):
            probe = needed_probe(pattern)
            if re2.compile(pattern, options).programsize > large_program:
                groups.append((probe, [index]))
            else:
                runs.setdefault((family_of.get(index, -1), probe), []).append(index)
        for (family, probe), run in sorted(runs.items(), key=lambda kv: kv[0][0]):
            size = per_set if family < 0 else apart_per_set
            groups += [(probe, run[i : i + size]) for i in range(0, len(run), size)]
        self.sets: list[tuple[list[int], re2.Set]] = []
        #: the probe each set's patterns all need (None: none), in the order of ``sets``
        self.probes: list[str | None] = []
        for probe, members in groups:
            rs = re2.Set.SearchSet(options)
            for index in members:
                rs.Add(patterns[index])
            rs.Compile()
            self.sets.append((members, rs))
            self.probes.append(probe)

    def matching(self, data: bytes) -> set[int]:
        """Indices of the patterns that match somewhere in ``data`` (UTF-8)."""
        present = {name for name, rx in _PROBE_SEARCH.items() if rx.search(data)}
        return {
            members[i]
            for (members, rs), probe in zip(self.sets, self.probes, strict=True)
            if probe is None or probe in present
            for i in rs.Match(data) or ()
        }


#: probes: name -> the characters one of which a pattern may need in every match; a pattern
#: gets the first probe it needs (the rarest first). Characters without case only (RE2's
#: ``(?i)`` folds letters beyond ASCII: KELVIN SIGN is k).
PROBES: dict[str, str] = {"at": "@", "digit": "0123456789"}
_PROBE_SEARCH = {
    name: re.compile(b"[" + re.escape(chars.encode()) + b"]") for name, chars in PROBES.items()
}


def needed_probe(pattern: str) -> str | None:
    """The first of :data:`PROBES` one of whose characters every match of the RE2
    ``pattern`` contains, or None (none, or not known).

    Read from the standard library's parse of the pattern: where RE2's syntax differs, that
    parse fails (``\\pL``, ``\\C``, ``\\Q..\\E``, ``\\z``, ``(?U)``, flags mid-pattern) and the answer
    is None, or reads a character class as other characters (``[[:digit:]]``), which only
    makes it need less. ``\\d`` counts as ``[0-9]`` (RE2's meaning). A literal, a class of
    only probe characters, a repeat of at least one, a group, every branch of an
    alternation, any item of a sequence: each needs what it must contain."""
    if _sre_parse is None or not isinstance(pattern, str):
        return None
    try:
        with warnings.catch_warnings():  # "possible nested set": RE2's [[:alpha:]]
            warnings.simplefilter("ignore")
            tree = _sre_parse.parse(pattern)
    except Exception:  # RE2-only syntax: nothing known
        return None
    for name, chars in PROBES.items():
        if _needs(tree, frozenset(chars)):
            return name
    return None


def _needs(items, chars: frozenset[str]) -> bool:
    """Does every string a parsed sequence matches contain one of ``chars``?"""
    return any(_item_needs(op, av, chars) for op, av in items)


def _item_needs(op, av, chars: frozenset[str]) -> bool:
    c = _sre
    if op is c.LITERAL:
        return chr(av) in chars
    if op is c.IN:
        return bool(av) and all(_class_item_within(o, a, chars) for o, a in av)
    if op is c.SUBPATTERN:
        return _needs(av[3], chars)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        return av[0] >= 1 and _needs(av[2], chars)
    if op is c.BRANCH:
        return all(_needs(branch, chars) for branch in av[1])
    return False  # anchors, any character, negated literals, the rest: nothing known


def _class_item_within(op, av, chars: frozenset[str]) -> bool:
    """Is every character this class item admits one of ``chars``?"""
    c = _sre
    if op is c.LITERAL:
        return chr(av) in chars
    if op is c.RANGE:
        return (
            all(chr(x) in chars for x in range(av[0], av[1] + 1)) if av[1] - av[0] < 64 else False
        )
    if op is c.CATEGORY:  # \d is [0-9] in RE2
        return av is c.CATEGORY_DIGIT and frozenset("0123456789") <= chars
    return False  # NEGATE and the rest
