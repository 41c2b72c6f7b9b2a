"""Normalisation, last step: the *joined* view — a value the text splits but a reader joins.

A value survives as the reader sees it when it is split by:

- markup a renderer or a model skips: HTML comments and tags, markdown emphasis and code
  ticks, LaTeX ``\\mathrm{}``, backslash escapes (``JG10<!-- x -->3729A``, ``J\\G\\1\\0``);
- a line break, also inside e-mail quoting, a folded line (``⏎`` + one blank) or from
  U+2028 (``JG10⏎> 3729A``);
- string literals a program concatenates (``'JG10' + '3729A'``, ``["J","G","1",...]``,
  ``CONCATENATE("JG10","3729A")``, ``'JG10' || '3729A'``, ``f"{'JG10'}{'3729A'}"``);
- glue to word characters (``claimant_JG103729A``, ``niJG103729A``, ``nhs9434765919``,
  ``OFFICIAL-SENSITIVE_Briefing``);
- letters spelled in the NATO alphabet (``Juliet Golf one zero ... Alpha``);
- shell variables used side by side, expanded with the values the text assigns to them
  (``A=JG10; B=3729A; echo "$A$B"``).

(Text written backwards or in ROT13 is turned back whole by the normaliser, on a cue word.)

Each rewrite is an *edit* of the main view's text. The edited text around the edits only
(to the line, at most :data:`WINDOW` characters either side, windows merged) is one extra
view, scanned for values that block alone (:data:`JOINED_TIERS`: no names, no NER), so the
view never costs more than one more pass over the text and adds no combination of words.
Clean text pays nothing here: the gates are patterns of the normaliser's one RE2 set pass
(:data:`GATES`), and each rewrite runs only when its gate matched. All patterns are RE2.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable

import re2

_OPTS = re2.Options()
_OPTS.max_mem = 64 << 20

#: what a joined (or visual-order) view may find: values that block alone (the
#: ``detectors.base.Tier`` values; this module sits below base, so they are spelled out)
JOINED_TIERS = frozenset({"strong", "contact", "direct"})
#: context kept either side of an edit (cut at the line's ends)
WINDOW = 96

# -- markup inside a value ------------------------------------------------------------------

_MARKUP_PIECE = (
    r"(?:<!--[^>]{0,80}-->|</?[A-Za-z][A-Za-z0-9]{0,10}(?: [^<>]{0,40})?/?>|\*{1,3}|`{1,3}|~~"
    r"|\\(?:mathrm|mathit|mathbf|mathsf|mathtt|text|textrm|textbf|textit|texttt|mbox"
    r"|operatorname)\{|\}\$?|\$\\?|\x1b\[[0-9;?]{0,16}[ -/]{0,2}[@-~]"
    # markdown: a footnote reference, a link's target after its text, a backslash escape;
    # LaTeX spacing (thin, medium, thick, negative, quad) and a tie
    r"|\[\^[A-Za-z0-9]{1,8}\]|\]\([^()\s]{0,256}\)|\\[!-/:-@\[-`{-~]|\\q?quad ?|\\ |~|\\)"
)
_MARKUP_RX = rf"[A-Za-z0-9]+(?:{_MARKUP_PIECE}+[A-Za-z0-9]+)+"
_MARKUP_GATE = rf"[A-Za-z0-9]{_MARKUP_PIECE}+[A-Za-z0-9]"
_MARKUP_STRIP = re.compile(rf"{_MARKUP_PIECE}+")


def _unmarked(run: str) -> str | None:
    joined = _MARKUP_STRIP.sub("", run)
    return joined if _worth_joining(joined) else None


def _worth_joining(joined: str) -> bool:
    """An identifier, key or marking word: 6+ characters with a digit, or capitals."""
    return len(joined) >= 6 and (any(c.isdigit() for c in joined) or joined.isupper())


# -- a line break inside a value -------------------------------------------------------------

_BROKEN_RX = (
    r"[A-Za-z0-9]{0,23}[0-9]\r?\n(?:> ?)*[ \t]?[A-Za-z0-9]{1,24}"
    r"|[A-Za-z0-9]{1,24}\r?\n(?:> ?)*[ \t]?[0-9][A-Za-z0-9]{0,23}"
)
_BROKEN_GATE = r"[0-9]\r?\n(?:> ?)*[ \t]?[A-Za-z0-9]|[A-Za-z0-9]\r?\n(?:> ?)*[ \t]?[0-9]"
#: a strong value's shape (NINO, 10-19 digits, AWS key id): a break is joined only into one
_STRONG_SHAPE = re.compile(
    r"[A-Za-z]{2}[0-9]{6}[A-Da-d]|[0-9]{10,19}|(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{16}"
)
_BREAK = re.compile(r"\r?\n(?:> ?)*[ \t]?")  # a folded line (RFC 5545/5322) too


def _unbroken(run: str) -> str | None:
    joined = _BREAK.sub("", run)
    cut = _BREAK.search(run)
    assert cut is not None
    at = cut.start()
    for m in _STRONG_SHAPE.finditer(joined):
        if m.start() < at < m.end():
            return joined
    return None


# -- one character per line, per tab, or in pairs -------------------------------------------

#: what a renderer draws before a list item or a quoted line: ``- `` ``* `` ``• `` ``> ``
#: ``# `` ``// `` ``3. `` ``3) `` ``3: `` ``(3) `` ``[ ] ``
_ITEM_MARK = r"(?:(?:[-*+>#]|\x{2022}|//|[0-9]{1,2}[.):]|\([0-9]{1,2}\)|\[[ xX]?\])[ \t]*){0,2}"
#: between the lines of a column: the break (a blank line too), indentation, an item mark
_LINE_GAP = rf"[ \t]*(?:\r?\n[ \t]*){{1,2}}{_ITEM_MARK}"
#: one item of a column: one or two characters (or ``L-S`` where a marking's words meet),
#: a comma or full stop after it allowed
_CELL = r"[A-Za-z0-9]{1,2}(?:[-_][A-Za-z0-9])?\b[,;.]?"
#: the rest of a table row after its first cell (two spaces or a tab at least)
_ROW_REST = r"(?:[ \t]{2,}[^\n]{0,80})?"
#: a value written down a column: one or two characters per line, 5 lines at least; the
#: first may end a line of prose ("NI number J", one character then) or start its own line,
#: the last may begin one ("A - draft the letter")
_COLUMN_RX = (
    rf"(?:\b[A-Za-z0-9]\b[,;.]?|(?m:^)[ \t]*{_ITEM_MARK}{_CELL}){_ROW_REST}"
    rf"(?:{_LINE_GAP}{_CELL}{_ROW_REST}){{4,}}"
    rf"|\b[A-Za-z0-9](?:\t[A-Za-z0-9]){{5,}}\b"
)
_COLUMN_ITEM = re.compile(
    r"^[ \t]*(?:(?:[-*+>#]|\u2022|//|[0-9]{1,2}[.):]|\([0-9]{1,2}\)|\[[ xX]?\])[ \t]*){0,2}"
    r"([A-Za-z0-9]{1,2}(?:[-_][A-Za-z0-9])?)[,;.]?(?:[ \t]|$)"
)


def _column(run: str) -> str | None:
    """``J⏎G⏎1⏎0⏎…``, ``- J⏎- G⏎…``, ``1. J⏎2. G⏎…``, a table's first column, ``J⇥G⇥1…``:
    the characters read in order (a value, a key or a marking word, not a column of words)."""
    if "\n" not in run:
        joined = run.replace("\t", "")
        return joined if _worth_joining(joined) and _column_number_ok([joined]) else None
    chars = []
    for raw in run.split("\n"):
        line = raw.rstrip("\r")
        if not line.strip():
            continue  # a blank line between the items
        m = _COLUMN_ITEM.match(line)
        if m is None:
            return None
        chars.append(m.group(1))
    joined = "".join(chars)
    return joined if _worth_joining(joined) and _column_number_ok(chars) else None


#: digits alone down a column make at most this many digits (an NHS or phone number): a
#: column of scores or ages of 16 rows would pass a card's Luhn check one time in ten
_COLUMN_DIGITS = 11


def _column_number_ok(items: list[str]) -> bool:
    """A column of digits alone is one digit per line, 11 digits at most; two-digit items
    are read only with letters among them (``JG``, ``10``, ``37`` …)."""
    joined = "".join(items)
    if not joined.isdigit():
        return True
    return len(joined) <= _COLUMN_DIGITS and all(len(i) == 1 for i in items)


#: groups of one or two characters between one repeated separator: ``JG | 10 | 37 | 29 | A``
_PAIRS_RX = r"\b[A-Za-z0-9]{1,2}(?: ?[|~^#*;/\\+=] ?[A-Za-z0-9]{1,2}\b){3,}"
_PAIR_SEP = re.compile(r" ?[|~^#*;/\\+=] ?")
#: the cheap sign of either layout (the column finder's program is large; this gate is one
#: small pattern of the normaliser's shape set): a one-character line after a line break
#: (alone, or the first cell of a row), three characters between tabs, or the pairs
_LAYOUT_GATE = (
    r"[A-Za-z0-9][,;.]?[ \t]*(?:\r?\n[ \t]*){1,2}(?:(?:[^A-Za-z0-9\s]{1,3}|\(?[0-9]{1,2}[.):])[ \t]*){0,3}"
    r"[A-Za-z0-9]{1,2}[,;.]?(?:\r?\n|[ \t]{2})"
    r"|[A-Za-z0-9]\t[A-Za-z0-9]\t[A-Za-z0-9]\b"
    rf"|{_PAIRS_RX}"
)
_LAYOUT_RX = rf"{_COLUMN_RX}|{_PAIRS_RX}"


def _pairs(run: str) -> str | None:
    """``JG | 10 | 37 | 29 | A`` → ``JG103729A``: one separator throughout, letters and digits
    both (``1 / 2 / 3 / 4`` and ``a | b | c`` are lists, not a value)."""
    seps = set(_PAIR_SEP.findall(run))
    joined = _PAIR_SEP.sub("", run)
    if len(seps) != 1 or not 6 <= len(joined) <= 24:
        return None
    if not (any(c.isdigit() for c in joined) and any(c.isalpha() for c in joined)):
        return None
    return joined


def _laid_out(run: str) -> str | None:
    """A value down a column, across tabs, or in pairs (:func:`_column`, :func:`_pairs`)."""
    return _column(run) if "\n" in run or "\t" in run else _pairs(run)


# -- string literals a program concatenates ------------------------------------------------

_LITERAL = r"""(?:"[^"\\\n]{0,64}"|'[^'\\\n]{0,64}'|`[^`\\\n]{0,64}`)"""
_JOIN_OP = r"[ \t]{0,3}(?:\+|\|\||&|\.\.?|,|\n)?[ \t]{0,3}"
_CONCAT_RX = rf"{_LITERAL}(?:{_JOIN_OP}{_LITERAL})+|(?:\{{[ \t]*{_LITERAL}[ \t]*\}}){{2,}}"
_CONCAT_GATE = (
    r"""["'`](?:[ \t]{1,3}|[ \t]{0,3}(?:\+|\|\||&|\.\.?|,)[ \t]{0,3})["'`]|\{'[^'\n]{0,64}'\}\{"""
)
_LITERAL_TEXT = re.compile(r""""([^"\\\n]*)"|'([^'\\\n]*)'|`([^`\\\n]*)`""")
_LIST_OPS = re.compile(r"""["'`][ \t]*(?:,|\n)?[ \t]*["'`]""")


