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

from detectors.literals import EdgedLiteral, LiteralSet, caseless, fold

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
#: the shortest literal a set's gate may need (:func:`required_gate`; one fewer at a word
#: edge): shorter literals occur in most texts, so the gate would skip nothing and its
#: Aho-Corasick pass would report a hit at nearly every character
GATE_LITERAL = 3
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
        required = [None if options.literal else required_gate(p) for p in patterns]
        required = [r if r and all(map(_usable, r)) else None for r in required]
        # small patterns and each family, split by the probe they need and by whether they
        # need literals (a set is skipped only when all its patterns can be; same order)
        runs: dict[tuple[int, str | None, int, bool], list[int]] = {}
        for index, pattern in enumerate(patterns):
            probe = needed_probe(pattern)
            digit_run = digit_run_level(pattern) if probe == "digit" else 0
            if re2.compile(pattern, options).programsize > large_program:
                groups.append((probe, digit_run, [index]))
            else:
                key = (family_of.get(index, -1), probe, digit_run, required[index] is None)
                runs.setdefault(key, []).append(index)
        for (family, probe, digit_run, _), run in sorted(runs.items(), key=lambda kv: kv[0][0]):
            size = per_set if family < 0 else apart_per_set
            groups += [(probe, digit_run, run[i : i + size]) for i in range(0, len(run), size)]
        self.sets: list[tuple[list[int], re2.Set]] = []
        #: the probe each set's patterns all need (None: none), in the order of ``sets``
        self.probes: list[str | None] = []
        #: the run of consecutive digits each set's patterns all need (a level of
        #: :data:`DIGIT_RUNS`, 0: none known), in the order of ``sets``
        self.digit_runs: list[int] = []
        #: the literals one of which each set's every match holds (None: not gated)
        self.gates: list[frozenset[str] | None] = []
        for probe, digit_run, members in groups:
            rs = re2.Set.SearchSet(options)
            for index in members:
                rs.Add(patterns[index])
            rs.Compile()
            self.sets.append((members, rs))
            self.probes.append(probe)
            self.digit_runs.append(digit_run)
            needs = [required[i] for i in members]
            self.gates.append(None if None in needs else frozenset().union(*needs))
        gated = [i for i, gate in enumerate(self.gates) if gate is not None]
        self._gate = LiteralSet([self.gates[i] for i in gated]) if gated else None
        gate_of = {s: n for n, s in enumerate(gated)}
        #: per set: its members, its match call, its probe and its gate's group (-1: none).
        #: The binding's own ``Match`` (``Set._set``: google-re2's wrapper adds a Python
        #: call, ~0.35 of the ~0.85 us a call costs; the engine makes ~40 calls a view)
        self._runs = [
            (members, getattr(rs, "_set", rs).Match, probe, gate_of.get(n, -1), digit_run)
            for n, ((members, rs), probe, digit_run) in enumerate(
                zip(self.sets, self.probes, self.digit_runs, strict=True)
            )
        ]
        self._levels = sorted({level for level in self.digit_runs if level})

    def matching(self, data: bytes, text: str | None = None) -> set[int]:
        """Indices of the patterns that match somewhere in ``data`` (UTF-8); ``text``: the
        text ``data`` encodes, when the caller has it."""
        present = {name for name, rx in _PROBE_SEARCH.items() if rx.search(data)}
        longest = 0  # the highest level of DIGIT_RUNS the text's digit runs reach
        if "digit" in present:
            for level in self._levels:
                if _DIGIT_RUN_SEARCH[level].search(data) is None:
                    break
                longest = level
        found: set[int] | tuple[()] = ()
        if self._gate is not None:
            if text is None:
                text = data.decode("utf-8", "replace")
            found = self._gate.groups_in(fold(text), text)
        out: set[int] = set()
        for members, match, probe, gate, digit_run in self._runs:
            if (
                (probe is not None and probe not in present)
                or (gate >= 0 and gate not in found)
                or digit_run > longest
            ):
                continue
            hits = match(data)
            if hits:
                out.update(members[i] for i in hits)
        return out


#: probes: name -> the characters one of which a pattern may need in every match; a pattern
#: gets the first probe it needs (the rarest first). Characters without case only (RE2's
#: ``(?i)`` folds letters beyond ASCII: KELVIN SIGN is k).
PROBES: dict[str, str] = {"at": "@", "digit": "0123456789"}
_PROBE_SEARCH = {
    name: re.compile(b"[" + re.escape(chars.encode()) + b"]") for name, chars in PROBES.items()
}


#: levels of the digit-run probe: a set whose every pattern needs a run of at least this
#: many consecutive ASCII digits (:func:`needed_digit_run`) is skipped on a text with no
#: such run (dev corpus views: 61% hold a digit, 35% a run of 4, 9% a run of 7)
DIGIT_RUNS = (4, 7)
_DIGIT_RUN_SEARCH = {n: re.compile(b"[0-9]{%d}" % n) for n in DIGIT_RUNS}


def digit_run_level(pattern: str) -> int:
    """The highest level of :data:`DIGIT_RUNS` at most :func:`needed_digit_run`, or 0."""
    need = needed_digit_run(pattern)
    return max((level for level in DIGIT_RUNS if level <= need), default=0)


