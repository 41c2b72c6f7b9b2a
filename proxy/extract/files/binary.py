"""Unknown binaries (the last resort): printable runs, ASCII and UTF-16LE, like
``strings(1)``. Legacy binary Office files (OLE compound documents: .doc, .xls, .ppt) store
their text the same way; an OLE file that wraps an *encrypted* OOXML package cannot be read."""

from __future__ import annotations

import re

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_STRINGS = re.compile(rb"[\x20-\x7e\t]{6,}|(?:[\x20-\x7e]\x00){6,}")


def strings(col: Collector, data: bytes, where: str) -> None:
    """Printable runs (ASCII and UTF-16LE) of an unknown binary, like ``strings(1)``."""
    out: list[str] = []
    size = 0
    for match in _STRINGS.finditer(data):
        run = match.group()
        text = run.decode("utf-16-le", "replace") if run[1:2] == b"\x00" else run.decode("latin-1")
        out.append(text)
        size += len(text)
        if size > col.budget.remaining_chars:
            raise ExtractionError("too_large", "extracted text over max_text_chars")
    if out:
        col.text("\n".join(out), f"{where}<strings>")


@register
class Ole(FileKind):
    name = "ole"
    priority = 30

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(_OLE_MAGIC)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        if "EncryptedPackage".encode("utf-16-le") in probe.data:
            col.media("encrypted", where)
            return
        strings(col, probe.data, where)


@register
class Binary(FileKind):
    name = "binary"
    priority = 10_000  # matches everything: the last resort
    opaque = True

    def matches(self, probe: Probe) -> bool:
        return True

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        strings(col, probe.data, where)
