"""Serialised binaries (red team RT-137): CBOR, MessagePack and pickle write a string's length
as one byte before it, and when that byte is printable a strings pass glues it onto the value
(``iJG103729A``, ``FJG103729A is ...``). A printable run that is wholly a chain of
length-framed values is also read value by value. Each file is built here with the format's
own library and read back with it (pickle through pickletools, never unpickled)."""

from __future__ import annotations

import pickle
import pickletools

import cbor2
import msgpack
import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from proxy.extract.files.framing import framed_values
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
NOTE = f"{NINO} is the claimant; review the case file again before the hearing."  # 70 chars


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def _pickled_strings(data: bytes) -> list[str]:
    return [arg for _op, arg, _pos in pickletools.genops(data) if isinstance(arg, str)]


def _padded(data: bytes) -> bytes:
    return data + bytes(range(32))  # binary after it, as a real dump has


CASES = {
    "cbor map": lambda: cbor2.dumps({"nino": NINO, "status": 3}),
    "cbor long text": lambda: cbor2.dumps({"note": NOTE}),
    "msgpack str8": lambda: msgpack.packb({"note": NOTE, "n": 3}),
    "pickle protocol 4": lambda: pickle.dumps({"note": NOTE, "n": 3}, protocol=4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_length_byte_does_not_glue_onto_the_value(engine: ScanEngine, case: str) -> None:
    data = CASES[case]()
    if case.startswith("cbor"):
        assert NINO in str(cbor2.loads(data))
    elif case.startswith("msgpack"):
        assert msgpack.unpackb(data)["note"] == NOTE
    else:
        assert NOTE in _pickled_strings(data)
    text = joined(upload(_padded(data)))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_framing_is_found_only_when_a_chain_covers_the_run() -> None:
    assert framed_values("dninoiJG103729A") == ["nino", "JG103729A"]
    assert framed_values("The committee reviewed the figures") is None
    assert framed_values("xFshort") is None  # the declared length runs past the end


def test_a_clean_binary_gains_nothing(engine: ScanEngine) -> None:
    data = _padded(cbor2.dumps({"title": "Quarterly figures", "pages": 12}))
    assert not engine.scan(joined(upload(data))).categories


@pytest.mark.parametrize(
    "data",
    [
        b"\xa2dcasefreviewdninoi" + NINO.encode(),  # CBOR map, no control byte: reads as text
        b"\x82\xa4case\xa6review\xa4note\xd9\x46" + NOTE[:70].encode(),  # MessagePack
    ],
    ids=["cbor", "msgpack"],
)
def test_a_small_serialised_file_that_reads_as_text_is_read_by_its_framing(
    engine: ScanEngine, data: bytes
) -> None:
    decoded = cbor2.loads(data) if data[0] == 0xA2 else msgpack.unpackb(data)
    assert NINO in str(decoded)
    text = joined(upload(data))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}