def _concatenated(run: str) -> str | None:
    parts = [a or b or c or "" for a, b, c in _LITERAL_TEXT.findall(run)]
    if len(parts) < 2:
        return None
    joined = "".join(parts)
    if not 6 <= len(joined) <= 512:
        return None
    if _LIST_OPS.search(run) and not all(is_chunk(p) for p in parts[:-1]):
        return None  # a list of words or names, not a value in pieces
    return joined


def is_chunk(part: str) -> bool:
    """A piece of a value in a list: a character or a short run without spaces that is not
    a lower-case word (``"J"``, ``"JG10"``, ``"OFFI"``; not ``"email"``). Extraction joins
    JSON arrays of such pieces by the same rule (:mod:`proxy.extract.collector`). Spaces
    around a piece (``"OFFI "``) do not make it a word."""
    core = part.strip()
    if core and core != part:
        part = core
    if len(part) == 1:
        return True
    return (
        len(part) <= 8
        and not any(c.isspace() for c in part)
        and not (part.isalpha() and part.islower() and len(part) > 2)
    )


# -- glue to word characters ---------------------------------------------------------------

_GLUE_RX = (
    r"[A-Za-z0-9_]{1,48}[A-Za-z]{2}[0-9]{6}[A-Da-d][A-Za-z0-9_]{0,48}"
    r"|[A-Za-z]{2}[0-9]{6}[A-Da-d][A-Za-z0-9_]{1,48}"
    r"|[A-Za-z_]{1,24}[0-9]{10,19}[A-Za-z0-9_]{0,24}|[0-9]{10,19}[A-Za-z_][A-Za-z0-9_]{0,23}"
)
_NINO_IN = re.compile(r"[A-Za-z]{2}[0-9]{6}[A-Da-d]")
_DIGITS_IN = re.compile(r"(?<![0-9])[0-9]{10,19}(?![0-9])")
_HEXISH = re.compile(r"[0-9A-Fa-f_]+")


