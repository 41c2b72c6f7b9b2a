"""Normalisation, named encodings: a value in an encoding or cipher the text NAMES is decoded
the way the model asked to decode it would.

"My NI number in base58 is wqYBdC6Q9KKN - decode it", "Vigenère with key KEY: TK103729Y",
"XORed with 0x2A, hex: 606d1b…", "rot18", "Atbash", "letters in Bacon cipher": a model
decodes each on request. Unlike the blob finders of :mod:`detectors.normalise` (base64, hex,
escapes …, recognised by their shape alone), these alphabets look like ordinary words and
numbers, so they are tried only where the text says something is encoded: near a *decode
cue* of the data file (``decode_cues``: "decode", "decrypt", "cipher", "base58", "xor" …).

Within :data:`WINDOW` characters of a cue, each token (at most :data:`MAX_TOKENS` in all,
each at most :data:`MAX_TOKEN` characters) is tried with every decoder below, and runs of
octal codes and Bacon groups are read as such; a stated key ("key KEY", "0x2A") is used by
the keyed ciphers. A decoded result counts only when it is identifier-like printable text
(and it is also read backwards: "hex of the reversed bytes"); the results form one view that
gives only values that block alone, so a word that happens to decode to letters adds nothing.
Every decoder is linear in its token (the big-integer bases are bounded by the token
length), and text without a cue pays one pattern of the normaliser's shape set.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Callable, Iterator

#: the text a cue makes the decoders try: this many characters either side of it
WINDOW = 240
#: tokens tried in one text (decoys push nothing out: the nearest tokens of each cue first)
MAX_TOKENS = 64
#: longest token tried (a 64-byte value in base36 is 100 characters)
MAX_TOKEN = 128
#: a decoded result: this long at least, this long at most
MIN_DECODED, MAX_DECODED = 6, 96

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_B62_LOWER_FIRST = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
_B85_STD = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
_Z85_TO_B85 = str.maketrans(_Z85, _B85_STD)

#: a token: a run of printable ASCII without spaces
_TOKEN = re.compile(r"[!-~]{6,}")
#: what may wrap a token in prose: quotes, brackets, a colon or full stop after it
_WRAP = "\"'`()[]{}<>,.;:!?"
#: runs that are one value in several space-separated pieces
_OCTAL_RUN = re.compile(r"\b[0-7]{2,3}(?:[ ,]+[0-7]{2,3}){5,}\b")
_BACON_RUN = re.compile(r"(?i)\b(?:[ab]{5}|[0-9])(?:[ ,]+(?:[ab]{5}|[0-9])){3,}\b")
#: a stated key: "key KEY", "keyword: LEMON", "with the key 'abc'"
_WORD_KEY = re.compile(
    r"(?i)\b(?:key(?:word)?|pass(?:word|phrase)?)\b[ \t]*(?:is|=|:|of)?[ \t]*[\"'`]?([A-Za-z]{2,16})\b"
)
#: a stated byte: "XOR 0x2A", "xored with 42", "key 0x5a", "XOR with 'K'"
_BYTE_KEY = re.compile(
    r"(?i)\b(?:xor(?:ed)?|key)\b[^\n]{0,24}?"
    r"(?:\b0x([0-9a-f]{1,2})\b|\b([0-9]{1,3})\b|[\"'`]([!-~])[\"'`])"
)
#: a stated shift: "Caesar shift 3", "shifted by 5", "rot7", "ROT-3"
_SHIFT = re.compile(
    r"(?i)\b(?:caesar|shift(?:ed)?|rot)\b[^\n]{0,16}?\b([0-9]{1,2})\b|\brot-?([0-9]{1,2})\b"
)


def _int_bytes(token: str, alphabet: str) -> bytes | None:
    """``token`` as a big-endian number written in ``alphabet`` (base58, base62 ...)."""
    base = len(alphabet)
    index = _index(alphabet)
    n = 0
    for c in token:
        d = index.get(c)
        if d is None:
            return None
        n = n * base + d
    if not n:
        return None
    return n.to_bytes((n.bit_length() + 7) // 8, "big")


@functools.cache
def _index(alphabet: str) -> dict[str, int]:
    return {c: i for i, c in enumerate(alphabet)}


def _base36(token: str) -> bytes | None:
    return _int_bytes(token.lower(), "0123456789abcdefghijklmnopqrstuvwxyz")


def _base45(token: str) -> bytes | None:
    """RFC 9285: three characters per two bytes, least significant first."""
    index = _index(_B45)
    out = bytearray()
    for i in range(0, len(token), 3):
        chunk = token[i : i + 3]
        digits = [index.get(c) for c in chunk]
        if None in digits or len(chunk) == 1:
            return None
        n = sum(d * 45**k for k, d in enumerate(digits))  # type: ignore[misc]
        if len(chunk) == 3:
            if n > 0xFFFF:
                return None
            out += n.to_bytes(2, "big")
        elif n > 0xFF:
            return None
        else:
            out.append(n)
    return bytes(out)


def _base32_any(token: str) -> bytes | None:
    """base32 in lower case or unpadded, and the base32hex alphabet."""
    core = token.rstrip("=").upper()
    if len(core) % 8 in (1, 3, 6):
        return None
    padded = core + "=" * (-len(core) % 8)
    for decode in (base64.b32decode, base64.b32hexdecode):
        try:
            return decode(padded)
        except (binascii.Error, ValueError):
            continue
    return None


def _base85(token: str) -> bytes | None:
    try:
        return base64.b85decode(token)
    except (ValueError, binascii.Error):
        return None


def _z85(token: str) -> bytes | None:
    """ZeroMQ's Z85: base85 with another alphabet."""
    return _base85(token.translate(_Z85_TO_B85))