def needed_digit_run(pattern: str) -> int:
    """A length of consecutive ASCII digits every match of the RE2 ``pattern`` contains (a
    lower bound: 0 when none is known).

    Read from the standard library's parse, as :func:`needed_probe`; a pattern with ``{,``
    (RE2 reads ``{,n}`` as literal text, Python as a repeat) or one that parse rejects
    answers 0. In a sequence, items that only ever match digits (a digit, a class of
    digits, ``\\d``, a repeat or group of such, zero-width assertions) add their least
    length to the run; any other item ends it and counts for what it needs inside (a
    group, a repeat of at least one, the least of an alternation's branches)."""
    if _sre_parse is None or not isinstance(pattern, str) or "{," in pattern:
        return 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = _sre_parse.parse(pattern)
    except Exception:  # RE2-only syntax: nothing known
        return 0
    return _seq_run(list(tree))


_DIGITS = frozenset("0123456789")


def _digits_only(op, av) -> int | None:
    """The least number of digits an item matches when it matches nothing but digits
    (zero-width items: 0), else None."""
    c = _sre
    if op is c.LITERAL:
        return 1 if chr(av) in _DIGITS else None
    if op is c.IN:
        return 1 if av and all(_class_item_within(o, a, _DIGITS) for o, a in av) else None
    if op is c.AT:
        return 0
    if op is c.SUBPATTERN:
        return _seq_digits_only(av[3])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT):
        body = _seq_digits_only(av[2])
        return None if body is None else av[0] * body
    if op is c.BRANCH:
        lengths = [_seq_digits_only(branch) for branch in av[1]]
        return None if None in lengths else min(lengths)  # type: ignore[type-var]
    return None


def _seq_digits_only(items) -> int | None:
    total = 0
    for op, av in items:
        length = _digits_only(op, av)
        if length is None:
            return None
        total += length
    return total


def _seq_run(items) -> int:
    """The digit run every match of a parsed sequence holds (see :func:`needed_digit_run`)."""
    c = _sre
    best = current = 0
    for op, av in items:
        length = _digits_only(op, av)
        if length is not None:
            current += length
            best = max(best, current)
            continue
        current = 0
        if op is c.SUBPATTERN:
            best = max(best, _seq_run(av[3]))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
            best = max(best, _seq_run(av[2]))
        elif op is c.BRANCH:
            best = max(best, min(_seq_run(branch) for branch in av[1]))
    return best


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


def required_gate(pattern: str) -> frozenset[EdgedLiteral] | None:
    """ASCII literals (folded as :func:`detectors.literals.fold` folds text) one of which
    occurs in the folded text of every match of the RE2 ``pattern``, or None (none known).

    A match of ``pattern`` in a text then holds one of them in ``fold(text)``: a text whose
    fold holds none cannot match. Read from the standard library's parse after RE2-only
    syntax is neutralised (``\\pL``, ``\\p{..}``, ``\\C``, POSIX classes: a class of no
    literal; ``\\z``: an anchor; flag groups, anywhere: a literal's folded form is the same
    in any case mode); whatever else the standard parser rejects (``\\Q..\\E``)
    answers None. Each literal character folds to one
    character (``fold``: RE2's ``(?i)`` of ASCII letters, KELVIN SIGN, LONG S); a run of
    characters that fold to ASCII is a literal; a class whose every member folds to the
    same ASCII character counts as that character; a repeat of at least one and a group
    need what their body does, an alternation the union of its branches' needs (None if one
    branch has none), a sequence the best of its items' needs (the rarest least rare
    literal). Characters other than those that fold to ASCII or are caseless end a run.
    A literal that sits right after (before) a ``\\b`` of the pattern is marked to count
    only at a word start (end): :data:`detectors.literals.EdgedLiteral`."""
    if _sre_parse is None or not isinstance(pattern, str):
        return None
    source = _neutralised(pattern)
    if source is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "possible nested set": a class RE2 reads otherwise
            tree = _sre_parse.parse(source)
    except Exception:  # RE2-only syntax, or syntax the two read differently: nothing known
        return None
    need = _seq_need(tree)
    return None if need is None else frozenset((lit, lb, rb) for lit, lb, rb, _, _ in need)


def _usable(literal: EdgedLiteral) -> bool:
    """Is a literal rare enough to gate a set: :data:`GATE_LITERAL` characters, or one
    fewer at a word edge?"""
    text, start, end = literal
    return len(text) >= GATE_LITERAL or (len(text) == GATE_LITERAL - 1 and (start or end))


def required_literals(pattern: str) -> frozenset[str] | None:
    """The literals of :func:`required_gate` (edges aside)."""
    gate = required_gate(pattern)
    return None if gate is None else frozenset(lit for lit, _, _ in gate)


#: an RE2 flag group, ``(?i)`` or scoped ``(?i-s:``
_FLAGS = re.compile(r"\(\?[imsU]*(?:-[imsU]*)?(\)|:)")
#: RE2-only escapes with no literal: ``\pL``, ``\p{Greek}``, ``\PL``, ``\C`` (any byte)
_RE2_ONLY_ESCAPE = re.compile(r"\\(?:[pP](?:\{[^}]*\}|[A-Za-z])|C)")