def _unglued(run: str) -> str | None:
    """``claimant_JG103729A`` → ``claimant_ JG103729A``: the value set apart from its glue."""
    if len(run) > 64 or _HEXISH.fullmatch(run):
        return None  # a hash or a random token, not words glued to a value
    for rx, letters_any_case in ((_NINO_IN, False), (_DIGITS_IN, True)):
        for m in rx.finditer(run):
            prefix, value, suffix = run[: m.start()], m.group(), run[m.end() :]
            upper = letters_any_case or value.isupper()
            if (
                (prefix or suffix)
                and _glue(prefix, upper, letters_any_case, suffix=False)
                and _glue(suffix, upper, letters_any_case, suffix=True)
            ):
                # the underscore goes too: "nhs_" is the word "nhs" to a reader (and to a
                # recogniser's context words)
                return f"{prefix.rstrip('_')} {value} {suffix.lstrip('_')}".strip()
    return None


def _glue(piece: str, value_upper: bool, any_case: bool, *, suffix: bool) -> bool:
    """Glue a reader splits at once: ``_``; a word in lower case next to a capitalised value
    (camelCase ``niJG103729A``; any letters next to digits, ``NHS9434765919``); after the
    value, a short tag (``2``, ``x1``)."""
    if not piece:
        return True
    if (piece[0] if suffix else piece[-1]) == "_":
        return True
    if piece.isalpha():
        return len(piece) <= 16 and (any_case or (piece.islower() and value_upper))
    return suffix and len(piece) <= 4 and piece.isalnum()


_MARKING_GLUE_RX = (
    r"(?i)(?:official[-_ ]?sensitive|top[-_ ]secret|offsen)_[A-Za-z0-9]"
    r"|[A-Za-z0-9]_(?:official[-_ ]?sensitive|top[-_ ]secret)"
)


#: a marking wrapped in UTF-7-style or emphasis signs: ``+OFFICIAL-SENSITIVE-``
_MARKING_WRAPPED_RX = r"(?i)(?:^|[\s(\[])\+(?:official[-_ ]?sensitive|top[-_ ]secret|offsen)[-+]"


def _marking_unwrapped(run: str) -> str | None:
    lead = run[0] if run[0] != "+" else ""
    return lead + run[len(lead) + 1 : -1]


def _marking_unglued(run: str) -> str | None:
    """``OFFICIAL-SENSITIVE_Briefing`` → ``OFFICIAL-SENSITIVE Briefing``."""
    if run[-2] == "_":
        return run[:-2] + " " + run[-1]
    return run[0] + " " + run[2:]


# -- a marking misspelt, or broken by a hyphen at a line end -------------------------------

