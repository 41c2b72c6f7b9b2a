"""Compressed files: gzip (every member, as ``gunzip`` does), bzip2, xz and zstd, inflated within
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
from proxy.extract.encoding import gzip_header_texts
from proxy.extract.files.kind import FileKind, Probe, register

_CHUNK = 256 * 1024


def _inflate(
    col: Collector,
    data: bytes,
    new: Callable[[], Any],
    what: str,
    headers: list[str] | None = None,
) -> bytes:
    """Every concatenated stream (member) of ``data``, bounded by the body size limit.
    ``headers`` collects the text fields of each gzip member's header."""
    limit = col.budget.max_bytes
    out = bytearray()
    while data:
        if headers is not None:
            headers.extend(gzip_header_texts(data[:65536]))
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
        except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError, _zstd.ZstdError):
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

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        """Also every member's FNAME / FCOMMENT / FEXTRA: what ``gunzip -N``, ``file`` and
        archive managers show (red team RT-112: a clean file named ``claimant_<NINO>.txt``)."""
        headers: list[str] = []
        data = _inflate(col, probe.data, _Zlib, self.name, headers)
        col.text("\n".join(headers), f"{where}<gzip header>")
        col.file(data, f"{where}!{self.step}", "", _inner(probe, self.suffixes), depth + 1)


@register
class Bzip2(_Stream):
    name = "bzip2"
    priority = 41
    decompressor = bz2.BZ2Decompressor
    step = "bunzip2"
    suffixes = (".bz2",)

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"BZh") and probe.head[3:4].isdigit() and not probe.is_text


try:  # Python 3.14+
    from compression import zstd as _zstd  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the interpreter
    from backports import zstd as _zstd  # type: ignore[no-redef]


@register
class Zstd(_Stream):
    """Zstandard (``.zst``; a websocket binary frame of zstd-compressed JSON, red team
    RT-100): every frame, skippable frames included, as ``zstd -d`` reads them."""

    name = "zstd"
    priority = 37  # after sqlite, before the e-mail and text kinds (unique: the registry test)
    decompressor = _zstd.ZstdDecompressor
    step = "unzstd"
    suffixes = (".zst", ".zstd")

    def matches(self, probe: Probe) -> bool:
        head = probe.head
        return head.startswith(b"\x28\xb5\x2f\xfd") or (
            len(head) >= 4 and head[0] & 0xF0 == 0x50 and head[1:4] == b"\x2a\x4d\x18"
        )


@register
class Xz(_Stream):
    name = "xz"
    priority = 42
    decompressor = lzma.LZMADecompressor
    step = "unxz"
    suffixes = (".xz",)

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"\xfd7zXZ\x00")


def _brotli(data: bytes, limit: int) -> bytes | None:
    """``data`` inflated as one whole brotli stream (bounded), or None when it is not one.
    Brotli has no magic number; a random or other binary almost never is a whole valid
    stream (none of 20,000 random blobs of 64-576 bytes was; ~3 us each to find out)."""
    import brotli

    d = brotli.Decompressor()
    out = bytearray()
    try:
        out += d.process(data, output_buffer_limit=_CHUNK)
        while not d.is_finished() and not d.can_accept_more_data():
            out += d.process(b"", output_buffer_limit=_CHUNK)
            if len(out) > limit:
                return None
    except brotli.error:
        return None
    return bytes(out) if d.is_finished() and out else None


def _whole_stream(data: bytes, new: Callable[[], Any], limit: int) -> bytes | None:
    """``data`` inflated as one whole stream of ``new()`` (bounded), or None if it is not one
    (a bad stream, trailing bytes, nothing out)."""
    d = new()
    try:
        out = d.decompress(data, limit)
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        return None
    if not d.eof or d.unused_data.strip(b"\x00") or not out:
        return None
    return out


class _InflatesWhole(FileKind):
    """A stream with no (or a weak) magic number: claimed only when the bytes inflate as one
    whole stream; read as the file inside. After every kind with a magic number."""

    step: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()

    def stream(self) -> Any:
        raise NotImplementedError

    def weak_magic(self, head: bytes) -> bool:
        return True

    def matches(self, probe: Probe) -> bool:
        if probe.is_text or not self.weak_magic(probe.head):
            return False
        out = _whole_stream(probe.data, self.stream, len(probe.data) * 64 + (1 << 20))
        setattr(probe, f"_{self.name}", out)
        return out is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = getattr(probe, f"_{self.name}", None) or b""
        if len(data) > col.budget.max_bytes:
            raise ExtractionError("too_large", f"{self.name} file inflates over the size limit")
        col.file(data, f"{where}!{self.step}", "", _inner(probe, self.suffixes), depth + 1)


@register
class ZlibStream(_InflatesWhole):
    """A zlib stream file (``78 9C`` …), as ``zlib.decompress`` / ``pigz -dz`` read it."""

    name = "zlib"
    priority = 8_990
    step = "inflate"
    suffixes = (".zz", ".zlib", ".z")

    def weak_magic(self, head: bytes) -> bool:
        return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0

    def stream(self) -> Any:
        return zlib.decompressobj(zlib.MAX_WBITS)


@register
class LzmaAlone(_InflatesWhole):
    """A legacy ``.lzma`` (LZMA-alone) file, as ``lzma.decompress`` / ``unlzma`` read it."""

    name = "lzma_alone"
    priority = 8_991
    step = "unlzma"
    suffixes = (".lzma",)

    def weak_magic(self, head: bytes) -> bool:
        return head[:1] == b"\x5d" and head[1:3] == b"\x00\x00"

    def stream(self) -> Any:
        return lzma.LZMADecompressor(lzma.FORMAT_ALONE)


@register
class RawDeflate(_InflatesWhole):
    """A raw deflate stream (no header; ``zlib.decompress(data, -15)``, zip's method 8)."""

    name = "raw_deflate"
    priority = 8_995
    step = "inflate"

    def stream(self) -> Any:
        return zlib.decompressobj(-zlib.MAX_WBITS)


@register
class Brotli(FileKind):
    """A brotli-compressed file (``notes.txt.br``; no magic number): any binary that inflates
    as a whole brotli stream is read as the file inside (a code tool opens it in one line).
    After every kind with a magic number, before the printable-strings last resort."""

    name = "brotli"
    priority = 9_000

    def matches(self, probe: Probe) -> bool:
        if probe.is_text:
            return False
        inflated = _brotli(probe.data, len(probe.data) * 64 + (1 << 20))
        probe._brotli = inflated  # type: ignore[attr-defined]
        return inflated is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = getattr(probe, "_brotli", None) or b""
        if len(data) > col.budget.max_bytes:
            raise ExtractionError("too_large", "brotli file inflates over the size limit")
        col.file(data, f"{where}!unbrotli", "", _inner(probe, (".br",)), depth + 1)


@register
class Unopenable(FileKind):
    """7z and RAR: archive formats the standard library cannot read."""

    name = "unopenable_archive"
    priority = 43

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith((b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07"))

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.unreadable("7z/RAR archive")
