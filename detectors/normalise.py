"""Normalisation against evasion, with an offset map back to the original text.

Steps, each composing the offset map so that every finding maps to a span of the
*original* text:

1. Unicode: lone surrogates → U+FFFD; non-ASCII decimal digits (Devanagari, Arabic-Indic)
   → ASCII digits (``unicodedata.decimal``); NFKC (fullwidth → ASCII); look-alike letters
   (Cyrillic, Greek, Cherokee, Lisu ...) → ASCII through the Unicode confusables data
   (UTS #39, from the ``confusable-homoglyphs`` package); typographic dashes/quotes/spaces →
   ASCII; zero-width / invisible / combining characters removed; U+2028/2029 → newline.
   ASCII input skips this step entirely (the common case, and free).
2. Letter-spaced runs ("O F F I C I A L", "4 8 5 7 7 7 3 4 5 6") collapsed.
3. Inside identifier shapes: unusual separators (``|`` ``,`` tab, newline) → space,
   digit look-alikes (``1O`` → ``10``, ``l`` → ``1``), numbers in words ("oh seven seven
   double oh nine" → ``07700 9``...), an AWS key id split by one space re-joined.
4. Embedded base64 (also in 4-character groups, after a short binary prefix, and 12-char
   runs: a NINO is 12 base64 characters), base32, Ascii85 (``<~...~>``; base85 runs when
   the text names base85), quoted-printable, ``\\u``/``\\U``/octal escapes, decimal
   character codes, binary octets, URL-encoded and hex blobs (also in 4-digit groups)
   decoded into extra :class:`View`s, one per kind and depth, that are scanned too. One
   RE2 set pass says which finders can match at all. Blobs are taken in order of shape (most base64-like first) until a byte
   budget is spent, to a bounded depth; no count of blobs an attacker could pad with
   decoys. A finding inside a decoded blob maps to the whole blob's span in the original.
5. A marking written reversed or in ROT13 adds a view with the text turned back; a reading
   cue ("reversed", "rot13", data file) adds both turned views for values that block alone.
6. The joined view (:mod:`detectors.joined`): markup, breaks, glue, concatenated literals
   and NATO spelling inside a value undone, in windows around the edits only; text with
   right-to-left overrides is also read in display order. Such views carry ``tiers``: they
   give only findings that block alone, and never run the name finder.

ANSI terminal escape sequences are dropped in step 1 (a terminal shows nothing of them).

Separators *inside* identifiers (spaces, dots, dashes, underscores) are tolerated by
the recognisers' patterns rather than removed here. All steps are RE2 passes or bounded
work: linear in the input.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import contextlib
import functools
import json
import quopri
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import re2
import yaml

from detectors import ciphers, joined
from detectors.re2sets import SMALL_FAMILY_PER_SET, PackedSets

_OPTS = re2.Options()
_OPTS.max_mem = 64 << 20

#: Invisible characters that are not in Unicode category Cf but render as nothing (Hangul
#: fillers, CGJ, Braille blank, object replacement, the musical null notehead U+1D159)
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u034f\u180e\u2800\ufffc\U0001d159")

#: Blocks of enclosed Latin capitals that have no NFKC decomposition and no UTS #39 skeleton
#: (squared, negative circled, negative squared, regional indicators): first code point of A.
_ENCLOSED_CAPITALS = (0x1F130, 0x1F150, 0x1F170, 0x1F1E6)

#: Look-alikes NFKC leaves alone that the UTS #39 data does not map to an ASCII letter the
#: way a reader would (small-capital Cyrillic letters, dotless j) and typographic dashes,
#: quotes and spaces. Everything else comes from :func:`_uts39_skeletons`.
_CONFUSABLES: dict[str, str] = {
    # letters the UTS #39 data leaves unmapped (or maps to a symbol)
    "Ԁ": "D", "Ԛ": "Q", "в": "b", "к": "k", "м": "m", "н": "h", "т": "t", "κ": "k",
    "τ": "t", "χ": "x", "ε": "e", "ω": "w", "ȷ": "j",
    # dashes, quotes and spaces
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u2043": "-", "\ufe58": "-", "\ufe63": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
}  # fmt: skip

# Runs of single characters separated by up to three separator characters, or by a wider
# run of spaces: "O F F I C I A L", "O.F.F.I.C.I.A.L", "J;G;1;0", "J    G    1    0",
# "O F F I C I A L - S E N S I T I V E".
# Any other short run of punctuation or symbols (one kind of it, repeated between every
# character: checked in _collapse_run) spaces a value too: "J~G~1~0", "9·4·3·4", "J → G → 1",
# "O#F#F#I#C#I#A#L", "J_G_1_0" (``_`` is a word character, so it has its own alternative).
_ANY_SEP = r"[^\p{L}\p{N}\p{M}\p{Z}\p{C}\s]"
_SPACING = rf"(?: {{4,8}}|[ ._*/,|;:+-]{{1,3}}| ?{_ANY_SEP}{{1,3}} ?)"
_LETTER_SPACED = re2.compile(
    rf"\b[A-Za-z0-9](?:{_SPACING}[A-Za-z0-9]\b){{3,}}|\b[A-Za-z0-9](?:[_-]{{1,3}}[A-Za-z0-9]){{3,}}\b",
    _OPTS,
)
#: between the single characters of a matched run, everything is a separator
_SEP_SPLIT = re.compile(r"([^A-Za-z0-9]+)")
#: the separators of the first fix, spaced runs of any mix of which are collapsed as before
_PLAIN_SEPARATORS = frozenset(" ._*/,|;:+-")
#: a run spaced by other separators needs this many characters, one separator throughout
#: (but for word breaks of plain separators: "O~F~F~I~C~I~A~L-S~E~N~S~I~T~I~V~E")
_MIN_ODD_SPACED = 6
_WIDE_GAP = re.compile(r"[ \t]{4,}")
#: separators that also make lists of numbers ("0, 1, 1, 0", "5|6|7", "1+2+3", "1:2:3")
_LIST_SEPARATORS = frozenset(",|;:+")

_BASE64 = re2.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}", _OPTS)
#: base64 written in 4-character groups: "SGVs bG8g d29y bGQh"
_BASE64_GROUPS = re2.compile(r"(?:[A-Za-z0-9+/]{4}[ \t\n]){3,}[A-Za-z0-9+/]{2,4}={0,2}", _OPTS)
#: base64 or hex wrapped in lines (MIME and PEM wrap base64 at 76 or 64 characters, ``xxd -p``
#: hex at 60), possibly e-mail quoted: decoded with the lines joined
_WRAPPED = re2.compile(
    r"(?:(?:> ?)?[A-Za-z0-9+/]{16,}\r?\n){1,}(?:> ?)?[A-Za-z0-9+/]{2,}={0,2}", _OPTS
)
_QUOTE_PREFIX = re.compile(r"(?m)^> ?")
_URLENC = re2.compile(r"[^\s%]{0,64}(?:%[0-9A-Fa-f]{2}[^\s%]{0,64}){3,}", _OPTS)
#: cheap pre-check: no long token, no %XX and no \\xXX means no blob to decode
_ANY_BLOB = re2.compile(
    r"[A-Za-z0-9+/_-]{16}|%[0-9A-Fa-f]{2}|%u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}|(?:[A-Za-z0-9+/]{4} ){3}[A-Za-z0-9+/]{4}"
    r"|\b(?:0[xX])?[0-9A-Fa-f]{2}(?:[ :,\-]{1,2}(?:0[xX])?[0-9A-Fa-f]{2}){5}"
    # short base64 (12 characters with a digit), quoted-printable, \u and octal escapes,
    # character codes, binary octets, Ascii85
    r"|\b(?:"
    + "|".join(f"[A-Za-z+/]{{{k}}}[0-9][A-Za-z0-9+/]{{{10 - k}}}" for k in range(11))
    + r")[A-Za-z0-9+/=]\b|=[0-9A-F]{2}[^\s=]{0,24}=[0-9A-F]{2}"
    r"|\\u[0-9A-Fa-f{]|\\U[0-9A-Fa-f]{8}|\\[0-7]{3}\\[0-7]{3}|\b\d{2,3}(?:, ?|; ?| )\d{2,3}(?:, ?|; ?| )\d{2,3}\b"
    r"|\b[01]{8}[ ,]{0,2}[01]{8}\b|<~|[A-Z2-7]{10}={1,6}|(?i:base ?85|b85|ascii ?85|a85|z85)"
    r"|[\x{2801}-\x{28ff}]{6}|[.\-]{1,6} [.\-]{1,6} [.\-]{1,6} [.\-]{1,6}"
    r"|[A-Za-z0-9+/]{6}={1,2}(?:[^A-Za-z0-9+/=]|$)",
    _OPTS,
)
_HEX = re2.compile(
    r"\b(?:0x)?(?:[0-9A-Fa-f]{2}){8,}\b|(?:\\x[0-9A-Fa-f]{2}[ ,]?){5,}\\x[0-9A-Fa-f]{2}"
    # bytes with separators: "4a 43 31", "4a:43:31", "0x4a 0x43", "0x4a, 0x43"
    r"|\b(?:0[xX])?[0-9A-Fa-f]{2}(?:[ :,\-]{1,2}(?:0[xX])?[0-9A-Fa-f]{2}){5,}\b",
    _OPTS,
)
_HEX_NOISE = re.compile(r"0[xX]|\\x|[ :,\-]")
#: hex in 4-digit groups (``xxd`` columns without the ASCII column): "4361 7365 2066"
_HEX_GROUPS = re2.compile(r"\b[0-9A-Fa-f]{4}(?: [0-9A-Fa-f]{4}){3,}(?: [0-9A-Fa-f]{2})?\b", _OPTS)
#: base64 of 8-9 bytes (a NINO, a passport number, a marking word): 12 characters (or 11 and
#: ``=``) with a digit in them, alone; checked further in :func:`_try_short_base64`
_SHORT_BASE64 = re2.compile(
    r"(?:^|[^A-Za-z0-9+/=])((?:"
    + "|".join(f"[A-Za-z+/]{{{k}}}[0-9][A-Za-z0-9+/]{{{10 - k}}}" for k in range(11))
    + r")(?:[A-Za-z0-9+/]|=))(?:[^A-Za-z0-9+/=]|$)",
    _OPTS,
)
#: padded base64 too short for :data:`_BASE64` (7-15 characters and ``=`` / ``==``: 5-11
#: bytes, an NHS number, a sort code, a card's digits in groups): the padding says base64;
#: checked further in :func:`_try_padded_base64` (red team RT-133)
_PADDED_BASE64 = re2.compile(
    r"(?:^|[^A-Za-z0-9+/=])([A-Za-z0-9+/]{6,15}={1,2})(?:[^A-Za-z0-9+/=]|$)", _OPTS
)
#: quoted-printable: =XX escapes among literal characters, soft line breaks
_QP = re2.compile(r"(?:[^\s=]{0,24}=(?:[0-9A-F]{2}|\r?\n)){2,}[^\s=]{0,24}", _OPTS)
#: backslash escapes in text: \u004a, \U0000004a, \u{4a}, \112 (octal); IIS/JavaScript
#: ``escape()`` ``%u004A``
_ESCAPES = re2.compile(
    r"(?:[^\s\\%]{0,24}(?:\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}|\\u\{[0-9A-Fa-f]{1,6}\}"
    r"|\\[0-7]{3}|%u[0-9A-Fa-f]{4})){3,}[^\s\\%]{0,24}",
    _OPTS,
)
_ESCAPE = re.compile(
    r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\u\{([0-9A-Fa-f]{1,6})\}|\\([0-7]{3})"
    r"|%u([0-9A-Fa-f]{4})"
)
#: character codes written as decimal numbers: "74, 71, 49, 48, 51, 55"
_CHAR_CODES = re2.compile(r"\b\d{2,3}(?:(?:, ?|; ?| )\d{2,3}){5,}\b", _OPTS)
#: bytes written in binary: "01001010 01000111 ..."
_BINARY = re2.compile(r"\b[01]{8}(?:[ ,]{0,2}[01]{8}){3,}\b", _OPTS)
_BASE32 = re2.compile(r"\b[A-Z2-7]{10,}={0,6}", _OPTS)
#: Ascii85 as Adobe delimits it: "<~...~>"
_ASCII85 = re2.compile(r"<~[!-u\s]{5,}?~>", _OPTS)
#: base85 (RFC 1924 / git / Python ``b85encode``) runs, read only when the text names base85
_BASE85 = re2.compile(r"[0-9A-Za-z!#$%&()*+\-;<=>?@^_`{|}~]{10,}", _OPTS)
_BASE85_CUE = re2.compile(r"(?i)\b(?:base ?85|b85|ascii ?85|a85|z85)\b", _OPTS)
#: the set's stand-in for base85: the cue (the runs are looked for only then)
_BASE85_CUED = _BASE85_CUE


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on blob decoding (depth and total decoded characters) so crafted input cannot
    blow up. There is no count of blobs: decoys would only push the real blob past it."""

    max_depth: int = 4
    max_decoded_chars: int = 1 << 20
    min_decoded_chars: int = 6


