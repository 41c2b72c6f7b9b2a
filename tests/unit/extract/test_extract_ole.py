"""Legacy Office compound files (.doc, .xls, .msg) are read through their directory and FAT
(red team RT-128): a stream stored out of order reads whole, a stream that is a file of its
own (an Outlook attachment) is read as its kind, and the FAT's runs of sector numbers are
never read as text (a clean .doc over ~29 KB was blocked as a phone number). Each file is
built here (tests/unit/extract/cfb.py) and read back with olefile to prove the value is
really there."""

from __future__ import annotations

import io
import zipfile

import olefile
import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from proxy.extract.datatypes import ExtractionError
from tests.unit.extract.cfb import Node, build
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
FILLER = "The committee reviewed the quarterly figures and agreed the next steps. "


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def _stream(data: bytes, path: str) -> bytes:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return ole.openstream(path).read()


@pytest.mark.parametrize("layout", ["reverse", "interleave", "random"])
def test_a_fragmented_stream_reads_whole(layout: str) -> None:
    lead = (FILLER * 40)[: 6 * 256 - 15]  # "NI number JG10|3729A" crosses sector 6's end
    body = (lead + f"NI number {NINO}. " + FILLER * 40).encode("utf-16-le")
    other = ("Other stream " * 800).encode("utf-16-le")
    data = build([Node("WordDocument", body), Node("1Table", other)], layout=layout)
    assert f"NI number {NINO}".encode("utf-16-le") in _stream(data, "WordDocument")
    assert f"NI number {NINO}".encode("utf-16-le") not in data  # cut by the sector order
    assert NINO in joined(upload(data))


def test_a_clean_long_document_is_not_a_phone_number(engine: ScanEngine) -> None:
    body = (FILLER * 600).encode("utf-16-le")  # ~86 KB: a FAT of 170+ consecutive sectors
    data = build([Node("WordDocument", body)])
    assert "0123456789".encode("utf-32-le") in data  # the FAT's sector numbers 48..57
    text = joined(upload(data))
    assert "committee reviewed" in text
    assert "0123456789" not in text
    assert set(engine.scan(text).categories) == set()


def test_an_attachment_stream_is_read_as_its_own_file() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("notes.txt", f"Claimant NI {NINO}\n" + FILLER * 200)
    attachment = buf.getvalue()
    data = build(
        [
            Node("__substg1.0_1000001F", "see attached".encode("utf-16-le")),
            Node(
                "__attach_version1.0_#00000000",
                None,
                [Node("__substg1.0_37010102", attachment)],
            ),
        ],
        layout="random",
    )
    assert _stream(data, "__attach_version1.0_#00000000/__substg1.0_37010102") == attachment
    assert NINO in joined(upload(data))


def test_stream_names_are_read() -> None:
    data = build([Node(f"Claimant {NINO}", b"\x00" * 32)])
    assert NINO in joined(upload(data))


def test_bytes_that_claim_ole_but_do_not_open_are_unparseable() -> None:
    fake = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "text".encode("utf-16-le")
    with pytest.raises(ExtractionError) as err:
        upload(fake)
    assert err.value.reason == "unparseable"