#: a hyphen that breaks a word at a line end (the next line may be indented)
_LINE_HYPHEN = re.compile(r"-\r?\n[ \t]*")
#: a word shorter than this must be as written (one slip in TOP makes TOY, TO, TAP)
_MISSPELT_MIN_LETTERS = 5
#: what may stand between a marking's two words
_MARKING_SEP = r"(?:[ _]{1,3}|-|-?\r?\n[ \t]*)"


def _slips(word: str, target: str) -> int:
    """The optimal string alignment distance (insert, delete, substitute, swap two
    neighbours), for words of a dozen letters (bounded: the finder caps their length)."""
    rows = [list(range(len(target) + 1))]
    for i, a in enumerate(word, 1):
        row = [i] + [0] * len(target)
        for j, b in enumerate(target, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a != b))
            if i > 1 and j > 1 and a == target[j - 2] and word[i - 2] == b:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _misspelt_word_rx(word: str) -> str:
    """A finder for ``word`` with one slip or one line-end hyphen in it: one slip leaves
    the first half or the part after the middle letter intact."""
    if len(word) < _MISSPELT_MIN_LETTERS:
        return "T[O0]P" if word == "TOP" else re.escape(word)  # a zero for the O: T0P
    body = r"(?:[A-Z]|-\r?\n[ \t]*)"
    half = len(word) // 2
    head, tail = word[:half], word[half + 1 :]
    rest = len(word) - len(head)
    return (
        rf"{re.escape(head)}{body}{{{rest - 2},{rest + 2}}}"
        rf"|{body}{{{max(0, half - 1)},{half + 2}}}{re.escape(tail)}"
    )


def _misspelt_rx(markings: tuple[str, ...]) -> str:
    parts = []
    for marking in markings:
        first, second = marking.split()
        parts.append(
            rf"(?:{_misspelt_word_rx(first)}){_MARKING_SEP}(?:{_misspelt_word_rx(second)})"
        )
    return r"\b(?:" + "|".join(parts) + r")\b"


def _misspelt_gate(markings: tuple[str, ...]) -> str:
    """The cheap sign of a misspelt marking (the finder's program is large): the intact half
    one slip leaves of each marking's last word (or its first, when the last is short)."""
    parts = set()
    for marking in markings:
        words = marking.split()
        word = words[-1] if len(words[-1]) >= _MISSPELT_MIN_LETTERS else words[0]
        if len(word) < _MISSPELT_MIN_LETTERS:
            parts.add(_misspelt_word_rx(word))
            continue
        half = len(word) // 2
        parts.update((re.escape(word[:half]), re.escape(word[half + 1 :])))
    return "|".join(sorted(parts))


def _misspelt(markings: tuple[str, ...]) -> Callable[[str], str | None]:
    pairs = [tuple(m.split()) for m in markings]
    split = re.compile(_MARKING_SEP)

    def word_ok(found: str, target: str) -> bool:
        found = _LINE_HYPHEN.sub("", found)
        if len(target) < _MISSPELT_MIN_LETTERS:
            return found.replace("0", "O") == target
        if found == target + "S":  # a plural is a word, not a marking (TOP SECRETS)
            return False
        return _slips(found, target) <= 1

    def rewrite(run: str) -> str | None:
        """``OFFICAL-SENSITIVE`` → ``OFFICIAL-SENSITIVE``; ``OFFI-⏎CIAL-SENSITIVE`` →
        ``OFFICIAL-SENSITIVE``; ``T0P SECERT`` → ``TOP SECRET`` (separator kept)."""
        if len(run) > 48:
            return None
        for sep in split.finditer(run):
            first, second = run[: sep.start()], run[sep.end() :]
            if "\n" in sep.group() and not sep.group().startswith("-"):
                gap = " "  # a plain line break between the words reads as a space
            else:
                gap = "-" if "-" in sep.group() else sep.group()
            for want_first, want_second in pairs:
                if word_ok(first, want_first) and word_ok(second, want_second):
                    return f"{want_first}{gap}{want_second}"
        return None

    return rewrite


# -- a credential's keyword in leet -------------------------------------------------------

#: what may stand right before a keyword (a word character ends it there: ``DB_P4SSW0RD``
#: keeps its prefix, the underscore before the keyword is a lead)
_LEET_LEAD = r"(?:^|[^A-Za-z0-9@$!|+])"


def _leet_rx(keywords: tuple[str, ...], letters: dict[str, str]) -> str:
    """Each keyword with every letter also as its look-alikes (``p[a@4][s5$][s5$]w[o0]rd``)."""

    def form(word: str) -> str:
        out = []
        for ch in word:
            alts = letters.get(ch, "")
            out.append(f"[{re.escape(ch + alts)}]" if alts else re.escape(ch))
        return "".join(out)

    forms = sorted((form(w) for w in keywords), key=len, reverse=True)
    return rf"(?i){_LEET_LEAD}(?:{'|'.join(forms)})\b"


def _leet(keywords: tuple[str, ...], letters: dict[str, str]) -> Callable[[str], str | None]:
    look_alikes = frozenset("".join(letters.values()))

    def rewrite(run: str) -> str | None:
        """``p4ssw0rd`` → ``password``, ``: P@$$W0RD`` → ``: password`` (lead kept)."""
        lead = ""
        if run and not run[0].isalpha() and run[0] not in look_alikes:
            lead, run = run[0], run[1:]
        if not any(c in look_alikes for c in run):
            return None  # as written: the main view reads it
        low = run.lower()
        for word in keywords:
            if len(word) == len(low) and all(
                a == b or a in letters.get(b, "") for a, b in zip(low, word, strict=True)
            ):
                return lead + word
        return None

    return rewrite


