"""Mail-era encodings a mail client or a model decodes in one step (red team RT-138, RT-148):
uuencoded blocks (``begin 644 name`` … ``end``: old mailers and Usenet inline files so),
BinHex 4.0 (``(This file must be converted with BinHex 4.0)`` then ``:…:``; Python's
``binhex`` module was removed in 3.11, so the 6-bit alphabet and run-length step are here:
thirty lines of a frozen 1985 format), and RFC 3676 ``format=flowed`` text, whose soft line
breaks (a line ending in a space) every mail reader joins (``delsp=yes``: the space is
deleted too). Pure functions over text; the collector and the e-mail kind use them."""

from __future__ import annotations

import binascii
import re

import re2

from proxy.extract.datatypes import ExtractionError

#: a uuencode header line, the BinHex banner, a flowed declaration
HINT = re.compile(r"(?m)^begin [0-7]{3,4} \S|converted with BinHex|format\s*=\s*\"?flowed", re.I)
_HINT_WORDS = ("begin ", "BinHex", "flowed", "Flowed", "FLOWED")


def may_hold_mail_encoding(text: str) -> bool:
    """One cheap test before any decoding: substring searches (~1 us for 20 KB of prose),
    then :data:`HINT` only on a text that has one of its words."""
    return any(word in text for word in _HINT_WORDS) and HINT.search(text) is not None


_UU_BEGIN = re.compile(r"(?m)^begin [0-7]{3,4} ([^\r\n]+)\r?\n")
_UU_END = re.compile(r"(?m)^end[ \t\r]*$")
#: RE2 (linear overall, however many banners lack their closing colon)
_BINHEX = re2.compile(r"(?i)converted with BinHex 4\.0\)[^\n]*\n\s*:([^:]*):")
_HQX = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
_HQX_VALUE = {char: value for value, char in enumerate(_HQX)}
_DELSP = re.compile(r"delsp\s*=\s*\"?yes", re.I)


def uudecoded(text: str) -> list[tuple[str, bytes]]:
    """Every ``begin`` … ``end`` block's file name and bytes (lines that do not decode are
    skipped, as lenient decoders do)."""
    files: list[tuple[str, bytes]] = []
    at = 0
    while (begin := _UU_BEGIN.search(text, at)) is not None:
        end = _UU_END.search(text, begin.end())
        if end is None:
            break  # no end line further on: no later block can close either (linear)
        at = end.end()
        out = bytearray()
        for line in text[begin.end() : end.start()].splitlines():
            if not line or line == "`":
                continue
            try:
                out += binascii.a2b_uu(line)
            except binascii.Error:
                continue
        if out:
            files.append((begin.group(1).strip(), bytes(out)))
    return files


def binhex_decoded(text: str, max_bytes: int) -> list[tuple[str, bytes]]:
    """Every BinHex 4.0 file's name and data fork (the resource fork is Mac metadata). A
    block that does not decode gives what it held before the damage; one whose run-length
    step expands past ``max_bytes`` (``0x90 n`` is 127:1) is ``too_large``."""
    files: list[tuple[str, bytes]] = []
    for match in _BINHEX.finditer(text):
        bits = bytearray()
        acc = count = 0
        for char in match.group(1):
            value = _HQX_VALUE.get(char)
            if value is None:
                continue  # line breaks and whitespace
            acc, count = (acc << 6) | value, count + 6
            if count >= 8:
                count -= 8
                bits.append((acc >> count) & 0xFF)
        data = _unrle(bytes(bits), max_bytes)
        if not data:
            continue
        size = data[0]
        header = 1 + size + 1 + 4 + 4 + 2
        if len(data) < header + 10:
            files.append(("", data))
            continue
        name = data[1 : 1 + size].decode("mac-roman", errors="replace")
        length = int.from_bytes(data[header : header + 4], "big")
        start = header + 4 + 4 + 2  # data and resource fork lengths, header CRC
        files.append((name, data[start : start + length]))
    return files


def _unrle(data: bytes, max_bytes: int) -> bytes:
    """BinHex run-length decoding: ``0x90 n`` repeats the previous byte to n in all, ``0x90
    0`` is a literal 0x90. Output past ``max_bytes`` is ``too_large``, checked as it grows
    (at most 254 bytes over before the check)."""
    out = bytearray()
    index = 0
    while index < len(data):
        if len(out) > max_bytes:
            raise ExtractionError("too_large", "BinHex file decodes over max_archive_bytes")
        byte = data[index]
        if byte == 0x90 and index + 1 < len(data):
            count = data[index + 1]
            index += 2
            if count == 0:
                out.append(0x90)
            elif out:
                out += bytes([out[-1]]) * (count - 1)
            continue
        out.append(byte)
        index += 1
    if len(out) > max_bytes:
        raise ExtractionError("too_large", "BinHex file decodes over max_archive_bytes")
    return bytes(out)


def unflowed(text: str, delsp: bool | None = None) -> str:
    """RFC 3676 §4.2: soft-broken lines (ending in a space, but not the ``-- `` signature
    line) joined to the next, space-stuffing undone; with ``delsp`` (default: the text says
    ``delsp=yes``) the space before a soft break is deleted too."""
    if delsp is None:
        delsp = _DELSP.search(text) is not None
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(" "):
            line = line[1:]  # noqa: PLW2901  (space-stuffing undone)
        if line.endswith(" ") and line != "-- ":
            out.append(line[:-1] if delsp else line)
        else:
            out.append(line + "\n")
    return "".join(out)
