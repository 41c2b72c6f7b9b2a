"""Packed RE2 sets: which of many patterns match a text, in few passes without DFA blow-up.

An RE2 set answers "which of these patterns match anywhere" in one linear pass, with a DFA
built lazily, text by text. The states of one set's DFA are combinations of its patterns'
states, so a pattern with a large program (a word-list alternation) beside others multiplies
them: each new prompt then builds new states (the scan's cold cost, ``bench/README.md``).
:class:`PackedSets` keeps a large program alone and the rest in runs; the union of the
sets' matches is the answer of one set of every pattern (and of each pattern searched alone).
The engine's recogniser patterns and the normaliser's blob finders use it.
"""

from __future__ import annotations

from collections.abc import Sequence

import re2

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
        groups: list[list[int]] = []
        families: list[list[int]] = [[] for _ in apart]
        family_of = {index: n for n, family in enumerate(apart) for index in family}
        small: list[int] = []
        for index, pattern in enumerate(patterns):
            if re2.compile(pattern, options).programsize > large_program:
                groups.append([index])
            elif index in family_of:
                families[family_of[index]].append(index)
            else:
                small.append(index)
        groups += [small[i : i + per_set] for i in range(0, len(small), per_set)]
        for family in families:
            groups += [family[i : i + apart_per_set] for i in range(0, len(family), apart_per_set)]
        self.sets: list[tuple[list[int], re2.Set]] = []
        for members in groups:
            rs = re2.Set.SearchSet(options)
            for index in members:
                rs.Add(patterns[index])
            rs.Compile()
            self.sets.append((members, rs))

    def matching(self, data: bytes) -> set[int]:
        """Indices of the patterns that match somewhere in ``data`` (UTF-8)."""
        return {members[i] for members, rs in self.sets for i in rs.Match(data) or ()}
