"""Length-framed strings of serialised binaries (red team RT-137): CBOR, MessagePack and
pickle write a string's length as one byte before it; a printable length byte glues onto
the value when the bytes are read as text or by a strings pass. Used by the binary kind's
strings pass and by the text kind for bytes that are not UTF-8 (a small CBOR file has no
control bytes, so it reads as cp1252 text)."""

from __future__ import annotations

import re

_ASCII_RUN = re.compile(rb"[\x20-\x7e]{8,}")
#: first bytes of a serialised container: CBOR arrays and maps (0x80-0xbf), MessagePack
#: fixmap / fixarray (0x80-0x9f), str8 and array/map 16/32 (0xd9, 0xdc-0xdf)
_CONTAINER_START = frozenset({*range(0x80, 0xC0), 0xD9, 0xDC, 0xDD, 0xDE, 0xDF})


def starts_serialised(data: bytes) -> bool:
    """Whether ``data`` starts like a CBOR or MessagePack container (the text kind's test
    before it reads framed values: prose lines too can happen to chain)."""
    return bool(data) and data[0] in _CONTAINER_START


def framed_values(run: str) -> list[str] | None:
    """A printable run that is wholly a chain of length-prefixed values, as serialisers write
    strings (red team RT-137): a length byte that is printable glues onto the value in a
    strings pass (CBOR ``i`` + 9 characters, MessagePack str8 / pickle SHORT_BINUNICODE ``F``
    + 70). The length is the byte itself (MessagePack, pickle) or the byte minus 0x60 (CBOR's
    short text header; ``x`` then a length byte for 24-255); a chain may start one byte in.
    None unless a chain covers the run exactly."""
    for skip in (0, 1):
        for base in (0, 0x60):
            values: list[str] = []
            at = skip
            while at < len(run):
                header = 1
                length = ord(run[at]) - base
                if base and length == 0x18 and at + 1 < len(run):  # CBOR: a length byte follows
                    header, length = 2, ord(run[at + 1])
                if length < 0 or at + header + length > len(run):
                    break
                values.append(run[at + header : at + header + length])
                at += header + length
            if at == len(run) and values and max(len(value) for value in values) >= 4:
                return values
    return None


def framed_runs(data: bytes) -> str:
    """The values of every ASCII run of ``data`` that is wholly a chain of framed values,
    one a line ("" when there is none)."""
    out: list[str] = []
    for match in _ASCII_RUN.finditer(data):
        values = framed_values(match.group().decode("ascii"))
        if values:
            out.extend(values)
    return "\n".join(out)
