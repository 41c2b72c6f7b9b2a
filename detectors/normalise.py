"""Normalisation against evasion, with an offset map back to the original text.

Steps, each composing the offset map so that every finding maps to a span of the
*original* text:

1. Unicode: NFKC (fullwidth → ASCII), Cyrillic/Greek confusables and typographic
   dashes/quotes → ASCII, zero-width / invisible / combining characters removed.
   ASCII input skips this step entirely (the common case, and free).
2. Letter-spaced runs ("O F F I C I A L", "4 8 5 7 7 7 3 4 5 6") collapsed.
3. Embedded base64, URL-encoded and hex blobs decoded into extra :class:`View`s that
   are scanned too (bounded depth, count and size). A finding inside a decoded blob
   maps to the whole blob's span in the original text.

Separators *inside* identifiers (spaces, dots, dashes, underscores) are tolerated by
the recognisers' patterns rather than removed here.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field

import re2

_OPTS = re2.Options()
_OPTS.max_mem = 64 << 20

#: Invisible characters that are not in Unicode category Cf but render as nothing.
_INVISIBLE_EXTRA = frozenset("\u115f\u1160\u3164\uffa0\u034f\u180e")

#: Look-alikes NFKC leaves alone: Cyrillic and Greek letters, dashes, quotes, spaces.
_CONFUSABLES: dict[str, str] = {
    # Cyrillic upper
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԁ": "D",
    "Ԍ": "G", "Ԛ": "Q", "Ԝ": "W", "Ү": "Y", "Ӏ": "I", "З": "3", "Ь": "b",
    # Cyrillic lower
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "х": "x", "у": "y", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ү": "y", "ɡ": "g",
    # Greek upper
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    # Greek lower
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "υ": "u",
    "χ": "x", "ϲ": "c", "ε": "e", "γ": "y", "ω": "w",
    # Latin look-alikes
    "ı": "i", "ȷ": "j", "ℓ": "l",
    # dashes, quotes and spaces
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-", "\u2043": "-", "\ufe58": "-", "\ufe63": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
}  # fmt: skip

# Runs of single characters separated by up to three separator characters:
# "O F F I C I A L", "O.F.F.I.C.I.A.L", "O F F I C I A L - S E N S I T I V E".
_LETTER_SPACED = re2.compile(r"\b[A-Za-z0-9](?:[ ._*/-]{1,3}[A-Za-z0-9]\b){3,}", _OPTS)
_SEP_SPLIT = re.compile(r"([ ._*/-]{1,3})")

_BASE64 = re2.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}", _OPTS)
_URLENC = re2.compile(r"[^\s%]{0,64}(?:%[0-9A-Fa-f]{2}[^\s%]{0,64}){3,}", _OPTS)
#: cheap pre-check: no long token, no %XX and no \\xXX means no blob to decode
_ANY_BLOB = re2.compile(
    r"[A-Za-z0-9+/_-]{16}|%[0-9A-Fa-f]{2}|\\x[0-9A-Fa-f]{2}"
    r"|\b(?:0[xX])?[0-9A-Fa-f]{2}(?:[ :,\-]{1,2}(?:0[xX])?[0-9A-Fa-f]{2}){5}",
    _OPTS,
)
_HEX = re2.compile(
    r"\b(?:0x)?(?:[0-9A-Fa-f]{2}){8,}\b|(?:\\x[0-9A-Fa-f]{2}[ ,]?){5,}\\x[0-9A-Fa-f]{2}"
    # bytes with separators: "4a 43 31", "4a:43:31", "0x4a 0x43", "0x4a, 0x43"
    r"|\b(?:0[xX])?[0-9A-Fa-f]{2}(?:[ :,\-]{1,2}(?:0[xX])?[0-9A-Fa-f]{2}){5,}\b",
    _OPTS,
)
_HEX_NOISE = re.compile(r"0[xX]|\\x|[ :,\-]")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on blob decoding (depth, count, bytes) so crafted input cannot blow up."""

    max_depth: int = 2
    max_blobs: int = 64
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


@dataclass(slots=True)
class View:
    """One text to scan: the normalised main text, or a decoded blob inside it."""

    text: str
    map: OffsetMap
    origin: str = "text"  # text | base64 | url | hex
    depth: int = 0
    parent: View | None = None
    parent_span: tuple[int, int] = (0, 0)
    children: list[View] = field(default_factory=list)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of this view's text to the original input."""
        if self.parent is None:
            return self.map.span(start, end)
        return self.parent.to_original(*self.parent_span)


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


def _unicode_char(ch: str) -> str:
    if ch in _INVISIBLE_EXTRA:
        return ""
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me", "Cc") and ch not in "\t\n\r":
        return ""
    mapped = _CONFUSABLES.get(ch)
    if mapped is not None:
        return mapped
    folded = unicodedata.normalize("NFKC", ch)
    if folded != ch:
        return "".join(_CONFUSABLES.get(c, c) for c in folded)
    return ch