# -- a value in ideographic numerals ---------------------------------------------------------


def _numerals_rx(numerals: dict[str, int], least: int) -> str:
    # "O": the main view reads IDEOGRAPHIC NUMBER ZERO (〇) as the letter it looks like
    chars = "".join(sorted(numerals)) + "O"
    return rf"[{chars}](?:[ \-]?[{chars}]){{{least - 1},}}"


def _numerals(numerals: dict[str, int]) -> Callable[[str], str | None]:
    table = str.maketrans({**{ch: str(n) for ch, n in numerals.items()}, "O": "0"})
    ideographs = frozenset(numerals)

    def rewrite(run: str) -> str | None:
        """``一二 三四 五六`` → ``12 34 56``, ``O七九一一`` → ``07911`` (separators kept)."""
        if ideographs.isdisjoint(run):
            return None
        return run.translate(table)

    return rewrite


# -- spelled letters (NATO, RAF, German alphabets, letter names, dictation) ---------------


def _alt(words) -> str:
    return "|".join(re.escape(w).replace("\\ ", " +") for w in sorted(words, key=len, reverse=True))


def _spelled_token_rx(
    letters: dict[str, str],
    digits: dict[str, int],
    connectors: tuple[str, ...],
    cues: tuple[str, ...],
    repeaters: dict[str, int],
) -> str:
    """One spelled token: ``J as in Jack`` / ``J for Juliet`` (digits collapsed onto the
    letter before it, ``103729A as in Apple``, included), ``capital J``, a spelling
    word or digit word, a single letter, or digits."""
    return (
        rf"[0-9]{{0,12}}[A-Za-z] +(?:{_alt(connectors)}) +[A-Za-z][A-Za-z\-]{{0,19}}"
        rf"|(?:{_alt(cues)}) +[A-Za-z]\b|{_alt({*letters, *digits, *repeaters})}|[A-Za-z]|[0-9]{{1,12}}"
    )


def _nato_rx(
    letters: dict[str, str],
    digits: dict[str, int],
    connectors: tuple[str, ...],
    cues: tuple[str, ...],
    repeaters: dict[str, int],
) -> str:
    tok = _spelled_token_rx(letters, digits, connectors, cues, repeaters)
    return rf"(?i)\b(?:{tok})(?:[ ,\-]+(?:{tok})){{2,}}\b"


def _spelled(
    letters: dict[str, str],
    digits: dict[str, int],
    connectors: tuple[str, ...],
    cues: tuple[str, ...],
    repeaters: dict[str, int],
) -> Callable[[str], str | None]:
    token = re.compile(
        rf"(?i)([0-9]{{0,12}})([A-Za-z]) +(?:{_alt(connectors)}) +([A-Za-z][A-Za-z\-]{{0,19}})"
        rf"|(?:{_alt(cues)}) +([A-Za-z])\b|({_alt({*letters, *digits, *repeaters})}|[A-Za-z]|[0-9]{{1,12}})\b"
    )
    gap = re.compile(r"[ ,\-]*")

    def spell(run: str) -> str | None:
        out: list[str] = []
        spelled = worded = 0
        pos = 0
        repeat = 1
        while pos < len(run):
            pos = gap.match(run, pos).end()
            m = token.match(run, pos)
            if m is None:
                if pos >= len(run):
                    break
                return None
            pos = m.end()
            lead, tied, word, cued, plain = m.groups()
            if tied is not None:
                # the normaliser may have collapsed "1 0 3 7 2 9, A as in" to "103729A as in"
                out.append(lead)
                if word[0].lower() != tied.lower():
                    return None  # "A as in the example": not a dictated letter
                out.append(tied.upper())
                spelled += 1
            elif cued is not None:
                out.append(cued.upper())
                spelled += 1
            else:
                low = plain.lower()
                if low in repeaters:  # "double oh nine"
                    repeat = repeaters[low]
                    continue
                if low in digits:
                    out.append(str(digits[low]) * repeat)
                    worded += 1
                elif low in letters:
                    out.append(letters[low])
                    spelled += 1
                else:
                    out.append(plain.upper() * (repeat if plain.isdigit() else 1))
            repeat = 1
        value = "".join(out)
        n_digits = sum(c.isdigit() for c in value)
        if spelled >= 2 and n_digits:
            return value
        # digit words in comma groups: "nine four three, four seven six, five nine one nine"
        # (each group of 2+ digits: "one, two, three, ..." is a count, not a value)
        groups = [sum(c.isdigit() for c in _spell_group(g)) for g in run.split(",")]
        if not spelled and worded >= 3 and n_digits >= 9 and len(groups) > 1 and min(groups) >= 2:
            return value
        return None

    def _spell_group(group: str) -> str:
        """Digits a comma group spells (digit words, repeaters, digits), for the count."""
        n, repeat = [], 1
        for word in re.split(r"[ \-]+", group.strip().lower()):
            if word in repeaters:
                repeat = repeaters[word]
            elif word in digits or word.isdigit():
                n.append((str(digits[word]) if word in digits else word) * repeat)
                repeat = 1
        return "".join(n)

    return spell


# -- a marking written backwards inside ordinary text ----------------------------------------


def _turned_token_rx(reversed_words: tuple[str, ...]) -> str:
    alt = "|".join(re.escape(w) for w in reversed_words).replace("\\ ", "[ ]?")
    return rf"(?i)[^\s]{{0,32}}(?:{alt})[^\s]{{0,32}}"


