"""Columnar and row data files (red team RT-136). Avro object container files (``Obj\\x01``)
are read with ``fastavro`` (maintained, MIT): the schema and every record, as a JSON body
is read (null, deflate, bzip2 and xz blocks, each inflated within ``max_archive_bytes`` by
our block walk first; snappy, zstandard and lz4 blocks are blocked). Parquet,
Arrow IPC / Feather and ORC have no small maintained reader (pyarrow is ~100 MB), and their
pages are compressed (snappy, gzip, zstd) or framed with a length byte that glues onto each
value, so a strings pass would claim to have read what it has not: they are blocked as
uninspectable, whatever ``extraction.uninspectable`` says."""

from __future__ import annotations

import io

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register

_AVRO = b"Obj\x01"


def _columnar(data: bytes) -> str | None:
    """The columnar format ``data`` is, by its leading and trailing magic, or None."""
    if len(data) >= 12 and data.startswith(b"PAR1") and data.endswith(b"PAR1"):
        return "Parquet"
    if len(data) >= 12 and data.startswith(b"ARROW1") and data.endswith(b"ARROW1"):
        return "Arrow IPC / Feather"
    if len(data) >= 8 and data.startswith(b"ORC") and data[-4:-1] == b"ORC":
        return "ORC"
    return None


@register
class ColumnarData(FileKind):
    name = "columnar_data"
    priority = 26

    def matches(self, probe: Probe) -> bool:
        return _columnar(probe.data) is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.unreadable(f"{_columnar(probe.data)} data file (compressed pages are not read)")


@register
class Avro(FileKind):
    name = "avro"
    priority = 27

    def matches(self, probe: Probe) -> bool:
        return probe.data.startswith(_AVRO)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        import fastavro

        _check_blocks(col, probe.data)
        try:
            reader = fastavro.reader(io.BytesIO(probe.data))
            col.value(reader.writer_schema, f"{where}<schema>", depth + 1)
            records = []
            for index, record in enumerate(reader):
                if index % 1000 == 0:
                    col.budget.check_time()
                records.append(_plain(record, 0))
                if len(records) >= 1000:
                    col.value(records, f"{where}<records>", depth + 1)
                    records = []
        except ExtractionError:
            raise
        except ValueError as error:  # an unknown or unavailable codec
            if "codec" in str(error).lower():
                col.unreadable("Avro file with a codec that is not read")
            col.damaged("Avro file does not read")
        except Exception:  # fastavro raises assorted errors on a damaged file
            col.damaged("Avro file does not read")
        col.value(records, f"{where}<records>", depth + 1)


def _plain(value: object, level: int) -> object:
    """An Avro record as JSON values (bytes as text, dates and decimals as their strings)."""
    if level > 64:
        return None
    if isinstance(value, dict):
        return {str(key): _plain(item, level + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, level + 1) for item in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _long(data: bytes, at: int) -> tuple[int, int]:
    """An Avro long (zig-zag varint) at ``at``: its value and the offset after it."""
    shift = result = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated Avro long")
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), at


def _sized(data: bytes, at: int) -> tuple[int, int]:
    """A length (an Avro long) at ``at`` that must fit in what is left of ``data``: a
    negative or overlong one is damage (a negative one would walk back and loop)."""
    size, at = _long(data, at)
    if size < 0 or at + size > len(data):
        raise ValueError("Avro length out of range")
    return size, at


def _inflated(make, block: bytes, room: int) -> int:
    """Bytes ``block`` inflates to, reading every concatenated stream as the standard
    library's one-shot ``decompress`` does (at most ``room`` and then a little more)."""
    total = 0
    while block and total < room:
        decompressor = make()
        total += len(decompressor.decompress(block, room - total))
        if not decompressor.eof:
            break  # output capped (past room: too large) or a truncated stream
        block = decompressor.unused_data
    return total


def _check_blocks(col: Collector, data: bytes) -> None:
    """Walk the container's blocks before fastavro inflates them (it inflates each block
    whole): a deflate block that inflates past ``max_archive_bytes`` is ``too_large``."""
    import bz2
    import lzma
    import zlib

    try:
        at, codec = len(_AVRO), b"null"
        while True:  # the header's metadata map: blocks of (key, value) pairs, 0 ends it
            count, at = _long(data, at)
            if count == 0:
                break
            if count < 0:
                _size, at = _long(data, at)
                count = -count
            for _ in range(count):
                col.budget.check_time()
                size, at = _sized(data, at)
                key = data[at : at + size]
                at += size
                size, at = _sized(data, at)
                if key == b"avro.codec":
                    codec = data[at : at + size]
                at += size
        at += 16  # the sync marker
        total = 0
        while at < len(data):
            col.budget.check_time()
            _count, at = _long(data, at)
            size, at = _long(data, at)
            if size < 0 or at + size > len(data):
                raise ValueError("Avro block runs past the end")
            block = data[at : at + size]
            at += size + 16
            room = col.settings.max_archive_bytes - total + 1
            if codec == b"deflate":
                total += len(zlib.decompressobj(-15).decompress(block, room))
            elif codec == b"bzip2":  # fastavro's bz2.decompress reads every stream of a block
                total += _inflated(bz2.BZ2Decompressor, block, room)
            elif codec == b"xz":  # and lzma.decompress every concatenated one
                total += _inflated(lzma.LZMADecompressor, block, room)
            elif codec == b"null":
                total += size
            else:  # snappy, zstandard, lz4: not inflated within our limits here
                col.unreadable("Avro file with a codec that is not read")
            if total > col.settings.max_archive_bytes:
                raise ExtractionError("too_large", "Avro file inflates over max_archive_bytes")
    except (ValueError, EOFError, OSError, zlib.error, lzma.LZMAError):
        col.damaged("Avro file does not read")
