"""Compressed files: gzip (every member, as ``gunzip`` does), bzip2 and xz, inflated within
the body size limit and read as the file inside; 7z and RAR archives, which the standard
library cannot open, are blocked (``uninspectable``). A corrupt stream is ``unparseable``."""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import Any, ClassVar

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register

_CHUNK = 256 * 1024


def _inflate(col: Collector, data: bytes, new: Callable[[], Any], what: str) -> bytes:
    """Every concatenated stream (member) of ``data``, bounded by the body size limit."""
    limit = col.budget.max_bytes
    out = bytearray()
    while data:
        d = new()
        try:
            chunk = d.decompress(data, _CHUNK)
            while True:
                out += chunk
                if len(out) > limit:
                    raise ExtractionError("too_large", f"{what} file inflates over the size limit")
                if d.eof:
                    break
                chunk = d.decompress(b"", _CHUNK)
                if not chunk and d.needs_input:
                    break
        except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
            col.damaged(f"corrupt {what} stream")
        if not d.eof:
            col.damaged(f"truncated {what} stream")
        data = d.unused_data.lstrip(b"\x00")  # gzip(1) allows trailing zero padding
    return bytes(out)


class _Zlib:
    """gzip through zlib, with the bz2/lzma decompressor interface."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self._d.decompress(self._pending + data, max_length)
        self._pending = self._d.unconsumed_tail
        return out

    @property
    def needs_input(self) -> bool:
        return not self._pending

    @property
    def eof(self) -> bool:
        return self._d.eof

    @property
    def unused_data(self) -> bytes:
        return self._d.unused_data


def _inner(probe: Probe, suffixes: tuple[str, ...]) -> str:
    name = probe.filename
    for suffix in suffixes:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return ""


class _Stream(FileKind):
    """A single-file compressed stream: inflated (every member) and read as the file inside,
    named after the outer file without its ``suffixes``."""

    decompressor: ClassVar[Callable[[], Any]]
    step: ClassVar[str]  # where-path step of the inflated file ("!gunzip")
    suffixes: ClassVar[tuple[str, ...]] = ()

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = _inflate(col, probe.data, type(self).decompressor, self.name)
        col.file(data, f"{where}!{self.step}", "", _inner(probe, self.suffixes), depth + 1)


@register
class Gzip(_Stream):
    name = "gzip"
    priority = 40
    decompressor = _Zlib
    step = "gunzip"
    suffixes = (".gz", ".tgz")

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"\x1f\x8b")


@register
class Bzip2(_Stream):
    name = "bzip2"
    priority = 41
    decompressor = bz2.BZ2Decompressor
    step = "bunzip2"
    suffixes = (".bz2",)

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"BZh") and probe.head[3:4].isdigit() and not probe.is_text


@register
class Xz(_Stream):
    name = "xz"
    priority = 42
    decompressor = lzma.LZMADecompressor
    step = "unxz"
    suffixes = (".xz",)

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"\xfd7zXZ\x00")


@register
class Unopenable(FileKind):
    """7z and RAR: archive formats the standard library cannot read."""

    name = "unopenable_archive"
    priority = 43

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith((b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07"))

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.unreadable("7z/RAR archive")
