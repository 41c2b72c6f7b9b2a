"""Which of many RE2 patterns can match a text: Hyperscan for ASCII text, RE2 sets otherwise.

The engine asks, for every view of every prompt, which of its ~120 recogniser patterns can
match at all (:class:`detectors.re2sets.PackedSets`). RE2 builds its DFA states lazily, text
by text, so a freshly started worker pays DFA construction on every new prompt; that was
most of the sets' cost (``bench/README.md``). Hyperscan (Intel's automata regex engine,
``hyperscan`` on PyPI) compiles its databases ahead of time and scans linearly with no
warm-up and no backtracking.

Its compile cost is the catch: in UTF-8 mode the name patterns' ``\\p{Lu}\\p{Ll}+`` and the
credential rules' bounded repeats take seconds to minutes to compile (``detectors/README.md``).
So the Hyperscan databases here are built for **ASCII text only**, in byte mode, where
``\\p{Lu}`` is exactly ``[A-Z]`` and ``\\p{Ll}`` exactly ``[a-z]`` (:func:`ascii_form`); on
ASCII input every other construct RE2 accepts means the same in Hyperscan's byte mode (a
non-ASCII literal or class member never matches ASCII bytes; ``.`` and ``[^...]`` match one
byte, which is one character), except that Hyperscan's ``$`` also matches before a final
newline and its ``\\s`` also matches VT: its answer is a superset of RE2's, never less.
Non-ASCII text, and any pattern :func:`ascii_form` cannot rewrite or Hyperscan cannot compile,
go through RE2 sets as before: each answer is RE2's answer or a superset of it, and with
``exact=True`` every Hyperscan hit is confirmed by the RE2 pattern.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence

import hyperscan
import re2

from detectors.re2sets import PackedSets

#: report each pattern once; a pattern that can match the empty string is reported too
_FLAGS = hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
#: patterns per Hyperscan database: one database of every pattern compiles super-linearly
#: (97 small engine patterns: 0.33 s alone each, 6.6 s in one database, 0.8 s in runs of 8)
PATTERNS_PER_DATABASE = 8
#: Unicode classes with an exact ASCII equivalent (outside a character class)
_ASCII_CLASSES = {r"\p{Lu}": "[A-Z]", r"\p{Ll}": "[a-z]"}
#: a byte that never occurs in ASCII data: what a non-ASCII character of a pattern becomes
_NEVER_ASCII = r"\xff"


def ascii_form(pattern: str) -> str | None:
    """``pattern`` rewritten for Hyperscan's byte mode on ASCII text, or None when it holds
    a construct this does not rewrite exactly (any other Unicode property, a property inside
    a character class, ``\\Q...\\E``, ``\\C``). ``\\p{Lu}`` becomes ``[A-Z]``,
    ``\\p{Ll}`` ``[a-z]``; a non-ASCII character becomes the byte 0xFF, which ASCII data
    never holds (a group outside a class, so ``Bartł?omiej`` still matches ``Bartomiej``; in a class
    ``[^“]`` still matches every ASCII character and ``[a-é]`` ``a`` to DEL)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            nxt = pattern[i + 1]
            if nxt in "pP":
                end = pattern.find("}", i) + 1 if pattern.startswith("{", i + 2) else i + 3
                token = pattern[i:end]
                if in_class or token not in _ASCII_CLASSES:
                    return None
                out.append(_ASCII_CLASSES[token])
                i = end
                continue
            if nxt in "QEC":
                return None
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if not c.isascii():
            # never in ASCII data; one atom, so a quantifier still applies to the character
            out.append(_NEVER_ASCII if in_class else f"(?:{_NEVER_ASCII})")
            i += 1
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end < 0:
                    return None
                out.append(pattern[i : end + 2])
                i = end + 2
                continue
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ] is a member
                out.append("]")
                i += 1
            continue
        out.append(c)
        i += 1
    return None if in_class else "".join(out)


class PatternSets:
    """Which of ``patterns`` (RE2 syntax, compiled with ``options``) match a text.

    :meth:`matching` returns a superset of the patterns that match (RE2's exact answer for
    non-ASCII text; for ASCII text Hyperscan's, which can also report a pattern whose ``$``
    matched before a final newline or whose ``\\s`` matched VT); with ``exact=True`` each
    Hyperscan hit is confirmed by the RE2 pattern, so the answer is exactly RE2's.
    """

    def __init__(
        self,
        patterns: Sequence[str],
        options: re2.Options,
        *,
        exact: bool = False,
        per_database: int = PATTERNS_PER_DATABASE,
    ) -> None:
        self._any_text = PackedSets(patterns, options)  # exact for every text
        forms = {i: f for i, p in enumerate(patterns) if (f := ascii_form(p)) is not None}
        order = sorted(forms)
        self.databases: list[hyperscan.Database] = []
        self.hyperscan_ids: list[int] = []
        for start in range(0, len(order), per_database):
            self._add_databases(order[start : start + per_database], forms)
        in_hyperscan = set(self.hyperscan_ids)
        self._rest = [i for i in range(len(patterns)) if i not in in_hyperscan]
        self._ascii_rest = PackedSets([patterns[i] for i in self._rest], options)
        self._confirm = [re2.compile(p, options) for p in patterns] if exact else None
        self._local = threading.local()

    def _add_databases(self, members: list[int], forms: dict[int, str]) -> None:
        """One database of ``members``; if that fails to compile, one per member, and a
        member Hyperscan cannot compile stays with the RE2 sets."""
        try:
            self.databases.append(_database(members, forms))
            self.hyperscan_ids += members
        except hyperscan.error:
            if len(members) == 1:
                return
            for index in members:
                self._add_databases([index], forms)

    def _scratches(self) -> list[hyperscan.Scratch]:
        """This thread's scratch space, one per database (Hyperscan's scratch is not
        shared between threads that scan at the same time)."""
        scratches = getattr(self._local, "scratches", None)
        if scratches is None:
            scratches = [hyperscan.Scratch(db) for db in self.databases]
            self._local.scratches = scratches
        return scratches

    def matching(self, data: bytes, text: str | None = None) -> set[int]:
        """Indices of the patterns that can match somewhere in ``data`` (UTF-8); ``text``
        as :meth:`detectors.re2sets.PackedSets.matching` takes it."""
        if not data.isascii():
            return self._any_text.matching(data, text)
        found: set[int] = set()

        def on_match(index: int, _start: int, _end: int, _flags: int, _ctx: object) -> None:
            found.add(index)

        for db, scratch in zip(self.databases, self._scratches(), strict=True):
            db.scan(data, match_event_handler=on_match, scratch=scratch)
        if self._confirm is not None:
            found = {i for i in found if self._confirm[i].search(data) is not None}
        rest = self._rest
        found.update(rest[i] for i in self._ascii_rest.matching(data, text))
        return found


def _database(members: list[int], forms: dict[int, str]) -> hyperscan.Database:
    return _compiled(tuple(forms[i] for i in members), tuple(members))


@functools.lru_cache(maxsize=512)
def _compiled(expressions: tuple[str, ...], ids: tuple[int, ...]) -> hyperscan.Database:
    """A block-mode database of ``expressions`` reporting ``ids`` (cached: compiling costs
    0.01-0.4 s per pattern, and an engine rebuilt with the same patterns, on a reload or in
    the tests, reuses it; a database is read-only while scanning)."""
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=[e.encode("ascii") for e in expressions],
        ids=list(ids),
        elements=len(ids),
        flags=[_FLAGS] * len(ids),
    )
    return db