class OffsetMap:
    """Piecewise map from normalised offsets to original offsets.

    Segments are ``(n_start, n_end, o_start, o_end)``. A segment of equal lengths maps
    linearly; any other maps every offset inside it to the whole original span.
    """

    __slots__ = ("_n_starts", "_segs")

    def __init__(self, segs: list[tuple[int, int, int, int]] | None = None) -> None:
        self._segs = segs or []
        self._n_starts = [s[0] for s in self._segs]

    @classmethod
    def identity(cls, length: int) -> OffsetMap:
        return cls([(0, length, 0, length)])

    def _seg(self, pos: int) -> tuple[int, int, int, int]:
        i = bisect.bisect_right(self._n_starts, pos) - 1
        return self._segs[max(i, 0)]

    def start(self, pos: int) -> int:
        ns, ne, os_, oe = self._seg(pos)
        if ne - ns == oe - os_:
            return os_ + min(max(pos - ns, 0), oe - os_)
        return os_

    def end(self, pos: int) -> int:
        if pos <= 0:
            return self.start(0)
        ns, ne, os_, oe = self._seg(pos - 1)
        if ne - ns == oe - os_:
            return os_ + min(max(pos - ns, 0), oe - os_)
        return oe

    def span(self, start: int, end: int) -> tuple[int, int]:
        s = self.start(start)
        return s, max(s, self.end(end))


class SpanMap:
    """Map from a view made of pieces to the ORIGINAL text: every offset inside piece ``i``
    maps to the whole original span of the blob it was decoded from."""

    __slots__ = ("_n_starts", "_segs")

    def __init__(self, segs: list[tuple[int, int, int, int]]) -> None:
        self._segs = segs
        self._n_starts = [seg[0] for seg in segs]

    def _seg(self, pos: int) -> tuple[int, int, int, int]:
        i = bisect.bisect_right(self._n_starts, pos) - 1
        return self._segs[max(i, 0)]

    def span(self, start: int, end: int) -> tuple[int, int]:
        first, last = self._seg(start), self._seg(max(start, end - 1))
        return first[2], max(first[2], last[3])


@dataclass(slots=True)
class View:
    """One text to scan: the normalised main text, or the decoded blobs of one kind at one
    depth (joined by blank lines), or the main text turned back (reversed / ROT13)."""

    text: str
    map: OffsetMap | SpanMap
    origin: str = "text"  # text | base64 | url | hex | ... | reversed | rot13 | joined | visual
    depth: int = 0
    #: the tiers of finding this view may give (None: all, names included); views that
    #: rebuild a value (joined, visual order, turned on a cue) find what blocks alone
    tiers: frozenset[str] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of this view's text to the original input."""
        return self.map.span(start, end)


def _rebuild(text: str, cur: OffsetMap, edits: list[tuple[int, int, str]]) -> tuple[str, OffsetMap]:
    """Apply non-overlapping, sorted ``(start, end, replacement)`` edits; compose maps."""
    out: list[str] = []
    segs: list[tuple[int, int, int, int]] = []
    n = 0
    prev = 0

    def keep(a: int, b: int) -> None:
        nonlocal n
        if a >= b:
            return
        out.append(text[a:b])
        # split by the current map's segments so linear pieces stay linear
        pos = a
        while pos < b:
            ns, ne, os_, oe = cur._seg(pos)
            hi = min(b, ne) if ne > pos else b
            if ne - ns == oe - os_:
                segs.append((n, n + hi - pos, os_ + pos - ns, os_ + hi - ns))
            else:
                segs.append((n, n + hi - pos, os_, oe))
            n += hi - pos
            pos = hi

    for start, end, repl in edits:
        keep(prev, start)
        if repl:
            o_s, o_e = cur.span(start, end)
            out.append(repl)
            segs.append((n, n + len(repl), o_s, o_e))
            n += len(repl)
        prev = end
    keep(prev, len(text))
    merged: list[tuple[int, int, int, int]] = []
    for seg in segs:
        if merged:
            ms, me, mos, moe = merged[-1]
            if (
                me == seg[0]
                and moe == seg[2]
                and me - ms == moe - mos
                and seg[1] - seg[0] == seg[3] - seg[2]
            ):
                merged[-1] = (ms, seg[1], mos, seg[3])
                continue
        merged.append(seg)
    return "".join(out), OffsetMap(merged or [(0, 0, 0, len(text))])


@functools.cache
def _confusable_tables() -> tuple[dict[str, str], frozenset[str]]:
    """The Unicode confusables data (UTS #39, from the ``confusable-homoglyphs`` package),
    read once: the skeleton table (:func:`_uts39_skeletons`) and the dash look-alikes
    (:func:`_dash_confusables`)."""
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[str, str] = {}
    for ch, glyphs in data.items():
        if len(ch) != 1 or ch.isascii():
            continue
        for glyph in glyphs:
            c = glyph["c"]
            if len(c) == 1 and c.isascii() and c.isalnum():
                table[ch] = "I" if c == "l" and ch.isupper() else c
                break
    dashes = frozenset(
        g["c"]
        for g in data.get("-", ())
        if len(g["c"]) == 1 and unicodedata.category(g["c"]) in ("Pd", "Sk", "Sm", "So")
    )
    return table, dashes


@functools.cache
def _uts39_skeletons() -> dict[str, str]:
    """Non-ASCII characters the Unicode confusables data (UTS #39) maps to one ASCII letter
    or digit. Upper-case look-alikes of ``I`` map to ``I`` (the skeleton says ``l``)."""
    return _confusable_tables()[0]


@functools.cache
def _dash_confusables() -> frozenset[str]:
    """The symbols the Unicode confusables data (UTS #39) lists as look-alikes of ``-``
    (``˗`` U+02D7 MODIFIER LETTER MINUS SIGN, ``➖``); dash punctuation (category Pd:
    ``᠆`` U+1806 MONGOLIAN TODO SOFT HYPHEN, ``⸗``) is mapped by its category. Letters
    (``Ⲻ``) and sentence punctuation (the Arabic full stop) are left alone."""
    return _confusable_tables()[1]