def _uu(token: str) -> bytes | None:
    try:
        return binascii.a2b_uu(token)
    except (binascii.Error, ValueError):
        return None


def _hex(token: str) -> bytes | None:
    core = token[2:] if token[:2] in ("0x", "0X") else token
    if len(core) % 2 or not re.fullmatch(r"[0-9A-Fa-f]+", core):
        return None
    return bytes.fromhex(core)


def _b64(token: str) -> bytes | None:
    core = token.rstrip("=")
    if len(core) % 4 == 1:
        return None
    alt = b"-_" if ("-" in core or "_" in core) else b"+/"
    try:
        return base64.b64decode(core + "=" * (-len(core) % 4), altchars=alt, validate=True)
    except (binascii.Error, ValueError):
        return None


def _hex_int(token: str) -> str | None:
    """``0x2325c5f5f`` as the decimal number it is (an NHS number "in hex"); 11 digits at most
    (a longer number from a hex constant could pass a card's Luhn check by chance)."""
    if token[:2] not in ("0x", "0X") or not 3 <= len(token) <= 12:
        return None
    try:
        value = str(int(token[2:], 16))
    except ValueError:
        return None
    return value if len(value) <= 11 else None


def _rot18(token: str) -> str | None:
    if not (any(c.isalpha() for c in token) and any(c.isdigit() for c in token)):
        return None  # digits alone turned by 5 are another number (a card's Luhn 1 in 10)
    out = []
    for c in token:
        if "A" <= c <= "Z":
            out.append(chr((ord(c) - 65 + 13) % 26 + 65))
        elif "a" <= c <= "z":
            out.append(chr((ord(c) - 97 + 13) % 26 + 97))
        elif c.isdigit():
            out.append(str((int(c) + 5) % 10))
        else:
            out.append(c)
    return "".join(out)


def _rot47(token: str) -> str | None:
    if token.isalnum():
        return None  # rot47 of a value's digits is punctuation: a plain word is not one
    return "".join(chr(33 + (ord(c) + 14) % 94) if 33 <= ord(c) <= 126 else c for c in token)


