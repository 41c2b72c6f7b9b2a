"""Data files (red team RT-136): an Avro container is read record by record (null and deflate
codecs); Parquet, Arrow IPC / Feather and ORC, which have compressed or length-framed pages and
no small maintained reader, are blocked as uninspectable instead of being claimed read by a
strings pass. Avro files are written here with fastavro and read back with it."""

from __future__ import annotations

import io
import struct

import fastavro
import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from proxy.extract.datatypes import ExtractionError
from proxy.extract.settings import ExtractionSettings
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
SCHEMA = {
    "type": "record",
    "name": "Claim",
    "fields": [
        {"name": "name", "type": "string"},
        {"name": "nino", "type": "string"},
        {"name": "note", "type": "bytes"},
    ],
}


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def _avro(codec: str, rows: list[dict]) -> bytes:
    buf = io.BytesIO()
    fastavro.writer(buf, fastavro.parse_schema(SCHEMA), rows, codec=codec)
    return buf.getvalue()


ROWS = [
    {"name": f"Person {i}", "nino": "AA000000A" if i != 7 else NINO, "note": b"pending"}
    for i in range(40)
]


@pytest.mark.parametrize("codec", ["null", "deflate", "bzip2", "xz"])
def test_an_avro_file_is_read_record_by_record(engine: ScanEngine, codec: str) -> None:
    data = _avro(codec, ROWS)
    assert list(fastavro.reader(io.BytesIO(data)))[7]["nino"] == NINO
    if codec != "null":
        assert NINO.encode() not in data
    text = joined(upload(data))
    assert NINO in text
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_a_damaged_avro_file_fails_closed() -> None:
    data = _avro("deflate", ROWS)
    with pytest.raises(ExtractionError) as err:
        upload(data[:-40])
    assert err.value.reason == "unparseable"


def test_an_avro_deflate_bomb_is_too_large() -> None:
    rows = [{"name": "x" * 1000, "nino": "", "note": b""} for _ in range(3000)]
    data = _avro("deflate", rows)  # ~3 MB of records in a few KB
    assert len(data) < 100_000
    settings = ExtractionSettings(max_archive_bytes=1024 * 1024)
    with pytest.raises(ExtractionError) as err:
        extract(request(UPLOAD, data, "application/octet-stream", "PUT"), settings)
    assert err.value.reason == "too_large"


@pytest.mark.parametrize(
    "data",
    [
        b"PAR1" + b"\x15\x00" * 40 + struct.pack("<I", 40) + b"PAR1",
        b"ARROW1\x00\x00" + b"\xff" * 60 + b"ARROW1",
        b"ORC" + b"\x0a\x03" * 40 + b"\x08\x03\x10\x00ORC\x17",
    ],
    ids=["parquet", "arrow", "orc"],
)
def test_columnar_files_are_blocked_as_uninspectable(data: bytes) -> None:
    with pytest.raises(ExtractionError) as err:
        upload(data)
    assert err.value.reason == "uninspectable"


def test_text_starting_with_orc_is_text() -> None:
    assert "ORCID profile" in joined(upload(b"ORCID profile of the author, updated weekly.\n"))


def _zigzag(n: int) -> bytes:
    """An Avro long: zig-zag then a base-128 varint."""
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        byte, z = z & 0x7F, z >> 7
        out.append(byte | (0x80 if z else 0))
        if not z:
            return bytes(out)


def _container(codec: bytes, block: bytes, count: int = 1) -> bytes:
    """An Avro container written by hand: header map (schema, codec), sync, one block."""
    import json

    sync = b"S" * 16
    schema = json.dumps(
        {"type": "record", "name": "R", "fields": [{"name": "s", "type": "string"}]}
    )
    meta = b""
    for key, value in ((b"avro.schema", schema.encode()), (b"avro.codec", codec)):
        meta += _zigzag(len(key)) + key + _zigzag(len(value)) + value
    header = b"Obj\x01" + _zigzag(2) + meta + _zigzag(0) + sync
    return header + _zigzag(count) + _zigzag(len(block)) + block + sync


def test_a_negative_length_in_the_avro_header_is_damage_not_a_loop() -> None:
    """Rule (review of RT-136): a negative key or value length in the header map would walk
    the reader backwards for ever (on the event loop for a small body); it is damage."""
    import threading

    data = b"Obj\x01" + _zigzag(1) + _zigzag(-3) + b"A" * 120
    outcome: list[str] = []

    def run() -> None:
        try:
            upload(data)
            outcome.append("read")
        except ExtractionError as err:
            outcome.append(err.reason)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome == ["unparseable"]


@pytest.mark.parametrize("codec", [b"bzip2", b"xz"])
def test_every_stream_of_a_compressed_avro_block_counts(codec: bytes) -> None:
    """Rule (review of RT-136): fastavro inflates every concatenated bz2 / xz stream of a
    block, so the inflate check counts them all: a tiny first stream hides nothing."""
    import bz2
    import lzma

    compress = bz2.compress if codec == b"bzip2" else lzma.compress
    block = compress(b"\x02x") + compress(b"\x00" * (3 * 1024 * 1024))
    data = _container(codec, block)
    assert len(data) < 100_000
    assert len((bz2.decompress if codec == b"bzip2" else lzma.decompress)(block)) > 3_000_000
    settings = ExtractionSettings(max_archive_bytes=1024 * 1024)
    with pytest.raises(ExtractionError) as err:
        extract(request(UPLOAD, data, "application/octet-stream", "PUT"), settings)
    assert err.value.reason == "too_large"
