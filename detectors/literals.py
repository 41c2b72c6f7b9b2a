"""Literal prefilter: which groups of ASCII literals occur in a text, in any case.

The hot path asks "does any of these few hundred keywords occur?" for every prompt (the
credential rules' keywords, :mod:`detectors.recognisers.credentials`). An RE2 ``(?i)``
alternation or set answers it, but builds its DFA lazily: each new prompt builds new states,
and that warm-up was most of the first-pass cost of those sets (``bench/README.md``). An
Aho-Corasick automaton (``pyahocorasick``, made for exactly this) is built once at load, and
a scan is one linear pass with no warm-up.

Same answer as RE2: ``(?i)`` in RE2 matches an ASCII letter by simple case folding, whose
orbits reaching ASCII are the ASCII pairs plus KELVIN SIGN (k) and LONG S (s). :func:`fold`
maps exactly those (one char to one char), so "a literal occurs in ``fold(text)``" is "RE2
``(?i)literal`` matches ``text``" (``tests/unit/detectors/test_literals.py`` checks every
code point against RE2).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

import ahocorasick

#: RE2's ``(?i)`` for ASCII letters: A-Z, KELVIN SIGN and LONG S fold to a-z.
_ASCII_FOLD = str.maketrans(
    {**{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)}, "\u212a": "k", "\u017f": "s"}
)


def fold(text: str) -> str:
    """``text`` with exactly the case folds RE2's ``(?i)`` applies to ASCII letters (same
    length; non-ASCII characters other than KELVIN SIGN and LONG S are kept as they are)."""
    return text.lower() if text.isascii() else text.translate(_ASCII_FOLD)


def caseless(ch: str) -> bool:
    """Does RE2's ``(?i)`` match ``ch`` (a non-ASCII character) only as itself? True for a
    character with no case at all (not an upper, lower or title case letter, its own upper
    and lower case: Hangul, Thai, CJK, punctuation): :func:`fold` keeps it, so it may stand
    in a literal as it is (``tests/unit/detectors/test_literals.py`` checks every code
    point against RE2)."""
    return (
        unicodedata.category(ch) not in ("Lu", "Ll", "Lt")
        and ch.upper() == ch
        and ch.lower() == ch
        and ch.casefold() == ch
    )


#: a literal that counts only at a word edge: ``(literal, at_word_start, at_word_end)``,
#: where an edge is RE2's ``\\b`` (ASCII word characters) in the text itself
EdgedLiteral = tuple[str, bool, bool]


def _word(ch: str) -> bool:
    """A word character of RE2's ``\\b`` (ASCII letters, digits, underscore)."""
    return ch.isascii() and (ch.isalnum() or ch == "_")


def word_edge(text: str, i: int) -> bool:
    """Does RE2's ``\\b`` hold at offset ``i`` of ``text``?"""
    before = i > 0 and _word(text[i - 1])
    after = i < len(text) and _word(text[i])
    return before != after


class LiteralSet:
    """Groups of literals (ASCII and :func:`caseless` characters); :meth:`groups_in` tells
    which groups have a literal in a folded text (the answer an RE2 set of
    ``(?i)(?:lit|lit...)`` patterns gives). A literal may be an :data:`EdgedLiteral`: it
    then counts only where RE2's ``\\b`` holds at its start and/or end in the text."""

    def __init__(self, groups: Sequence[Iterable[str | EdgedLiteral]]) -> None:
        owners: dict[str, dict[tuple[bool, bool], set[int]]] = {}
        for index, literals in enumerate(groups):
            for item in literals:
                literal, start, end = (item, False, False) if isinstance(item, str) else item
                if not literal or not all(c.isascii() or caseless(c) for c in literal):
                    raise ValueError(
                        f"literal group {index}: {literal!r} is not a non-empty string of"
                        " ASCII and caseless characters"
                    )
                edges = owners.setdefault(literal.lower(), {})
                edges.setdefault((start, end), set()).add(index)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY)
        self._edged = False
        for literal, edges in owners.items():
            plain = edges.pop((False, False), set())
            # an edged entry already counted unedged needs no check
            checked = tuple(
                (len(literal), start, end, tuple(sorted(indices - plain)))
                for (start, end), indices in sorted(edges.items())
                if indices - plain
            )
            self._edged = self._edged or bool(checked)
            self._automaton.add_word(literal, (tuple(sorted(plain)), checked))
        self._empty = not owners
        if not self._empty:
            self._automaton.make_automaton()

    def groups_in(self, folded: str, text: str | None = None) -> set[int]:
        """Indices of the groups with a literal in ``folded`` (a :func:`fold` result of
        ``text``; ``text`` is needed when a literal is edged)."""
        if self._empty:
            return set()
        found: set[int] = set()
        seen: set[tuple[int, ...]] = set()
        if not self._edged:
            for _end, (indices, _) in self._automaton.iter(folded):
                if indices not in seen:
                    seen.add(indices)
                    found.update(indices)
            return found
        if text is None:
            raise ValueError("edged literals need the text itself")
        for end, (indices, checked) in self._automaton.iter(folded):
            if indices and indices not in seen:
                seen.add(indices)
                found.update(indices)
            for length, start_edge, end_edge, owners in checked:
                if owners in seen:
                    continue
                if start_edge and not word_edge(text, end + 1 - length):
                    continue
                if end_edge and not word_edge(text, end + 1):
                    continue
                seen.add(owners)
                found.update(owners)
        return found