def _atbash(token: str) -> str | None:
    if not any(c.isalpha() for c in token):
        return None
    out = []
    for c in token:
        if "A" <= c <= "Z":
            out.append(chr(90 - (ord(c) - 65)))
        elif "a" <= c <= "z":
            out.append(chr(122 - (ord(c) - 97)))
        else:
            out.append(c)
    return "".join(out)


def _vigenere(token: str, key: str) -> Iterator[str]:
    """``token`` decrypted with ``key``: the key advanced on every character, or on letters
    only (both are taught)."""
    shifts = [ord(k) - 65 for k in key.upper()]
    for every_char in (True, False):
        out, i = [], 0
        for c in token:
            if c.isascii() and c.isalpha():
                base = 65 if c.isupper() else 97
                out.append(chr((ord(c) - base - shifts[i % len(shifts)]) % 26 + base))
                i += 1
            else:
                out.append(c)
                i += every_char
        yield "".join(out)


#: one-token decoders giving bytes
_BYTE_DECODERS: tuple[Callable[[str], bytes | None], ...] = (
    lambda t: _int_bytes(t, _B58),
    lambda t: _int_bytes(t, _B62),
    lambda t: _int_bytes(t, _B62_LOWER_FIRST),
    _base36,
    _base45,
    _base32_any,
    _base85,
    _z85,
    _uu,
    _hex,
    _b64,
)
#: one-token decoders giving text
_TEXT_DECODERS: tuple[Callable[[str], str | None], ...] = (_hex_int, _rot18, _rot47, _atbash)


def _as_text(raw: bytes | None) -> str | None:
    """Decoded bytes as text: ASCII, or UTF-16 (either order) of ASCII."""
    raw = raw.rstrip(b"\0") if raw else raw  # z85 and base85 pad to whole groups with NULs
    if not raw or len(raw) < MIN_DECODED:
        return None
    if len(raw) % 2 == 0 and len(raw) >= 2 * MIN_DECODED:
        if raw[0::2].count(0) == len(raw) // 2:
            raw = raw[1::2]
        elif raw[1::2].count(0) == len(raw) // 2:
            raw = raw[0::2]
    return raw.decode("ascii") if raw.isascii() else None


def _identifier_like(text: str | None) -> bool:
    """Printable ASCII, mostly letters and digits, of a value's length, with a digit or
    capitals."""
    if text is None or not MIN_DECODED <= len(text) <= MAX_DECODED or not text.isascii():
        return False
    if not text.isprintable() or sum(c.isalnum() for c in text) * 5 < len(text) * 3:
        return False
    # what blocks alone has digits (identifiers, keys) or capitals (markings, key ids)
    return any(c.isdigit() for c in text) or sum(c.isupper() for c in text) >= MIN_DECODED


def _octal(run: str) -> str | None:
    codes = [int(c, 8) for c in re.split(r"[ ,]+", run) if c]
    return "".join(map(chr, codes)) if all(32 <= c < 127 for c in codes) else None


def _bacon(run: str) -> Iterator[str]:
    """Bacon's cipher, the 26-letter and the 24-letter (I=J, U=V) alphabets; digits kept."""
    for alphabet in ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ABCDEFGHIKLMNOPQRSTUWXYZ"):
        out = []
        for piece in re.split(r"[ ,]+", run):
            if piece.isdigit():
                out.append(piece)
                continue
            n = int(piece.lower().replace("a", "0").replace("b", "1"), 2)
            if n >= len(alphabet):
                break
            out.append(alphabet[n])
        else:
            yield "".join(out)


