"""Content-Encoding decoding with a hard output bound (decompression bombs fail closed).

mitmproxy's own ``get_content()`` inflates without a limit and does not undo stacked codings
(``Content-Encoding: gzip, br``), so we decode here: codings are undone in reverse order of
application, each one streamed in chunks and stopped as soon as the output passes ``limit``.
An unknown coding, a corrupt or truncated stream → ``unparseable``; output over the limit →
``too_large``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli

from proxy.extract.datatypes import ExtractionError

try:  # Python 3.14+
    from compression import zstd  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the interpreter
    from backports import zstd  # type: ignore[no-redef]

CHUNK = 256 * 1024


class _Sink:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        if chunk:
            self.size += len(chunk)
            if self.size > self.limit:
                raise ExtractionError("too_large", "decoded body over the size limit")
            self.parts.append(chunk)

    def bytes(self) -> bytes:
        return b"".join(self.parts)


def gzip_header_texts(member: bytes) -> list[str]:
    """The text fields of a gzip member's header (RFC 1952: FEXTRA, FNAME, FCOMMENT, as
    ISO-8859-1). No server reads them as the body, but they reach the AI host: they are
    scanned like headers (red team RT-95)."""
    if len(member) < 10 or member[:2] != b"\x1f\x8b":
        return []
    flags, pos, out = member[3], 10, []
    if flags & 0x04:  # FEXTRA: two length bytes, then subfields
        length = int.from_bytes(member[10:12], "little")
        out.append(member[12 : 12 + length].decode("latin-1"))
        pos = 12 + length
    for bit in (0x08, 0x10):  # FNAME, FCOMMENT: zero-terminated
        if flags & bit:
            end = member.find(b"\x00", pos)
            if end < 0:
                break
            out.append(member[pos:end].decode("latin-1"))
            pos = end + 1
    return [text for text in out if text.strip()]


def _zlib_stream(
    data: bytes, wbits: int, sink: _Sink, multi: bool, notes: list[str] | None = None
) -> None:
    while True:
        if notes is not None:
            notes.extend(gzip_header_texts(data[:65536]))
        d = zlib.decompressobj(wbits)
        buf = data
        while True:
            sink.add(d.decompress(buf, CHUNK))
            buf = d.unconsumed_tail
            if d.eof or not buf:
                break
        if not d.eof:
            # flush() would return everything left at once: bound it by draining in chunks
            while not d.eof:
                chunk = d.decompress(b"", CHUNK)
                if not chunk:
                    break
                sink.add(chunk)
            if not d.eof:
                raise ExtractionError("unparseable", "truncated compressed body")
        data = d.unused_data
        if not multi and data.strip(b"\x00"):
            # a server's zlib stops at the stream's end and never reads these bytes; they
            # still reach the AI host: refused, as gzip, br and zstd refuse them (RT-84)
            raise ExtractionError("unparseable", "data after the compressed body")
        if not multi or not data.strip(b"\x00"):
            return


def _gzip(data: bytes, limit: int, notes: list[str] | None = None) -> bytes:
    sink = _Sink(limit)
    try:
        _zlib_stream(data, 16 + zlib.MAX_WBITS, sink, multi=True, notes=notes)  # gzip members
    except zlib.error as exc:
        raise ExtractionError("unparseable", "corrupt gzip body") from exc
    return sink.bytes()


def _deflate(data: bytes, limit: int) -> bytes:
    for wbits in (zlib.MAX_WBITS, -zlib.MAX_WBITS):  # zlib-wrapped, then raw (RFC 9110 §8.4.1.2)
        sink = _Sink(limit)
        try:
            _zlib_stream(data, wbits, sink, multi=False)
        except zlib.error:
            continue
        return sink.bytes()
    raise ExtractionError("unparseable", "corrupt deflate body")


def _brotli(data: bytes, limit: int) -> bytes:
    sink = _Sink(limit)
    d = brotli.Decompressor()
    try:
        sink.add(d.process(data, output_buffer_limit=CHUNK))
        while not d.is_finished():
            if d.can_accept_more_data():
                raise ExtractionError("unparseable", "truncated brotli body")
            sink.add(d.process(b"", output_buffer_limit=CHUNK))
    except brotli.error as exc:
        raise ExtractionError("unparseable", "corrupt brotli body") from exc
    return sink.bytes()


def _zstd(data: bytes, limit: int, notes: list[str] | None = None) -> bytes:
    sink = _Sink(limit)
    try:
        while data:
            if len(data) >= 8 and data[0] & 0xF0 == 0x50 and data[1:4] == b"\x2a\x4d\x18":
                # a skippable frame: decoders pass over its bytes, but they reach the AI host
                # (red team RT-112): read as a note, like gzip's FNAME / FCOMMENT
                size = int.from_bytes(data[4:8], "little")
                if notes is not None:
                    notes.append(data[8 : 8 + size].decode("latin-1"))
                data = data[8 + size :]
                continue
            d = zstd.ZstdDecompressor()
            sink.add(d.decompress(data, CHUNK))
            while not d.eof:
                if d.needs_input:
                    raise ExtractionError("unparseable", "truncated zstd body")
                sink.add(d.decompress(b"", CHUNK))
            data = d.unused_data
    except zstd.ZstdError as exc:
        raise ExtractionError("unparseable", "corrupt zstd body") from exc
    return sink.bytes()


DECODERS: dict[str, Callable[[bytes, int], bytes]] = {
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _deflate,
    "br": _brotli,
    "zstd": _zstd,
}
IDENTITY = frozenset({"", "identity", "none"})


def decode_body(
    raw: bytes, content_encoding: str, limit: int, notes: list[str] | None = None
) -> bytes:
    """Undo every coding in ``content_encoding`` (a header value, possibly a list).
    ``notes`` collects text the codings carry besides the body (gzip FNAME / FCOMMENT, zstd
    skippable frames)."""
    if len(raw) > limit:
        raise ExtractionError("too_large", "body over the size limit")
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    data = raw
    for coding in reversed(codings):
        if coding in IDENTITY:
            continue
        decoder = DECODERS.get(coding)
        if decoder is None:
            raise ExtractionError("unparseable", "unsupported content-encoding")
        if data:
            if decoder in (_gzip, _zstd):
                data = decoder(data, limit, notes)  # type: ignore[call-arg]
            else:
                data = decoder(data, limit)
    return data