def _neutralised(pattern: str) -> str | None:
    """``pattern`` with RE2-only syntax that has no literal replaced by standard syntax
    that has none either (``\\w`` for a property or POSIX class, ``\\Z`` for ``\\z``), or
    None when it cannot be read safely (an escape that does not end)."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            if i + 1 >= n:
                return None
            m = _RE2_ONLY_ESCAPE.match(pattern, i)
            if m:
                out.append("\\w")
                i = m.end()
                continue
            out.append("\\Z" if pattern[i + 1] == "z" else pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "[" and pattern.startswith("[:", i):
                end = pattern.find(":]", i + 2)
                if end < 0:
                    return None
                out.append("\\w")  # a POSIX class ([:alpha:]): no literal
                i = end + 2
                continue
            if ch == "]":
                in_class = False
        elif ch == "(" and (flags := _FLAGS.match(pattern, i)):
            # flags change no literal's folded form ((?i), (?m), (?s), (?U)): dropped, so a
            # flag mid-pattern (RE2 syntax) reads too; a scoped group stays a group
            out.append("(?:" if flags.group(1) == ":" else "")
            i = flags.end()
            continue
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ']' is a member
                out.append("]")
                i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _folded_char(op, av) -> str | None:
    """The one ASCII character every text character this item matches folds to, or None."""
    c = _sre
    if op is c.LITERAL:
        return _literal_char(fold(chr(av)))
    if op is c.IN and av and all(o is c.LITERAL for o, _ in av):
        chars = {fold(chr(a)) for _, a in av}
        if len(chars) == 1:
            return _literal_char(chars.pop())
    return None


def _literal_char(folded: str) -> str | None:
    """A folded character a literal may hold (ASCII, or caseless: RE2's ``(?i)`` matches
    it only as itself), else None."""
    return folded if folded.isascii() or caseless(folded) else None


#: a literal of a need: (folded literal, \b at its start, \b at its end, it starts where
#: the item's match starts, it ends where the item's match ends)
_Lit = tuple[str, bool, bool, bool, bool]


def _score(lit: _Lit) -> int:
    """How rare a literal is: its length, more when it must sit at a word edge."""
    return len(lit[0]) + 2 * lit[1] + 2 * lit[2]


def _better(a: frozenset[_Lit] | None, b: frozenset[_Lit] | None) -> frozenset[_Lit] | None:
    """The more selective of two needs: the rarer least rare literal, then fewer literals."""
    if a is None:
        return b
    if b is None:
        return a
    key_a = (min(map(_score, a)), -len(a))
    key_b = (min(map(_score, b)), -len(b))
    return b if key_b > key_a else a


def _is_boundary(item) -> bool:
    return item[0] is _sre.AT and item[1] is _sre.AT_BOUNDARY


def _seq_need(items) -> frozenset[_Lit] | None:
    """What a parsed sequence needs: each run of folded characters, or an item's need; a
    literal right after / before a ``\\b`` of the sequence must sit at a word edge."""
    items = list(items)
    n = len(items)
    zero = [op is _sre.AT for op, _ in items]  # zero-width items

    def placed(lits, first: int, last: int) -> frozenset[_Lit]:
        """``lits`` of items ``first..last`` as literals of the sequence."""
        before = first > 0 and _is_boundary(items[first - 1])
        after = last + 1 < n and _is_boundary(items[last + 1])
        at_start = all(zero[:first])
        at_end = all(zero[last + 1 :])
        return frozenset(
            (lit, lb or (st and before), rb or (en and after), st and at_start, en and at_end)
            for lit, lb, rb, st, en in lits
        )

    best: frozenset[_Lit] | None = None
    run: list[str] = []
    run_from = 0
    for k, (op, av) in enumerate(items):
        char = _folded_char(op, av)
        if char is not None:
            if not run:
                run_from = k
            run.append(char)
            continue
        if run:
            best = _better(
                best, placed({("".join(run), False, False, True, True)}, run_from, k - 1)
            )
            run = []
        need = _item_need(op, av)
        if need is not None:
            best = _better(best, placed(need, k, k))
    if run:
        best = _better(best, placed({("".join(run), False, False, True, True)}, run_from, n - 1))
    return best


def _item_need(op, av) -> frozenset[_Lit] | None:
    c = _sre
    if op is c.SUBPATTERN:
        return _seq_need(av[3])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        if av[0] < 1:
            return None
        need = _seq_need(av[2])
        if need is None or av[1] == 1:
            return need
        # several rounds: the first round's occurrence starts the match, the last round's
        # ends it (two occurrences): only the start stays placed
        return frozenset((lit, lb, rb, st, False) for lit, lb, rb, st, _ in need)
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _seq_need(av)
    if op is c.BRANCH:
        union: set[_Lit] = set()
        for branch in av[1]:
            need = _seq_need(branch)
            if need is None:
                return None
            union |= need
        return frozenset(union)
    return None  # a class, any character, anchors, negations: no literal known