def _token_turned(run: str) -> str | None:
    """``EVITISNES-LAICIFFO:`` → ``OFFICIAL-SENSITIVE:``, in place (the rest of the line reads
    forwards; the whole text turned back would put the marking at its end); punctuation
    around the word stays where it is."""
    core = run.strip(_AROUND)
    if not core:
        return None
    lead = run[: run.index(core)]
    return lead + core[::-1] + run[len(lead) + len(core) :]


_AROUND = "\"'()[]{}<>:;,.!?*_`"


# -- shell / PowerShell variables expanded -------------------------------------------------

_VAR = r"\$(?:\{[A-Za-z_][A-Za-z0-9_]{0,31}\}|[A-Za-z_][A-Za-z0-9_]{0,31})"
#: two or more variables used side by side: ``"$A$B"``, ``${A}${B}``
_VARS_RX = rf"{_VAR}(?:{_VAR})+"
_VARS_GATE = r"\$\{?[A-Za-z_][A-Za-z0-9_]{0,31}\}?\$\{?[A-Za-z_]"
_VAR_NAME = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]{0,31})\}?")
#: ``A=JG10``, ``export A="JG10"``, ``set A=JG10``, ``$A = 'JG10'`` (PowerShell)
_ASSIGNMENT = re2.compile(
    r"(?:^|[\s;&|(])(?:export |set |local |readonly )?\$?([A-Za-z_][A-Za-z0-9_]{0,31})"
    r"(?:=| = )(?:\"([^\"\n$`]{1,64})\"|'([^'\n]{1,64})'|([^\s;&|'\"$`()]{1,64}))",
    _OPTS,
)


def _expanded(run: str, text: str, at: int) -> str | None:
    """``$A$B`` with the values the text assigns to them (the last assignment before the
    use at ``at``), as the shell expands it; None unless every variable is assigned."""
    positions, assigned = _assignments(text)
    names = _VAR_NAME.findall(run)
    values = []
    for name in names:
        spots = assigned.get(name)
        i = bisect.bisect_left(positions, at)
        if not spots:
            return None
        k = bisect.bisect_left(spots, (i,)) - 1  # the last assignment before the use
        if k < 0:
            return None
        values.append(spots[k][1])
    joined = "".join(values)
    return joined if names and _worth_joining(joined) else None


@functools.lru_cache(maxsize=8)
def _assignments(text: str) -> tuple[list[int], dict[str, list[tuple[int, str]]]]:
    """Every assignment of the text, once: their positions, and per name ``(index, value)``
    in order."""
    positions: list[int] = []
    assigned: dict[str, list[tuple[int, str]]] = {}
    data = text.encode()
    chars = 0  # byte offsets to character offsets, walking forwards once
    done = 0
    for m in _ASSIGNMENT.finditer(data):
        value = (m.group(2) or m.group(3) or m.group(4) or b"").decode("utf-8", "replace")
        assigned.setdefault(m.group(1).decode(), []).append((len(positions), value))
        chars += len(data[done : m.start()].decode("utf-8", "replace"))
        done = m.start()
        positions.append(chars)
    return positions, assigned


_expanded.whole_text = True  # type: ignore[attr-defined]


# -- named parts: "Let a = 'JG1037' and b = '29A'. ... a followed by b" --------------------

_JOINER = r"(?: followed by | then | plus | \+ | and then | concatenated with | joined to | \|\| )"
_NAMED_RX = rf"\b[A-Za-z_][A-Za-z0-9_]{{0,15}}(?:{_JOINER}[A-Za-z_][A-Za-z0-9_]{{0,15}}\b)+"
_NAMED_GATE = rf"\b[A-Za-z_][A-Za-z0-9_]{{0,15}}{_JOINER}[A-Za-z_]"
_NAMED_SPLIT = re.compile(_JOINER)


def _named_parts(run: str, text: str, at: int) -> str | None:
    """``a followed by b`` with the values the text gave ``a`` and ``b`` before
    (``a = 'JG1037'``, ``let b = "29A"``); None unless every name was given one."""
    positions, assigned = _assignments(text)
    i = bisect.bisect_left(positions, at)
    values = []
    for name in _NAMED_SPLIT.split(run):
        spots = assigned.get(name.strip())
        k = bisect.bisect_left(spots, (i,)) - 1 if spots else -1
        if k < 0:
            return None
        values.append(spots[k][1])
    joined = "".join(values)
    return joined if _worth_joining(joined) else None


_named_parts.whole_text = True  # type: ignore[attr-defined]


# -- one character escaped inside a value ---------------------------------------------------

_ESC1 = r"(?:%[0-9A-Fa-f]{2}|\\u00[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}|\\u\{[0-9A-Fa-f]{1,2}\})"
_ESCAPED_RX = rf"[A-Za-z0-9]*(?:{_ESC1}[A-Za-z0-9]*)+"
_ESCAPED_GATE = rf"[A-Za-z0-9]{_ESC1}|{_ESC1}[A-Za-z0-9]"
_ESC1_ONE = re.compile(
    r"%([0-9A-Fa-f]{2})|\\u00([0-9A-Fa-f]{2})|\\x([0-9A-Fa-f]{2})|\\u\{([0-9A-Fa-f]{1,2})\}"
)