def _fold_letter(ch: str) -> str:
    mapped = _CONFUSABLES.get(ch)
    if mapped is not None:
        return mapped
    return _uts39_skeletons().get(ch, ch)


@functools.lru_cache(maxsize=1 << 16)
def _unicode_char(ch: str) -> str:
    if "\ud800" <= ch <= "\udfff":  # a lone surrogate: not text
        return "\ufffd"
    if ch in _INVISIBLE_EXTRA:
        return ""
    if ch in "\u2028\u2029":
        return "\n"
    point = ord(ch)
    if 0xE0020 <= point <= 0xE007E:  # tag characters: models read them as their ASCII twins
        return chr(point - 0xE0000)
    for first in _ENCLOSED_CAPITALS:
        if first <= point < first + 26:
            return chr(ord("A") + point - first)
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me", "Cc") and ch not in "\t\n\r":
        return ""
    digit = unicodedata.decimal(ch, None)
    if digit is None and cat == "No":  # circled and dingbat digits (❶ ➀ ➊ ⓵: RT-155)
        digit = unicodedata.digit(ch, None)
        if digit is None and "DIGIT" in unicodedata.name(ch, "").split():
            value = unicodedata.numeric(ch, -1.0)  # 🄋 DINGBAT CIRCLED SANS-SERIF DIGIT ZERO
            digit = int(value) if value in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9) else None
    if digit is not None:
        return str(digit)
    mapped = _CONFUSABLES.get(ch)
    if mapped is not None:
        return mapped
    if cat == "Pd" or ch in _dash_confusables():  # any dash reads as a hyphen (RT-73)
        return "-"
    folded = unicodedata.normalize("NFKC", ch)
    if folded[:1] == " " and len(folded) > 1 and not ch.isspace():
        return ch  # a spacing diacritic (¨ ´ ¸ ˜) is one symbol, not a space and a mark
    if len(folded) == 3 and folded[0] == "(" and folded[2] == ")" and folded[1].isalnum():
        return folded[1]  # parenthesized letters and digits: ⒥ → j (NFKC gives "(j)")
    name = unicodedata.name(ch, "")
    if name.startswith("LATIN LETTER SMALL CAPITAL ") and len(name) == 28:
        return name[-1]  # small capitals read as capitals: ᴊɢ → JG
    if folded != ch:
        return "".join(c if c.isascii() else _fold_letter(c) for c in folded)
    return _fold_letter(ch)


@functools.lru_cache(maxsize=1 << 14)
def _base_letter(ch: str) -> str:
    """A Latin letter with diacritics as its base letter (``é`` → ``e``, ``Á`` → ``A``,
    ``İ`` → ``I``, ``ø`` → ``o``): its canonical decomposition is one ASCII letter and
    combining marks only, or its Unicode name is that letter "WITH" a stroke, bar or tail.
    Anything else (ß, æ, Greek, Cyrillic) is kept."""
    decomposed = unicodedata.normalize("NFD", ch)
    base = decomposed[:1]
    if (
        len(decomposed) > 1
        and base.isascii()
        and base.isalpha()
        and all(unicodedata.category(c) == "Mn" for c in decomposed[1:])
    ):
        return base
    # letters with a stroke, bar or tail have no decomposition (ø ł ħ đ Ⱥ Ɉ ȿ): the Unicode
    # name says the base letter ("LATIN SMALL LETTER O WITH STROKE"), as it does for ı
    words = unicodedata.name(ch, "").split()
    if len(words) >= 5 and words[0] == "LATIN" and words[2] == "LETTER" and words[1] in _CASES:
        letter = words[4] if words[3] == "DOTLESS" and len(words) == 5 else words[3]
        if (
            len(letter) == 1
            and "A" <= letter <= "Z"
            and (words[3] == "DOTLESS" or words[4] == "WITH")
        ):
            return letter if words[1] == "CAPITAL" else letter.lower()
    return ch


_CASES = ("SMALL", "CAPITAL")


def _unaccented_view(main: View) -> View | None:
    """The main text with precomposed accents dropped, when it has any (red team RT-149).

    The combining form (``e`` + U+0301) already reads as ``e`` in the main view; a
    precomposed ``é`` stays, so vocabularies holding accented words ("esclerosis múltiple",
    Siân) match there, and "sclérosis", "ÓFFICIAL-SENSITIVE", "pásswórd" or an "ÁKIA…" key
    match here. One character for one, so the main view's offset map holds; ASCII text
    (nearly every prompt) costs one ``isascii`` call."""
    text = main.text
    if text.isascii():
        return None
    unaccented = "".join([c if c < "\x80" else _base_letter(c) for c in text])
    if unaccented == text:
        return None
    return View(unaccented, main.map, "unaccented")


@functools.cache
def _upside_down() -> tuple[dict[str, str], frozenset[str], int]:
    """From the data file: each turned form -> its character, the non-ASCII forms (the sign
    of a text written upside down) and how many of them make one."""
    data = _data()
    table = {form: ch for ch, forms in data.get("upside_down", {}).items() for form in forms}
    only = frozenset(form for form in table if not form.isascii())
    return table, only, data.get("upside_down_min", 3)


def _upside_down_view(text: str) -> View | None:
    """``text`` read right way up when it is written upside down (``ǝʌıʇısuǝs-lɐıɔıɟɟo``,
    ``Ɔ 9Ɩ ㄣƐ ᄅƖ ꓭ∀``; red team RT-152): reversed, each turned form as its character,
    then normalised. Like a text turned back on a cue it finds only what blocks alone, and
    a finding maps to the whole text. ASCII text costs one ``isascii`` call, other text one
    set of its characters."""
    if text.isascii():
        return None
    table, only, needed = _upside_down()
    seen = only.intersection(text)
    if not seen or sum(text.count(c) for c in seen) < needed:
        return None
    upright = "".join([table.get(c, c) for c in reversed(text)])
    main, _, _ = _normalise_one(upright)
    whole = SpanMap([(0, len(main.text), 0, len(text))])
    return View(main.text, whole, "upside_down", tiers=_TURNED_TIERS)


#: the markup of an HTML table row and cell (red team RT-153); any other tag is dropped
_HTML_TABLE_TAG = re2.compile(
    r"(?i)[ \t\r\n]{0,64}<(?:/?(?:tr|td|th|thead|tbody|tfoot|table)\b[^<>]{0,200}|[A-Za-z/!][^<>]{0,200})>",
    _OPTS,
)


