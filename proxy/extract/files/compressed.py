"""Compressed files: gzip (every member, as ``gunzip`` does), bzip2 and xz, inflated within
the body size limit and read as the file inside; 7z and RAR archives, which the standard
library cannot open, are blocked (``uninspectable``). A corrupt stream is ``unparseable``."""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import Any

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


@register
class Gzip(FileKind):
    name = "gzip"
    priority = 40

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"\x1f\x8b")

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = _inflate(col, probe.data, _Zlib, "gzip")
        col.file(data, f"{where}!gunzip", "", _inner(probe, (".gz", ".tgz")), depth + 1)


@register
class Bzip2(FileKind):
    name = "bzip2"
    priority = 41

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"BZh") and probe.head[3:4].isdigit() and not probe.is_text

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = _inflate(col, probe.data, bz2.BZ2Decompressor, "bzip2")
        col.file(data, f"{where}!bunzip2", "", _inner(probe, (".bz2",)), depth + 1)


@register
class Xz(FileKind):
    name = "xz"
    priority = 42

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"\xfd7zXZ\x00")

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = _inflate(col, probe.data, lzma.LZMADecompressor, "xz")
        col.file(data, f"{where}!unxz", "", _inner(probe, (".xz",)), depth + 1)


@register
class Unopenable(FileKind):
    """7z and RAR: archive formats the standard library cannot read."""

    name = "unopenable_archive"
    priority = 43

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith((b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07"))

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.unreadable("7z/RAR archive")