def _unescaped(run: str) -> str | None:
    """``JG%3103729A``, ``JG\\u003103729A``: an escape of a letter or digit inside a run
    read as the character (the decoders want a run of escapes)."""

    def char(m: re.Match[str]) -> str:
        c = chr(int(next(g for g in m.groups() if g), 16))
        return c if c.isalnum() else m.group()

    joined = _ESC1_ONE.sub(char, run)
    return joined if joined != run and _worth_joining(joined) else None


# -- a NINO with letters for digits, or with digit words among its digits -------------------

_NINO_LOOKALIKE_RX = r"\b[A-Za-z]{2}[0-9OoIl]{6}[A-Da-d]\b"


def _nino_digits(run: str) -> str | None:
    """``JGIO3729A`` → ``JG103729A``: a NINO's shape with I/O/l for digits (three real
    digits at least, so ``ABOOIIIOA`` is not one)."""
    middle = run[2:8]
    if sum(c.isdigit() for c in middle) < 3 or middle.isdigit():
        return None
    return run[:2] + middle.translate(_LOOKS_LIKE_DIGITS) + run[8:]


_LOOKS_LIKE_DIGITS = str.maketrans("OoIl", "0011")


def _nino_worded_rx(digits: dict[str, int]) -> str:
    words = "|".join(re.escape(w) for w in sorted(digits, key=len, reverse=True))
    return rf"(?i)\b[A-Z]{{2}}(?:[ \-]+(?:{words}|[0-9]{{1,6}})){{2,8}}[ \-]+[A-D]\b"


def _nino_worded(digits: dict[str, int]) -> Callable[[str], str | None]:
    """``JG one 03729 A`` → ``JG103729A``: digit words and digits mixed (at least one of
    each) between a NINO's letters, six digits in all."""
    lookup = {w.lower(): str(v) for w, v in digits.items()}

    def rewrite(run: str) -> str | None:
        parts = re.split(r"[ \-]+", run)
        inner = parts[1:-1]
        if not any(p.isdigit() for p in inner) or all(p.isdigit() for p in inner):
            return None
        middle = "".join(p if p.isdigit() else lookup.get(p.lower(), "?") for p in inner)
        if len(middle) != 6 or not middle.isdigit() or not parts[0].isupper():
            return None
        return parts[0] + middle + parts[-1].upper()

    return rewrite


# -- numbers said as numbers: "nine hundred and forty-three, four hundred and ..." -------


def _cardinal_rx(words: dict[str, tuple[str, int]]) -> str:
    """Two or more comma groups of number words, one of them with a scale word in it."""
    alt = _alt(words)
    group = rf"(?:{alt})(?:(?:[ \-]+| +and +)(?:{alt}))*"
    return rf"(?i)\b{group}(?:, +{group})+\b"


def _cardinals(words: dict[str, tuple[str, int]]) -> Callable[[str], str | None]:
    """``nine hundred and forty-three, four hundred and seventy-six, five thousand nine
    hundred and nineteen`` → ``9434765919``: each comma group read as the number it says,
    the groups' digits written one after another (a value read out in chunks)."""
    split = re.compile(r"[ \-]+")

    def value(group: str) -> int | None:
        total = current = 0
        for word in split.split(group.strip().lower()):
            if word == "and":
                continue
            kind, n = words[word]
            if kind == "scales":
                if n == 100:
                    current = (current or 1) * 100
                else:
                    total += (current or 1) * n
                    current = 0
            elif kind == "tens":
                current += n * 10
            else:
                current += n
        return total + current

    def rewrite(run: str) -> str | None:
        groups = [value(g) for g in run.split(",")]
        scaled = any(words.get(w, ("",))[0] == "scales" for w in split.split(run.lower()))
        # no scale word: two-digit numbers, four at least ("ninety-four, thirty-four,
        # seventy-six, fifty-nine, nineteen"); "one, two, three" is a count, and digit
        # groups are the spelled rewrite's
        if not scaled and (
            len(groups) < 4 or not all(g is not None and 10 <= g <= 99 for g in groups)
        ):
            return None
        joined = "".join(str(g) for g in groups if g is not None)
        return joined if len(joined) >= 6 and all(g for g in groups) else None

    return rewrite


# -- the rewrites and their gates ----------------------------------------------------------