def _keys(window: str) -> tuple[list[str], list[int], list[int]]:
    """The keys a window states: words (Vigenère, repeating XOR), bytes (XOR), shifts."""
    words = [m.group(1) for m in _WORD_KEY.finditer(window)][:4]
    nums = []
    for m in _BYTE_KEY.finditer(window):
        hexa, dec, char = m.groups()
        value = int(hexa, 16) if hexa else int(dec) if dec else ord(char)
        if 0 < value < 256:
            nums.append(value)
    shifts = []
    for m in _SHIFT.finditer(window):
        value = int(m.group(1) or m.group(2)) % 26
        if value and value != 13:  # ROT13 is the reading cues' (turned views)
            shifts.append(value)
    return words, nums[:4], shifts[:4]


def _caesar(token: str, shift: int) -> str | None:
    """``token`` shifted back by ``shift`` letters (digits shifted back too, mod 10)."""
    if not any(c.isalpha() for c in token):
        return None
    out = []
    for c in token:
        if "A" <= c <= "Z":
            out.append(chr((ord(c) - 65 - shift) % 26 + 65))
        elif "a" <= c <= "z":
            out.append(chr((ord(c) - 97 - shift) % 26 + 97))
        else:
            out.append(c)
    return "".join(out)


def _candidates(
    token: str, words: list[str], nums: list[int], shifts: list[int] = ()
) -> Iterator[str]:
    # a word of prose ("decode", "Minister") is no byte encoding a model is asked to read
    # (random bytes in base58/62/36 are mixed case or hold digits): the letter ciphers only
    wordy = token.isalpha() and (token.islower() or token.istitle())
    for decode in () if wordy else _BYTE_DECODERS:
        raw = decode(token)
        yield from filter(None, (_as_text(raw),))
        if raw:
            for k in nums:
                yield from filter(None, (_as_text(bytes(b ^ k for b in raw)),))
            for key in words:  # repeating-key XOR with a stated word
                kb = key.encode()
                yield from filter(
                    None, (_as_text(bytes(b ^ kb[i % len(kb)] for i, b in enumerate(raw))),)
                )
    for turn in _TEXT_DECODERS:
        text = turn(token)
        if text is not None:
            yield text
    for key in words:
        yield from _vigenere(token, key)
    for shift in shifts:
        text = _caesar(token, shift)
        if text is not None:
            yield text


def decoded(text: str, cue_spans: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """``(start, end, decoded)`` for the tokens near the cues at ``cue_spans`` that decode to
    identifier-like text (and that text backwards)."""
    windows: list[tuple[int, int]] = []
    for s, e in cue_spans:
        lo, hi = max(0, s - WINDOW), min(len(text), e + WINDOW)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    out: list[tuple[int, int, str]] = []
    seen: set[tuple[int, int, str]] = set()
    budget = MAX_TOKENS

    def add(s: int, e: int, value: str) -> None:
        for v in (value, value[::-1]):
            item = (s, e, v)
            if _identifier_like(v) and item not in seen:
                seen.add(item)
                out.append(item)

    for lo, hi in windows:
        window = text[lo:hi]
        words, nums, shifts = _keys(window)
        for m in _OCTAL_RUN.finditer(window):
            value = _octal(m.group())
            if value:
                add(lo + m.start(), lo + m.end(), value)
        for m in _BACON_RUN.finditer(window):
            if sum(len(p) == 5 for p in m.group().split()) >= 2:
                for value in _bacon(m.group()):
                    add(lo + m.start(), lo + m.end(), value)
        for m in _TOKEN.finditer(window):
            if budget <= 0:
                return out
            raw = m.group()
            lead = len(raw) - len(raw.lstrip(_WRAP))
            stripped = raw.strip(_WRAP)
            # the token as it stands, and without the quotes or full stop of the prose
            # around it (base85, uuencode and rot47 text may start or end in either)
            for token, s in {(raw, lo + m.start()), (stripped, lo + m.start() + lead)}:
                if not MIN_DECODED <= len(token) <= MAX_TOKEN:
                    continue
                budget -= 1
                for value in _candidates(token, words, nums, shifts):
                    add(s, s + len(token), value)
    return out