def unicode_fold(text: str) -> tuple[str, OffsetMap]:
    """Step 1: NFKC, confusables, invisible removal. ASCII text is returned as is."""
    if text.isascii():
        return text, OffsetMap.identity(len(text))
    edits: list[tuple[int, int, str]] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            continue
        folded = _unicode_char(ch)
        if folded != ch:
            edits.append((i, i + 1, folded))
    if not edits:
        return text, OffsetMap.identity(len(text))
    return _rebuild(text, OffsetMap.identity(len(text)), edits)


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
        run = text[s:e]
        parts = _SEP_SPLIT.split(run)
        # a lowercase word like "a" next to an upper-case or digit run is not part of it
        if sum(c.islower() for c in parts[::2]) * 2 < len(parts[::2]):
            while parts and parts[0].islower():
                s += len(parts[0]) + len(parts[1])
                parts = parts[2:]
            while parts and parts[-1].islower():
                e -= len(parts[-1]) + len(parts[-2])
                parts = parts[:-2]
            if len(parts) < 7:
                continue
            run = text[s:e]
        chars, seps = parts[::2], parts[1::2]
        if len(set(seps)) == 1:  # uniformly separated: "O-F-F-I-C-I-A-L", "1 2 3 4"
            collapsed = "".join(chars)
        else:  # keep a dash between collapsed words ("O F F I C I A L - S E N ...")
            collapsed = chars[0] + "".join(
                ("-" if "-" in sep and len(set(seps)) > 1 and sep != min(seps, key=len) else "") + c
                for sep, c in zip(seps, chars[1:], strict=True)
            )
        if len(collapsed) >= 4 and collapsed != run:
            edits.append((s, e, collapsed))
    if not edits:
        return text, cur
    return _rebuild(text, cur, edits)


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


def _decode_text(raw: bytes) -> str | None:
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return s if _printable(s) else None


def _try_base64(blob: str) -> str | None:
    if len(blob) < 16 or blob.isdigit() or blob.isalpha():
        return None
    core = blob.rstrip("=")
    pad = "=" * (-len(core) % 4)
    alt = "-_" if ("-" in core or "_" in core) else "+/"
    if len(core) % 4 == 1:
        return None
    try:
        raw = base64.b64decode(core + pad, altchars=alt.encode(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return _decode_text(raw)


def _try_hex(blob: str) -> str | None:
    core = _HEX_NOISE.sub("", blob)
    if len(core) % 2:
        return None
    try:
        raw = bytes.fromhex(core)
    except ValueError:
        return None
    return _decode_text(raw)


def _try_url(blob: str) -> str | None:
    decoded = urllib.parse.unquote_plus(blob)
    return decoded if decoded != blob and _printable(decoded) else None


def _decoded_blobs(text: str, limits: Limits) -> list[tuple[int, int, str, str]]:
    """Find and decode embedded blobs: ``(start, end, origin, decoded_text)``."""
    found: list[tuple[int, int, str, str]] = []
    ascii_text = text.isascii()
    data = text.encode()
    if _ANY_BLOB.search(data) is None:
        return found
    b2c = None if ascii_text else _byte_to_char(data)
    for origin, rx, decode in (
        ("base64", _BASE64, _try_base64),
        ("hex", _HEX, _try_hex),
        ("url", _URLENC, _try_url),
    ):
        for m in rx.finditer(data):
            if len(found) >= limits.max_blobs:
                return found
            s, e = m.span()
            if b2c is not None:
                s, e = b2c(s), b2c(e)
            decoded = decode(text[s:e])
            if decoded is not None and len(decoded.strip()) >= limits.min_decoded_chars:
                found.append((s, e, origin, decoded))
    return found


def normalise(text: str, limits: Limits | None = None) -> list[View]:
    """Normalise ``text``; return the main view first, then decoded-blob views."""
    limits = limits or Limits()
    main = _normalise_one(text)
    views = [main]
    budget = limits.max_decoded_chars
    queue = [main]
    while queue:
        view = queue.pop(0)
        if view.depth >= limits.max_depth:
            continue
        for s, e, origin, decoded in _decoded_blobs(view.text, limits):
            if budget <= 0 or len(views) > limits.max_blobs:
                return views
            piece = decoded[:budget]
            budget -= len(piece)
            norm = _normalise_one(piece)
            child = View(
                text=norm.text,
                map=norm.map,
                origin=origin,
                depth=view.depth + 1,
                parent=view,
                parent_span=(s, e),
            )
            view.children.append(child)
            views.append(child)
            queue.append(child)
    return views


def _normalise_one(text: str) -> View:
    folded, fmap = unicode_fold(text)
    collapsed, cmap = collapse_spaced(folded, fmap)
    return View(text=collapsed, map=cmap)