@functools.cache
def rewrites(
    nato: tuple[tuple[str, str], ...],
    digits: tuple[tuple[str, int], ...],
    reversed_markings: tuple[str, ...],
    connectors: tuple[str, ...] = (),
    cues: tuple[str, ...] = (),
    repeaters: tuple[tuple[str, int], ...] = (),
    cardinal_words: tuple[tuple[str, str, int], ...] = (),
    misspelt_markings: tuple[str, ...] = (),
    leet: tuple[tuple[str, ...], tuple[tuple[str, str], ...]] = ((), ()),
    numerals: tuple[tuple[tuple[str, int], ...], int] = ((), 6),
) -> tuple[tuple[str, re2._Regexp, Callable[[str], str | None]], ...]:
    """``(gate pattern, finder, rewrite)`` for each kind of join, in priority order (an
    edit overlapping an earlier one is dropped). ``nato``: every spelling word and its
    letter; ``digits``: every digit word; ``connectors`` ("as in", "for") and ``cues``
    ("capital") mark a dictated letter; ``cardinal_words``: ``(word, kind, value)`` of the
    number words (digits, teens, tens, scales) a number said as a number is made of;
    ``misspelt_markings``: two-word markings in capitals read through one slip a word;
    ``leet``: credential keywords and each letter's digit/symbol look-alikes;
    ``numerals``: ideographic numerals and their digits, and the shortest run read."""
    nato_map, digit_map = dict(nato), dict(digits)
    connectors = connectors or ("as in", "for")
    cues = cues or ("capital",)
    repeat_map = dict(repeaters)
    cardinals = {w: (kind, n) for w, kind, n in cardinal_words}
    scales = [w for w, (kind, _) in cardinals.items() if kind == "scales"]
    # the layouts and the numbers said in groups share one gate (one small pattern of the
    # normaliser's shape set for both)
    shared_gate = _LAYOUT_GATE
    if scales:
        shared_gate += rf"|(?i:\b(?:{_alt(scales)})\b[^,\n]*, )"
    tens = [w for w, (kind, _) in cardinals.items() if kind == "tens"]
    if tens:  # "ninety-four, thirty-four, ...": a two-digit number said, then another
        shared_gate += rf"|(?i:\b(?:{_alt(tens)})[- ][a-z]+, +(?:{_alt(tens)})\b)"
    nato_rx = _nato_rx(nato_map, digit_map, connectors, cues, repeat_map)
    turned_rx = _turned_token_rx(reversed_markings)
    table = (
        (turned_rx, turned_rx, _token_turned),
        (_ESCAPED_GATE, _ESCAPED_RX, _unescaped),
        (_MARKUP_GATE, _MARKUP_RX, _unmarked),
        (_CONCAT_GATE, _CONCAT_RX, _concatenated),
        (_GLUE_RX, _GLUE_RX, _unglued),
        (_MARKING_GLUE_RX, _MARKING_GLUE_RX, _marking_unglued),
        (_MARKING_WRAPPED_RX, _MARKING_WRAPPED_RX, _marking_unwrapped),
        *(
            (
                (
                    _misspelt_gate(misspelt_markings),
                    _misspelt_rx(misspelt_markings),
                    _misspelt(misspelt_markings),
                ),
            )
            if misspelt_markings
            else ()
        ),
        *(
            ((_leet_rx(leet[0], dict(leet[1])),) * 2 + (_leet(leet[0], dict(leet[1])),),)
            if leet[0]
            else ()
        ),
        *(
            ((_numerals_rx(dict(numerals[0]), numerals[1]),) * 2 + (_numerals(dict(numerals[0])),),)
            if numerals[0]
            else ()
        ),
        (_BROKEN_GATE, _BROKEN_RX, _unbroken),
        (shared_gate, _LAYOUT_RX, _laid_out),
        (_VARS_GATE, _VARS_RX, _expanded),
        (_NAMED_GATE, _NAMED_RX, _named_parts),
        (_NINO_LOOKALIKE_RX, _NINO_LOOKALIKE_RX, _nino_digits),
        (_nino_worded_rx(digit_map), _nino_worded_rx(digit_map), _nino_worded(digit_map)),
        *(((shared_gate, _cardinal_rx(cardinals), _cardinals(cardinals)),) if cardinals else ()),
        (
            _nato_gate(nato_map, digit_map, connectors, cues, repeat_map),
            nato_rx,
            _spelled(nato_map, digit_map, connectors, cues, repeat_map),
        ),
    )
    return tuple((gate, re2.compile(rx, _OPTS), fn) for gate, rx, fn in table)


def _nato_gate(
    nato: dict[str, str],
    digits: dict[str, int],
    connectors: tuple[str, ...],
    cues: tuple[str, ...],
    repeaters: dict[str, int],
) -> str:
    """The cheap sign of a spelled value: two spelling words in a row, a dictated letter
    ("J as in J", "capital J"), or digit words on both sides of a comma."""
    alt = _alt(nato)
    dw = _alt({*digits, *repeaters})
    return (
        rf"(?i)\b(?:(?:{alt})[ ,\-]+(?:{alt})\b|[A-Za-z] +(?:{_alt(connectors)}) +[A-Za-z]"
        rf"|(?:{_alt(cues)}) +[A-Za-z]\b|(?:{dw}) +(?:{dw}), +(?:{dw})\b)"
    )


def edits(
    text: str,
    data: bytes,
    b2c: Callable[[int], int] | None,
    which: list[tuple[re2._Regexp, Callable[[str], str | None]]],
) -> list[tuple[int, int, str]]:
    """Non-overlapping ``(start, end, replacement)`` edits of ``text`` by the given rewrites
    (earlier rewrites win an overlap)."""
    found: list[tuple[int, int, str]] = []  # sorted by start, never overlapping
    for rx, rewrite in which:
        for m in rx.finditer(data):
            s, e = m.span()
            if b2c is not None:
                s, e = b2c(s), b2c(e)
            if getattr(rewrite, "whole_text", False):  # needs the text around the run
                new = rewrite(text[s:e], text, s)
            else:
                new = rewrite(text[s:e])
            if new is None or new == text[s:e]:
                continue
            i = bisect.bisect_left(found, (s,))
            if (i and found[i - 1][1] > s) or (i < len(found) and found[i][0] < e):
                continue  # overlaps an earlier rewrite's edit
            found.insert(i, (s, e, new))
    return found


def windows(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged windows around ``spans``: to the line's ends, at most :data:`WINDOW` chars out."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        lo = max(text.rfind("\n", max(0, s - WINDOW), s) + 1, s - WINDOW, 0)
        nl = text.find("\n", e, e + WINDOW)
        hi = nl if nl != -1 else min(len(text), e + WINDOW)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