def _html_table_cell(tag: str) -> str:
    tag = tag.lstrip(" \t\r\n")  # the white space before a tag goes with it
    name = tag[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if len(tag) > 2 else ""
    if name == "tr":
        return "\n|" if not tag.startswith("</") else ""
    if name in ("td", "th"):
        return " |" if tag.startswith("</") else " "
    return "\n" if name in ("table", "thead", "tbody", "tfoot") else ""


def _html_table_view(main: View) -> View | None:
    """An HTML table read as the pipe table a renderer shows (``<tr><th>User</th><th>
    Password</th></tr>`` → ``| User | Password |``; red team RT-153), so the credential
    rules' table header reading applies; for values that block alone. Text with no ``<td``
    / ``<th`` costs two substring searches."""
    text = main.text
    if "<t" not in text and "<T" not in text:
        return None
    low = text.lower()
    if "<td" not in low and "<th" not in low:
        return None
    rows, cur = _rewrite(text, main.map, _HTML_TABLE_TAG, _html_table_cell)
    if rows == text:
        return None
    return View(rows, cur, "html_table", tiers=joined.JOINED_TIERS)


def scrub_surrogates(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD (same length, same offsets), so any
    ``str`` can be encoded and scanned."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def unicode_fold(text: str, cur: OffsetMap | None = None) -> tuple[str, OffsetMap]:
    """Step 1: terminal escape sequences and C0 controls dropped, NFKC, confusables,
    invisible removal. ASCII text without ESC or controls is returned as is."""
    if cur is None:
        cur = OffsetMap.identity(len(text))
    if "\x08" in text or "\x1b[" in text:  # overprinting: what a terminal leaves shown
        text, cur = _overprinted(text, cur)
    if "\x1b" in text:  # ANSI CSI / OSC sequences: a terminal shows nothing of them
        text, cur = _rewrite(text, cur, _ANSI, lambda _seq: "")
    if _C0_PROBE.search(text) is not None:  # NUL, BEL, DEL... read through; VT, FF, US as a space
        text, cur = _rewrite(text, cur, _C0, lambda c: " " if c in _C0_SPACES else "")
    if text.isascii():
        return text, cur
    edits: list[tuple[int, int, str]] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        folded = _unicode_char(ch)
        if folded != ch:
            edits.append((i, i + 1, folded))
    if not edits:
        return text, cur
    return _rebuild(text, cur, edits)


#: C0 control characters (not TAB, LF, CR) and DEL: not printable, they carry no meaning a
#: reader sees, so a value split by them reads whole; the separators among them (VT, FF,
#: FS..US) become a space, the rest nothing
_C0_CLASS = r"[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]"
_C0 = re2.compile(_C0_CLASS, _OPTS)
#: the same class, asked of every text by Python's ``re`` (one character class: linear, no
#: backtracking), which scans a ``str`` in place: RE2's wrapper encodes it to UTF-8 first
#: (0.6 vs 6.6 ms over the dev corpus)
_C0_PROBE = re.compile(_C0_CLASS)
_C0_SPACES = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f")

#: a backspace, or an ANSI cursor-left (``ESC [ n D``): the characters before it are
#: overwritten by the ones after it (``JG10X\b3729A`` shows ``JG103729A``)
_OVERPRINT = re2.compile(r"\x08{1,16}|\x1b\[[0-9]{0,2}D", _OPTS)


def _overprinted(text: str, cur: OffsetMap) -> tuple[str, OffsetMap]:
    """The text as a terminal leaves it shown: each backspace or cursor-left drops itself
    and as many characters before it (on its line, at most 16; never into an earlier
    edit)."""
    edits: list[tuple[int, int, str]] = []
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    floor = 0
    for m in _OVERPRINT.finditer(data):
        s, e = m.span()
        if b2c is not None:
            s, e = b2c(s), b2c(e)
        seq = text[s:e]
        if seq.startswith("\x1b"):
            digits = seq[2:-1]
            count = int(digits) if digits else 1
        else:
            count = len(seq)
        line = text.rfind("\n", floor, s) + 1
        start = max(s - min(count, 16), line, floor)
        edits.append((start, e, ""))
        floor = e
    return _rebuild(text, cur, edits) if edits else (text, cur)


_ANSI = re2.compile(
    r"\x1b(?:\[[0-9;?]{0,32}[ -/]{0,2}[@-~]|\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)?|[@-Z\\-_])", _OPTS
)


def collapse_spaced(text: str, cur: OffsetMap) -> tuple[str, OffsetMap]:
    """Step 2: collapse letter-spaced runs ("O F F I C I A L" → "OFFICIAL")."""
    if not text.isascii():
        data = text.encode()
        b2c = _byte_to_char(data)
    else:
        data, b2c = text.encode(), None
    edits: list[tuple[int, int, str]] = []
    for m in _LETTER_SPACED.finditer(data):
        s, e = m.span()
        if b2c is not None:
            s, e = b2c(s), b2c(e)
        for start, end in _spaced_pieces(text, s, e):
            _collapse_run(text, start, end, edits)
    if not edits:
        return text, cur
    return _rebuild(text, cur, edits)


def _spaced_pieces(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A letter-spaced run cut at its wide gaps (4+ spaces) when it also uses narrower
    separators: "Page 3 of 9    O F F I C I A L" is "9" and a spaced word, not one run; a run
    spaced by wide gaps alone ("J    G    1 ...") stays whole."""
    gaps = list(_WIDE_GAP.finditer(text, s, e))
    if not gaps or all(len(sep) >= 4 for sep in _SEP_SPLIT.split(text[s:e])[1::2]):
        return [(s, e)]
    pieces, start = [], s
    for gap in gaps:
        pieces.append((start, gap.start()))
        start = gap.end()
    pieces.append((start, e))
    return [(a, b) for a, b in pieces if b > a]


def _collapse_run(text: str, s: int, e: int, edits: list[tuple[int, int, str]]) -> None:
    """Append the edit collapsing ``text[s:e]``, one letter-spaced run, if it is one."""
    run = text[s:e]
    parts = _SEP_SPLIT.split(run)
    # a lowercase word like "a" next to an upper-case or digit run is not part of it (with
    # an unusual separator throughout, "j~g~1~0~...~a", every character is)
    spaced_odd = all(not _PLAIN_SEPARATORS.issuperset(sep) for sep in parts[1::2])
    if not spaced_odd and sum(c.islower() for c in parts[::2]) * 2 < len(parts[::2]):
        while parts and parts[0].islower():
            s += len(parts[0]) + len(parts[1])
            parts = parts[2:]
        while parts and parts[-1].islower():
            e -= len(parts[-1]) + len(parts[-2])
            parts = parts[:-2]
        if len(parts) < 7:
            return
        run = text[s:e]
    chars, seps = parts[::2], parts[1::2]
    odd = [sep for sep in seps if not _PLAIN_SEPARATORS.issuperset(sep)]
    if odd:
        # "J~G~1~0~3~7~2~9~A": one unusual separator throughout, word breaks apart; never
        # "a & b | c" or "x=1&y=2" (mixed), nor a short run ("Q & A & B")
        if len(set(odd)) != 1 or len(chars) < _MIN_ODD_SPACED or len(odd) < len(seps) - 2:
            return
        if odd[0][0] == " " != odd[0][-1] and all(c.isdigit() for c in chars):
            return  # "#1 #2 #3 #4 #5 #6": numbered items, not a spaced value
        seps = [sep if sep in odd else ("-" if "-" in sep else " ") for sep in seps]
        if len(set(seps)) > 1:
            seps = [" " if sep in odd else sep for sep in seps]
    if any(_LIST_SEPARATORS.intersection(sep) for sep in seps) and not any(
        c.isalpha() for c in chars
    ):
        return  # "0, 1, 1, 0" and "5|6|7" are lists of numbers, not a spaced identifier
    if len(set(seps)) <= 1:  # uniformly separated: "O-F-F-I-C-I-A-L", "1 2 3 4"
        collapsed = "".join(chars)
    else:  # keep a dash between collapsed words ("O F F I C I A L - S E N ...", "O- F- ...
        # L-S- E- N- ...": the separator used most is the spacing, a dash elsewhere a word break)
        spacing = max(set(seps), key=lambda sep: (seps.count(sep), -len(sep)))
        collapsed = chars[0] + "".join(
            ("-" if "-" in sep and sep != spacing else "") + c
            for sep, c in zip(seps, chars[1:], strict=True)
        )
    if len(collapsed) >= 4 and collapsed != run:
        edits.append((s, e, collapsed))


def _byte_to_char(data: bytes):
    """Return a function mapping a UTF-8 byte offset of ``data`` to a char offset."""
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    starts = np.cumsum((arr & 0xC0) != 0x80)
    total = int(starts[-1]) if len(starts) else 0

    def b2c(pos: int) -> int:
        if pos <= 0:
            return 0
        if pos >= len(data):
            return total
        return int(starts[pos - 1])

    return b2c


def _printable(s: str) -> bool:
    if not s:
        return False
    good = sum(1 for c in s if c.isprintable() or c in "\t\n\r")
    return good / len(s) >= 0.9 and sum(c.isalnum() for c in s) >= len(s) * 0.4


#: what splits the readable runs of decoded bytes (control characters, undecodable bytes)
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]+")


#: decoded bytes inflated at most to this size (a code tool decompresses them in one line)
_MAX_INFLATED = 256 * 1024


def _inflated(raw: bytes) -> bytes | None:
    """``raw`` inflated when it starts as a gzip, zlib, bzip2, xz or zstd stream does, or is
    one whole brotli stream (bounded to
    :data:`_MAX_INFLATED`; a truncated or corrupt stream gives what inflated before the
    damage), else None."""
    import bz2
    import lzma
    import zlib

    head = raw[:6]
    if head[:2] == b"\x1f\x8b":
        new = lambda: zlib.decompressobj(16 + zlib.MAX_WBITS)  # noqa: E731
    elif len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0:
        new = lambda: zlib.decompressobj(zlib.MAX_WBITS)  # noqa: E731
    elif head[:3] == b"BZh" and head[3:4].isdigit():
        new = bz2.BZ2Decompressor
    elif head == b"\xfd7zXZ\x00":
        new = lzma.LZMADecompressor
    elif head[:4] == b"\x28\xb5\x2f\xfd":
        return _zstd_inflated(raw)
    else:
        return _brotli_inflated(raw) if not raw.isascii() else None
    out = bytearray()
    data = raw
    while data and len(out) < _MAX_INFLATED:  # every gzip member, as gunzip reads them
        d = new()
        try:
            out += d.decompress(data, _MAX_INFLATED - len(out))
        except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
            break
        if not d.eof:
            break
        data = d.unused_data if head[:2] == b"\x1f\x8b" else b""
    return bytes(out) or None


def _zstd_inflated(raw: bytes) -> bytes | None:
    try:  # Python 3.14+
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - depends on the interpreter
        from backports import zstd  # type: ignore[no-redef]
    try:
        return zstd.ZstdDecompressor().decompress(raw, _MAX_INFLATED) or None
    except zstd.ZstdError:
        return None


def _brotli_inflated(raw: bytes) -> bytes | None:
    """Brotli has no magic number: bytes that inflate as one whole brotli stream (random
    bytes almost never do; a few microseconds to find out)."""
    import brotli

    d = brotli.Decompressor()
    try:
        out = d.process(raw, output_buffer_limit=_MAX_INFLATED)
    except brotli.error:
        return None
    return out if d.is_finished() and out else None


def _utf16_le(raw: bytes) -> str | None:
    """``raw`` as UTF-16 when it reads as BOM-less (or BOM'd) UTF-16LE or UTF-16BE
    ASCII-range text: every other byte zero."""
    if raw.startswith(b"\xfe\xff") or (len(raw) >= 8 and raw[0] == 0 and raw[1]):
        raw = raw[2:] if raw[0] else raw  # UTF-16BE (hex of it: "004a0047..."): bytes swapped
        if len(raw) % 2 or raw[0::2].count(0) < len(raw) // 2 * 0.9 or 0 in raw[1::2]:
            return None
        return raw.decode("utf-16-be", "replace")
    if raw.startswith(b"\xff\xfe"):
        raw = raw[2:]
    if len(raw) < 8 or len(raw) % 2 or raw[1::2].count(0) < len(raw) // 2 * 0.9 or 0 in raw[0::2]:
        return None
    return raw.decode("utf-16-le", "replace")


def _decode_text(raw: bytes) -> str | None:
    """Decoded bytes as text: all of it when it is text, else its readable runs of 16+
    characters (text after a short binary prefix, or between binary fields; random bytes
    almost never hold one). Compressed bytes (gzip, zlib, bzip2, xz) are inflated first."""
    inflated = _inflated(raw) if len(raw) >= 8 else None
    if inflated is not None:
        raw = inflated
    wide = _utf16_le(raw)
    if wide is not None and _printable(wide):
        return wide  # base64 of UTF-16LE text (what .NET / PowerShell -EncodedCommand write)
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        s = None
    if s is not None and _printable(s):
        return s
    runs = [r for r in _NOT_TEXT.split(raw.decode("utf-8", "replace")) if len(r) >= 16]
    joined = "\n".join(r for r in runs if _printable(r))
    return joined or None


def _try_base64(blob: str) -> str | None:
    core = "".join(blob.split())  # 4-character groups: "SGVs bG8g ..."
    if len(core) < 16 or core.isdigit() or core.isalpha():
        return None
    core = core.rstrip("=")
    pad = "=" * (-len(core) % 4)
    alt = "-_" if ("-" in core or "_" in core) else "+/"
    if len(core) % 4 == 1:
        return None
    try:
        raw = base64.b64decode(core + pad, altchars=alt.encode(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _decode_text(raw)


def _try_wrapped(blob: str) -> str | None:
    """Lines of base64 (or of hex) joined, e-mail quote marks dropped, then decoded."""
    joined = "".join(_QUOTE_PREFIX.sub("", blob).split())
    if re.fullmatch(r"[0-9A-Fa-f]+", joined):
        return _try_hex(joined)
    return _try_base64(joined)


def _try_hex(blob: str) -> str | None:
    core = _HEX_NOISE.sub("", blob)
    if len(core) % 2:
        return None
    try:
        raw = bytes.fromhex(core)
    except ValueError:
        return None
    return _decode_text(raw)


def _try_short_base64(blob: str) -> str | None:
    """12 base64 characters (9 bytes, or 8 and ``=``) decoding to printable ASCII that is
    mostly letters and digits, as an identifier or a marking word is; words are not base64."""
    if not (any(c.islower() for c in blob) and any(c.isupper() for c in blob)):
        return None
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.isascii():
        return None
    text = raw.decode("ascii")
    if not text.isprintable() or sum(c.isalnum() for c in text) < len(text) - 2:
        return None
    return text


def _try_padded_base64(blob: str) -> str | None:
    """Padded base64 of 5-11 bytes (a whole number of 4-character groups) with a digit or
    both cases in it (a word ending in ``=`` has neither, and does not decode to text),
    decoding to printable ASCII that is mostly letters, digits, spaces and dashes."""
    core = blob.rstrip("=")
    if len(blob) % 4 or not (
        any(c.isdigit() for c in core)
        or (any(c.islower() for c in core) and any(c.isupper() for c in core))
    ):
        return None
    try:
        raw = base64.b64decode(blob, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.isascii():
        return None
    text = raw.decode("ascii")
    if not text.isprintable() or sum(c.isalnum() or c in " -" for c in text) < len(text) - 1:
        return None
    return text


def _try_base32(blob: str) -> str | None:
    """RFC 4648 base32 (upper case, digits 2-7, ``=`` padding to 8 characters). A run with
    no digit counts only as whole 8-character groups of 16+ (an AWS key id's 20 bytes are
    32 letters as often as not; upper-case words are neither that long nor decode to text)."""
    core = blob.rstrip("=")
    if not re.fullmatch(r"[A-Z2-7]{10,}", core):
        return None
    if not any(c.isdigit() for c in core) and (len(core) < 16 or len(blob) % 8):
        return None
    try:
        raw = base64.b32decode(core + "=" * (-len(core) % 8))
    except (binascii.Error, ValueError):
        return None
    return _decode_text(raw)


def _try_base85(blob: str) -> str | None:
    try:
        raw = base64.b85decode(blob)
    except (ValueError, binascii.Error):
        return None
    return _decode_text(raw)


def _try_ascii85(blob: str) -> str | None:
    try:
        raw = base64.a85decode(blob, adobe=True, ignorechars=" \t\n\r\v")
    except (ValueError, binascii.Error):
        return None
    return _decode_text(raw)


def _try_qp(blob: str) -> str | None:
    raw = quopri.decodestring(blob.encode("ascii", "replace"))
    return _decode_text(raw)


def _escape_char(m: re.Match[str]) -> str:
    hex4, hex8, braced, octal, percent = m.groups()
    if octal is not None:
        return chr(int(octal, 8) & 0xFF)
    point = int(hex4 or hex8 or braced or percent, 16)
    return chr(point) if point <= 0x10FFFF else "\ufffd"


def _try_escapes(blob: str) -> str | None:
    """``\\u004a`` / ``\\U0000004a`` / ``\\u{4a}`` / octal ``\\112`` escapes written in text, as
    a JSON, Python or JavaScript reader turns them (surrogate pairs joined)."""
    decoded = _ESCAPE.sub(_escape_char, blob)
    try:
        decoded = decoded.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        decoded = scrub_surrogates(decoded)
    if any(0x80 <= ord(c) <= 0xFF for c in decoded) and all(ord(c) <= 0xFF for c in decoded):
        with contextlib.suppress(UnicodeDecodeError):  # octal escapes of UTF-8: "\\303\\251"
            decoded = decoded.encode("latin-1").decode("utf-8")
    return decoded if _printable(decoded) else None


def _try_char_codes(blob: str) -> str | None:
    codes = [int(c) for c in re.split(r"[,; ]+", blob) if c]
    if not all(32 <= c < 127 for c in codes):
        return None
    text = "".join(map(chr, codes))
    return text if _printable(text) else None


def _try_binary(blob: str) -> str | None:
    bits = re.sub(r"[ ,]", "", blob)
    if len(bits) % 8:
        return None
    return _decode_text(int(bits, 2).to_bytes(len(bits) // 8, "big"))


#: Unified English Braille, grade 1: letters, the capital sign and the number sign
_BRAILLE = re2.compile(r"[\x{2801}-\x{28ff}]{6,}", _OPTS)
_BRAILLE_LETTERS = dict(
    zip("⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚⠅⠇⠍⠝⠕⠏⠟⠗⠎⠞⠥⠧⠺⠭⠽⠵", "abcdefghijklmnopqrstuvwxyz", strict=True)
)
_BRAILLE_DIGITS = dict(zip("abcdefghij", "1234567890", strict=True))


def _try_braille(blob: str) -> str | None:
    out: list[str] = []
    capital = number = False
    for cell in blob:
        if cell == "⠠":
            capital, number = True, False
            continue
        if cell == "⠼":
            number = True
            continue
        letter = _BRAILLE_LETTERS.get(cell)
        if letter is None:
            capital = number = False
            out.append(" ")
            continue
        if number and letter in _BRAILLE_DIGITS:
            out.append(_BRAILLE_DIGITS[letter])
            continue
        number = False
        out.append(letter.upper() if capital else letter)
        capital = False
    text = "".join(out).strip()
    return text if sum(c.isalnum() for c in text) >= 6 else None


#: International Morse code: dots and dashes, letters apart by a space, words by " / "
_MORSE = re2.compile(r"(?:[.\-]{1,6}(?: / | |/)){5,}[.\-]{1,6}", _OPTS)
_MORSE_TABLE = dict(
    zip(
        [
            ".-",
            "-...",
            "-.-.",
            "-..",
            ".",
            "..-.",
            "--.",
            "....",
            "..",
            ".---",
            "-.-",
            ".-..",
            "--",
            "-.",
            "---",
            ".--.",
            "--.-",
            ".-.",
            "...",
            "-",
            "..-",
            "...-",
            ".--",
            "-..-",
            "-.--",
            "--..",
            "-----",
            ".----",
            "..---",
            "...--",
            "....-",
            ".....",
            "-....",
            "--...",
            "---..",
            "----.",
        ],
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        strict=True,
    )
)


def _try_morse(blob: str) -> str | None:
    if "." not in blob or "-" not in blob:
        return None
    blob = re.sub(r" [.\-]$", "", blob)  # a lone dash after the code is prose ("... - decode")
    words = []
    for word in re.split(r" ?/ ?", blob):
        letters = [_MORSE_TABLE.get(code) for code in word.split()]
        if None in letters:
            return None
        words.append("".join(letters))  # type: ignore[arg-type]
    return " ".join(words)


def _try_url(blob: str) -> str | None:
    decoded = urllib.parse.unquote_plus(blob)
    return decoded if decoded != blob and _printable(decoded) else None


def _shape(blob: str) -> int:
    """How much a blob looks like deliberate encoding (higher first): padded or a whole
    number of 4-char quanta, digits, both cases."""
    core = "".join(blob.split())
    return (
        (core.endswith("=") or len(core.rstrip("=")) % 4 == 0)
        + any(c.isdigit() for c in core)
        + (any(c.islower() for c in core) and any(c.isupper() for c in core))
    )


#: (origin, finder, decoder), in the order candidates are tried; the finders' pattern
#: texts also form one RE2 set, so text holding no candidate pays one pass
_DECODERS = (
    ("base64", _BASE64_GROUPS, _try_base64),
    ("base64", _WRAPPED, _try_wrapped),
    ("base64", _BASE64, _try_base64),
    ("base32", _BASE32, _try_base32),
    ("base64", _SHORT_BASE64, _try_short_base64),
    ("base64", _PADDED_BASE64, _try_padded_base64),
    ("hex", _HEX, _try_hex),
    ("hex", _HEX_GROUPS, _try_hex),
    ("url", _URLENC, _try_url),
    ("qp", _QP, _try_qp),
    ("escapes", _ESCAPES, _try_escapes),
    ("codes", _CHAR_CODES, _try_char_codes),
    ("binary", _BINARY, _try_binary),
    ("base85", _ASCII85, _try_ascii85),
    ("base85", _BASE85_CUED, _try_base85),
    ("braille", _BRAILLE, _try_braille),
    ("morse", _MORSE, _try_morse),
)


@functools.cache
def _blob_sets() -> PackedSets:
    """Which finders of :data:`_DECODERS` can match (packed: the large ones alone)."""
    return PackedSets([rx.pattern for _, rx, _ in _DECODERS], _OPTS, SMALL_FAMILY_PER_SET)


def _decoded_blobs(text: str, limits: Limits) -> list[tuple[int, int, str, str]]:
    """Find and decode embedded blobs: ``(start, end, origin, decoded_text)``, most
    encoding-like first (every candidate is tried: the work is linear in the text)."""
    found: list[tuple[int, int, str, str, int]] = []
    data = text.encode()
    if _ANY_BLOB.search(data) is None:
        return []
    which = _blob_sets().matching(data, text)
    if not which:
        return []
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    decoders = [_DECODERS[i] for i in sorted(which)]
    for origin, finder, decode in decoders:
        rx = _BASE85 if finder is _BASE85_CUED else finder  # the cue says: look for runs
        group = 1 if rx is _SHORT_BASE64 or rx is _PADDED_BASE64 else 0
        for m in rx.finditer(data):
            s, e = m.span(group)
            if b2c is not None:
                s, e = b2c(s), b2c(e)
            blob = text[s:e]
            decoded = decode(blob)
            if decoded is not None and len(decoded.strip()) >= limits.min_decoded_chars:
                found.append((s, e, origin, decoded, _shape(blob)))
    found.sort(key=lambda f: (-f[4], -(f[1] - f[0]), f[0]))
    return [(s, e, origin, decoded) for s, e, origin, decoded, _ in found]


def prepare() -> None:
    """Build every table and pattern set :func:`normalise` loads on first use (the UTS #39
    skeletons, the blob finders' and shape checks' sets, the data file's vocabularies), so
    that an engine built in the scan template hands them to each forked worker instead of
    each worker building them on its first non-ASCII or blob-shaped text."""
    _uts39_skeletons()
    _dash_confusables()
    _blob_sets()
    _shape_set()


def normalise(text: str, limits: Limits | None = None) -> list[View]:
    """Normalise ``text``; return the main view first, then decoded-blob and turned views.

    Decoded blobs of one kind at one depth form one view; blobs are taken in shape order
    until ``limits.max_decoded_chars`` is spent (no count of blobs), down to ``max_depth``.
    """
    limits = limits or Limits()
    main, hits, folded = _normalise_one(text)
    views = [main, *_turned_views(main, len(text), hits)]
    unaccented = _unaccented_view(main)
    if unaccented is not None:
        views.append(unaccented)
    upside_down = _upside_down_view(text)
    if upside_down is not None:
        views.append(upside_down)
    table = _html_table_view(main)
    if table is not None:
        views.append(table)
    if any(i >= _JOINS for i in hits):
        view = _joined_view(main, hits)
        if view is not None:
            views.append(view)
    if _CUE in hits:  # a reading cue or a decode cue: one pattern of the shape set
        view = _cipher_view(folded)
        if view is not None:
            views.append(view)
    if "\u202e" in text:
        view = _visual_order(text)
        if view is not None:
            views.append(view)
    budget = limits.max_decoded_chars
    # blobs are looked for in the Unicode-folded text (the shape rewrites would turn an
    # Ascii85 "0O5l" into digits) and their pieces scanned normalised
    level = [folded]
    for depth in range(1, limits.max_depth + 1):
        pieces: dict[str, list[tuple[str, str, int, int]]] = {}
        for view in level:
            for s, e, origin, decoded in _decoded_blobs(view.text, limits):
                if budget <= 0:
                    break
                piece, _, raw = _normalise_one(decoded[:budget])
                budget -= len(piece.text)
                o_s, o_e = view.to_original(s, e)
                ctx = _context_around(view, s, e, piece.text)
                pieces.setdefault(origin, []).append((piece.text, raw.text, o_s, o_e, ctx))
        if not pieces:
            break
        level = []
        for origin, items in pieces.items():
            views.append(
                _pieces_view([(p, o_s, o_e, c) for p, _, o_s, o_e, c in items], origin, depth)
            )
            level.append(
                _pieces_view([(r, o_s, o_e) for _, r, o_s, o_e, _ in items], origin, depth)
            )
        if budget <= 0:
            break
    return views


#: a decoded piece that is a bare number (digits, spaces, dashes): it is read with the words
#: before its blob, as an unseparated NHS number needs its context ("NHS number in base64: …")
_BARE_NUMBER = re.compile(r"[0-9][0-9 \-]{4,30}[0-9]")
#: how much of the text before a blob a bare number is read with (a recogniser's window)
_CONTEXT_BEFORE = 80


def _context_around(view: View, s: int, e: int, piece: str):
    """When ``piece`` (decoded from ``view.text[s:e]``) is a bare number: the line before
    ``s`` and the line after ``e`` (at most :data:`_CONTEXT_BEFORE` chars each, with their
    original spans; None where empty), so that "sort code <blob> account 31926819" reads
    whole; else None."""
    if _BARE_NUMBER.fullmatch(piece.strip()) is None:
        return None
    text = view.text
    lo = max(text.rfind("\n", max(0, s - _CONTEXT_BEFORE), s) + 1, s - _CONTEXT_BEFORE, 0)
    line_end = text.find("\n", e, e + _CONTEXT_BEFORE)  # bounded: many blobs on one long line
    hi = min(len(text) if line_end < 0 else line_end, e + _CONTEXT_BEFORE)
    before = (text[lo:s], *view.to_original(lo, s)) if lo < s else None
    after = (text[e:hi], *view.to_original(e, hi)) if e < hi else None
    return None if before is None and after is None else (before, after)


def _pieces_view(items, origin: str, depth: int) -> View:
    """Pieces joined by blank lines; every offset of a piece maps to its whole source span.
    Items are ``(piece, start, end)`` or ``(piece, start, end, context)``, the context
    ``(before, after)`` (or None), each ``(text, start, end)`` or None, read on either side of
    the piece (:func:`_context_around`)."""
    parts: list[str] = []
    segs: list[tuple[int, int, int, int]] = []
    n = 0
    for piece, o_s, o_e, *rest in items:
        before, after = rest[0] if rest and rest[0] is not None else (None, None)
        if before is not None:
            text, c_s, c_e = before
            parts.append(text + " ")
            segs.append((n, n + len(text) + 1, c_s, c_e))
            n += len(text) + 1
        parts.append(piece)
        segs.append((n, n + len(piece), o_s, o_e))
        n += len(piece)
        if after is not None:
            text, c_s, c_e = after
            parts.append(" " + text)
            segs.append((n, n + len(text) + 1, c_s, c_e))
            n += len(text) + 1
        parts.append("\n\n")
        n += 2
    return View("".join(parts)[:-2] if parts else "", SpanMap(segs), origin, depth)


# -- identifier shapes --------------------------------------------------------------------

DATA_FILE = Path(__file__).resolve().parent / "data" / "normalise.yaml"


class NormaliseDataError(ValueError):
    """``detectors/data/normalise.yaml`` is malformed."""


@functools.cache
def _data() -> dict:
    try:
        data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NormaliseDataError(f"{DATA_FILE}: {exc}") from exc
    words = data.get("number_words") if isinstance(data, dict) else None
    if not isinstance(words, dict) or not isinstance(words.get("min_run"), int):
        raise NormaliseDataError(f"{DATA_FILE}: 'number_words' needs 'min_run' and word maps")
    for key in ("digits", "teens", "tens", "repeaters", "scales"):
        table = words.get(key, {}) if key == "scales" else words.get(key)
        if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, int) for k, v in table.items()
        ):
            raise NormaliseDataError(f"{DATA_FILE}: number_words.{key} must map words to numbers")
    turned = data.get("turned_markings")
    if not isinstance(turned, list) or not all(isinstance(w, str) and w for w in turned):
        raise NormaliseDataError(f"{DATA_FILE}: 'turned_markings' must be a list of words")
    leet_words, leet_letters = data.get("leet_keywords", []), data.get("leet_letters", {})
    if not isinstance(leet_words, list) or not all(
        isinstance(w, str) and w and w.isascii() and w == w.lower() for w in leet_words
    ):
        raise NormaliseDataError(f"{DATA_FILE}: 'leet_keywords' must be a list of lower-case words")
    if not isinstance(leet_letters, dict) or not all(
        isinstance(k, str)
        and len(k) == 1
        and k.islower()
        and isinstance(v, str)
        and v
        and not any(c.isalpha() or c.isspace() for c in v)
        for k, v in leet_letters.items()
    ):
        raise NormaliseDataError(
            f"{DATA_FILE}: 'leet_letters' must map a lower-case letter to its digit and "
            "symbol look-alikes"
        )
    flips, flips_min = data.get("upside_down", {}), data.get("upside_down_min", 3)
    if not isinstance(flips, dict) or not all(
        isinstance(k, str) and len(k) == 1 and isinstance(v, str) and v for k, v in flips.items()
    ):
        raise NormaliseDataError(
            f"{DATA_FILE}: 'upside_down' must map a character to its turned forms"
        )
    if not isinstance(flips_min, int) or flips_min < 1:
        raise NormaliseDataError(f"{DATA_FILE}: 'upside_down_min' must be a whole number >= 1")
    numerals, numerals_min = (
        data.get("ideographic_digits", {}),
        data.get("ideographic_digits_min", 6),
    )
    if not isinstance(numerals, dict) or not all(
        isinstance(k, str) and len(k) == 1 and not k.isascii() and v in range(10)
        for k, v in numerals.items()
    ):
        raise NormaliseDataError(
            f"{DATA_FILE}: 'ideographic_digits' must map a non-ASCII numeral to a digit 0-9"
        )
    if not isinstance(numerals_min, int) or numerals_min < 2:
        raise NormaliseDataError(
            f"{DATA_FILE}: 'ideographic_digits_min' must be a whole number >= 2"
        )
    misspelt = data.get("misspelt_markings", [])
    if not isinstance(misspelt, list) or not all(
        isinstance(m, str) and len(m.split()) == 2 and m.isupper() and m.replace(" ", "").isalpha()
        for m in misspelt
    ):
        raise NormaliseDataError(
            f"{DATA_FILE}: 'misspelt_markings' must be a list of two words in capitals"
        )
    nato = data.get("nato_alphabet")
    if not isinstance(nato, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) == 1 and v.isupper()
        for k, v in nato.items()
    ):
        raise NormaliseDataError(f"{DATA_FILE}: 'nato_alphabet' must map words to one capital")
    alphabets = data.get("spelling_alphabets")
    if not isinstance(alphabets, dict) or not all(
        isinstance(table, dict)
        and all(
            isinstance(k, str) and k and isinstance(v, str) and len(v) == 1 and v.isupper()
            for k, v in table.items()
        )
        for table in alphabets.values()
    ):
        raise NormaliseDataError(
            f"{DATA_FILE}: 'spelling_alphabets' must map names to maps of words to one capital"
        )
    spelling_digits = data.get("spelling_digits")
    if not isinstance(spelling_digits, dict) or not all(
        isinstance(k, str) and k and isinstance(v, int) and 0 <= v <= 9
        for k, v in spelling_digits.items()
    ):
        raise NormaliseDataError(f"{DATA_FILE}: 'spelling_digits' must map words to one digit")
    for key in (
        "reading_cues",
        "decode_cues",
        "spelling_connectors",
        "letter_cues",
        "split_cues",
        "value_cues",
    ):
        words = data.get(key)
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise NormaliseDataError(f"{DATA_FILE}: '{key}' must be a list of words")
    return data


def split_cues() -> tuple[str, ...]:
    """Words saying a value is given in pieces ("part", "half", "ends"): the data file's
    ``split_cues`` (:mod:`detectors.fragments`)."""
    return tuple(w.lower() for w in _data()["split_cues"])


def digit_words() -> dict[str, int]:
    """The data file's digit words (``number_words.digits``)."""
    return dict(_data()["number_words"]["digits"])


def value_cues() -> tuple[str, ...]:
    """Words naming a value ("NHS number", "card", "key"): the data file's ``value_cues``."""
    return tuple(w.lower() for w in _data()["value_cues"])


def _rewrite(text: str, cur: OffsetMap, rx, replace) -> tuple[str, OffsetMap]:
    """One RE2 pass: ``replace(match_text)`` gives the new text of a match (or None)."""
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    edits: list[tuple[int, int, str]] = []
    for m in rx.finditer(data):
        s, e = m.span()
        if b2c is not None:
            s, e = b2c(s), b2c(e)
        new = replace(text[s:e])
        if new is not None and new != text[s:e]:
            edits.append((s, e, new))
    if not edits:
        return text, cur
    if all(e - s == len(new) for s, e, new in edits):  # same length: offsets unchanged
        parts, prev = [], 0
        for s, e, new in edits:
            parts += (text[prev:s], new)
            prev = e
        parts.append(text[prev:])
        return "".join(parts), cur
    return _rebuild(text, cur, edits)


#: short alphanumeric groups joined by one kind of unusual separator: "AB|12|34|56|C"
_SEPARATED_RX = r"\b[A-Za-z0-9]{1,6}(?:[|,\t\n][A-Za-z0-9]{1,6}){2,7}\b"
_SEPARATED = re2.compile(_SEPARATED_RX, _OPTS)


def _join_separated(run: str) -> str | None:
    seps = {c for c in run if c in "|,\t\n"}
    if len(seps) != 1:
        return None
    groups = re.split(r"[|,\t\n]", run)
    if seps <= {"\t", "\n"} and all(len(g) == 1 for g in groups):
        return None  # one character per line or per tab: the joined view's column rule
    alnum = sum(len(g) for g in groups)
    digits = sum(c.isdigit() for c in run)
    if not 8 <= alnum <= 24 or digits * 2 < alnum:
        return None
    if all(g.isdigit() and len(g) == 3 for g in groups[1:]):
        return None  # 1,234,567 or a row of 3-digit figures: numbers, not an identifier
    return "".join(" " if c in seps else c for c in run)


#: digit groups with letters that look like digits: "1O", "3O", "59l9"
_LOOKALIKE_RX = r"\b(?:[0-9]+[OoIl]|[OoIl]+[0-9])[0-9OoIl]*\b"
_LOOKALIKE = re2.compile(_LOOKALIKE_RX, _OPTS)
_LOOKALIKE_DIGITS = str.maketrans("OoIl", "0011")


def _digit_lookalikes(token: str) -> str | None:
    letters = sum(c in "OoIl" for c in token)
    return token.translate(_LOOKALIKE_DIGITS) if letters <= len(token) - letters else None


@functools.cache
def _number_words() -> tuple[re2._Regexp, dict[str, tuple[str, int]], str]:
    words = _data()["number_words"]
    kinds: dict[str, tuple[str, int]] = {}
    for kind in ("digits", "teens", "tens", "repeaters"):
        for word, value in words[kind].items():
            kinds[word.lower()] = (kind, value)
    alt = "|".join(sorted((re.escape(w) for w in kinds), key=len, reverse=True))
    pattern = rf"(?i)\b(?:{alt})(?:[ \-]+(?:{alt})){{{words['min_run'] - 1},}}\b"
    return re2.compile(pattern, _OPTS), kinds, pattern


def _spell_digits(run: str) -> str | None:
    _, kinds, _ = _number_words()
    out: list[str] = []
    repeat = 1
    tens_pending: int | None = None
    for word in re.split(r"[ \-]+", run.lower()):
        kind, value = kinds[word]
        if kind == "repeaters":
            repeat = value
            continue
        if tens_pending is not None:
            if kind == "digits" and value > 0:
                out.append(f"{tens_pending}{value}")
                tens_pending = None
                continue
            out.append(f"{tens_pending}0")
            tens_pending = None
        if kind == "tens":
            tens_pending = value
        elif kind == "teens":
            out.append(str(value))
        else:
            out.append(str(value) * repeat)
        repeat = 1
    if tens_pending is not None:
        out.append(f"{tens_pending}0")
    return "".join(out)


#: an AWS access key id split by one space: "AKIAIOSF ODNN7REALKEY"
_SPLIT_AWS_KEY_RX = r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{0,15} [A-Z0-9]{1,16}\b"
_SPLIT_AWS_KEY = re2.compile(_SPLIT_AWS_KEY_RX, _OPTS)


def _join_aws_key(run: str) -> str | None:
    joined = run.replace(" ", "")
    return joined if len(joined) == 20 else None


@functools.cache
def _shape_patterns() -> tuple[str, ...]:
    """The shape rewrites' and turned-marking checks' patterns, indexed as :data:`_CUE` and
    :data:`_JOINS` say: the separator, look-alike, number-word and split-AWS-key rewrites,
    the reversed and ROT13 markings, the reading cue, then each join rewrite's gate."""
    reversed_rx, rot13_rx = _turned_marking_patterns()
    return (
        _SEPARATED_RX,
        _LOOKALIKE_RX,
        _number_words()[2],
        _SPLIT_AWS_KEY_RX,
        reversed_rx,
        rot13_rx,
        f"{_reading_cue_rx()}|{_decode_cue_rx()}",
        *_join_gates(),
    )


@functools.cache
def _join_gates() -> tuple[str, ...]:
    """The join rewrites' gates, each once (rewrites may share one: one pass for both)."""
    return tuple(dict.fromkeys(gate for gate, _, _ in _join_rewrites()))


@functools.cache
def _join_gate_index() -> tuple[int, ...]:
    """For each join rewrite, the index of its gate in :func:`_shape_set`."""
    gates = _join_gates()
    return tuple(_JOINS + gates.index(gate) for gate, _, _ in _join_rewrites())


@functools.cache
def _shape_set() -> PackedSets:
    """One RE2 pass (packed sets: the large programs alone) says which of the shape
    rewrites and turned-marking checks (:func:`_shape_patterns`) can apply: clean text pays
    one pass for all."""
    return PackedSets(_shape_patterns(), _OPTS, SMALL_FAMILY_PER_SET)


#: index in :func:`_shape_set` of the reading cue, then of each join rewrite's gate
_CUE = 6
_JOINS = 7


@functools.cache
def _decode_cue_rx() -> str:
    """A word naming an encoding or a cipher ("decode", "base58", "XORed", "Vigenère"): the
    data file's ``decode_cues``, each a word start (:mod:`detectors.ciphers`)."""
    cues = sorted((re.escape(w.lower()) for w in _data()["decode_cues"]), key=len, reverse=True)
    return r"(?i)\b(?:" + "|".join(c.replace("\\ ", "[ -]?") for c in cues) + r")"


@functools.cache
def _decode_cue():
    return re2.compile(_decode_cue_rx(), _OPTS)


def _cipher_view(folded: View) -> View | None:
    """Tokens near a decode cue decoded as the cue asks (:mod:`detectors.ciphers`), one view
    that gives values that block alone; every offset maps to its token's original span."""
    text = folded.text
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    spans = []
    for m in _decode_cue().finditer(data):
        s, e = m.span()
        spans.append((s, e) if b2c is None else (b2c(s), b2c(e)))
    found = ciphers.decoded(text, spans)
    if not found:
        return None
    items = [
        (value, *folded.to_original(s, e), _context_around(folded, s, e, value))
        for s, e, value in found
    ]
    view = _pieces_view(items, "cipher", 1)
    view.tiers = _TURNED_TIERS
    return view


@functools.cache
def _reading_cue_rx() -> str:
    cues = sorted((re.escape(w.lower()) for w in _data()["reading_cues"]), key=len, reverse=True)
    return r"(?i)\b(?:" + "|".join(c.replace("\\ ", "[ -]?") for c in cues) + r")\b"


@functools.cache
def _join_rewrites():
    """:func:`detectors.joined.rewrites` with the vocabularies of the data file."""
    data = _data()
    letters = dict(data["nato_alphabet"])
    for table in data["spelling_alphabets"].values():
        for word, letter in table.items():
            letters.setdefault(word, letter)
    digit_words = {**data["spelling_digits"], **data["number_words"]["digits"]}
    nato = tuple(sorted((k.lower(), v) for k, v in letters.items()))
    digits = tuple(sorted((k.lower(), v) for k, v in digit_words.items()))
    turned = tuple(w.lower()[::-1] for w in data["turned_markings"])
    connectors = tuple(w.lower() for w in data["spelling_connectors"])
    cues = tuple(w.lower() for w in data["letter_cues"])
    repeaters = tuple(sorted((k.lower(), v) for k, v in data["number_words"]["repeaters"].items()))
    words = data["number_words"]
    cardinal_words = tuple(
        sorted(
            (w.lower(), kind, n)
            for kind in ("digits", "teens", "tens", "scales")
            for w, n in words.get(kind, {}).items()
        )
    )
    misspelt = tuple(data.get("misspelt_markings", ()))
    leet = (
        tuple(data.get("leet_keywords", ())),
        tuple(sorted(data.get("leet_letters", {}).items())),
    )
    numerals = (
        tuple(sorted(data.get("ideographic_digits", {}).items())),
        data.get("ideographic_digits_min", 6),
    )
    return joined.rewrites(
        nato, digits, turned, connectors, cues, repeaters, cardinal_words, misspelt, leet, numerals
    )


def identifier_shapes(
    text: str, cur: OffsetMap, hits: frozenset[int] | None = None
) -> tuple[str, OffsetMap]:
    """Step 3: unusual separators, digit look-alikes, numbers in words, split AWS key ids
    (``hits``: which of them :func:`_shape_set` says can apply; None: all)."""
    if hits is None:
        hits = frozenset(range(4))
    if 0 in hits:
        text, cur = _rewrite(text, cur, _SEPARATED, _join_separated)
    if 1 in hits:
        text, cur = _rewrite(text, cur, _LOOKALIKE, _digit_lookalikes)
    if 2 in hits:
        text, cur = _rewrite(text, cur, _number_words()[0], _spell_digits)
    if 3 in hits:
        text, cur = _rewrite(text, cur, _SPLIT_AWS_KEY, _join_aws_key)
    return text, cur


# -- markings written reversed or in ROT13 --------------------------------------------------


@functools.cache
def _turned_marking_patterns() -> tuple[str, str]:
    words = [w.lower() for w in _data()["turned_markings"]]

    def alt(forms: list[str]) -> str:
        return "(?i)" + "|".join(re.escape(f) for f in forms)

    return alt([w[::-1] for w in words]), alt([codecs.encode(w, "rot13") for w in words])


def _turned_views(main: View, original_length: int, hits: frozenset[int]) -> list[View]:
    """Views of the main text turned back: whole, when it holds a reversed / ROT13 marking;
    for values that block alone, when it tells the reader to reverse it or ROT13 it."""
    views = []
    whole = SpanMap([(0, len(main.text), 0, original_length)])
    cued = _cue_windows(main) if _CUE in hits and not (4 in hits and 5 in hits) else []
    if 4 in hits:
        views.append(View(main.text[::-1], whole, "reversed"))
    elif cued:
        views.append(_turned_windows(main, cued, lambda t: t[::-1], "reversed"))
    if 5 in hits:
        views.append(View(codecs.encode(main.text, "rot13"), main.map, "rot13"))
    elif cued:
        views.append(_turned_windows(main, cued, lambda t: codecs.encode(t, "rot13"), "rot13"))
    return views


#: the text a reading cue turns back: this many characters either side of it (its own
#: sentence or line, not a whole document that happens to say "mirrored" somewhere)
_CUE_WINDOW = 240


def _cue_windows(main: View) -> list[tuple[int, int]]:
    """Merged windows of :data:`_CUE_WINDOW` characters around each reading cue."""
    text = main.text
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    out: list[tuple[int, int]] = []
    for m in _reading_cue().finditer(data):
        s, e = m.span()
        if b2c is not None:
            s, e = b2c(s), b2c(e)
        lo, hi = max(0, s - _CUE_WINDOW), min(len(text), e + _CUE_WINDOW)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def _turned_windows(main: View, windows: list[tuple[int, int]], turn, origin: str) -> View:
    """The windows turned back, joined by blank lines; each maps to its original span."""
    parts, segs, n = [], [], 0
    for lo, hi in windows:
        piece = turn(main.text[lo:hi])
        o_s, o_e = main.to_original(lo, hi)
        parts.append(piece)
        segs.append((n, n + len(piece), o_s, o_e))
        n += len(piece) + 2
    return View("\n\n".join(parts), SpanMap(segs), origin, tiers=_TURNED_TIERS)


@functools.cache
def _reading_cue():
    return re2.compile(_reading_cue_rx(), _OPTS)


#: a text turned back on a cue word may find what blocks alone, not contact details (a
#: phone number reversed is another phone number)
_TURNED_TIERS = frozenset({"strong", "direct"})


def _joined_view(main: View, hits: frozenset[int]) -> View | None:
    """The main text's joins (:mod:`detectors.joined`) as one view of windows, or None."""
    rewrites = _join_rewrites()
    gate_of = _join_gate_index()
    which = [(rx, fn) for i, (_, rx, fn) in enumerate(rewrites) if gate_of[i] in hits]
    if not which:
        return None
    text = main.text
    data = text.encode()
    b2c = None if len(data) == len(text) else _byte_to_char(data)
    edits = joined.edits(text, data, b2c, which)
    if not edits:
        return None
    parts: list[str] = []
    segs: list[tuple[int, int, int, int]] = []
    n = 0
    i = 0
    for lo, hi in joined.windows(text, [(s, e) for s, e, _ in edits]):
        local = []
        while i < len(edits) and edits[i][1] <= hi:
            s, e, new = edits[i]
            local.append((s - lo, e - lo, new))
            i += 1
        piece, pmap = _rebuild(text[lo:hi], OffsetMap(_slice_segments(main.map, lo, hi, 0)), local)
        parts.append(piece)
        segs += _slice_segments(pmap, 0, len(piece), n)
        n += len(piece) + 2
    return View("\n\n".join(parts), OffsetMap(segs), "joined", tiers=joined.JOINED_TIERS)


def _slice_segments(
    omap: OffsetMap, lo: int, hi: int, base: int
) -> list[tuple[int, int, int, int]]:
    """``omap``'s segments for ``[lo, hi)``, moved to start at ``base``."""
    out = []
    for ns, ne, os_, oe in omap._segs:
        a, b = max(ns, lo), min(ne, hi)
        if a >= b:
            continue
        if ne - ns == oe - os_:
            out.append((base + a - lo, base + b - lo, os_ + a - ns, os_ + b - ns))
        else:
            out.append((base + a - lo, base + b - lo, os_, oe))
    return out


def _visual_order(text: str) -> View | None:
    """Text with right-to-left overrides (U+202E) as displayed: each overridden run reversed
    (``\u202eA927301GJ`` shows as ``JG103729A``), for values that block alone."""
    edits = [(m.start(), m.end(), m.group(1)[::-1]) for m in _RLO_RUN.finditer(text) if m.group(1)]
    if not edits:
        return None
    visual, vmap = _rebuild(text, OffsetMap.identity(len(text)), edits)
    folded, fmap = unicode_fold(visual, vmap)
    return View(folded, fmap, "visual", tiers=joined.JOINED_TIERS)


_RLO_RUN = re.compile(r"\u202e([^\u202a-\u202e\u2066-\u2069\n]{0,4096})[\u202c\u2069]?")


def _normalise_one(text: str) -> tuple[View, frozenset[int], View]:
    """The normalised view of ``text``, which shape checks matched, and the view after the
    Unicode step only (where blobs are looked for)."""
    folded, fmap = unicode_fold(text)
    collapsed, cmap = collapse_spaced(folded, fmap)
    hits = frozenset(_shape_set().matching(collapsed.encode(), collapsed))
    shaped, smap = identifier_shapes(collapsed, cmap, hits) if hits else (collapsed, cmap)
    return View(text=shaped, map=smap), hits, View(text=folded, map=fmap)
