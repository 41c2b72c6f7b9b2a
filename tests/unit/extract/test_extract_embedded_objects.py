"""Objects embedded in documents (red team RT-134): an RTF's ``\\objdata`` (an OLE1 object
holding an embedded Word or Excel document, or a packaged file), its ``\\bin`` raw groups and
``{\\*\\datastore}`` hex, and an OLE ``\\x01Ole10Native`` package (a docx's oleObject1.bin)
are read as the files they hold. Each payload is built here and read back by the standard
reader (python-docx, gzip, oletools' rtfobj / oleobj) to prove the value is really there."""

from __future__ import annotations

import gzip
import io
import struct
import warnings
import zipfile

import docx
import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from tests.unit.extract.cfb import Node, build
from tests.unit.extract.extract_helpers import joined, request

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from oletools import oleobj, rtfobj

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
LETTER = "{\\rtf1\\ansi\\deff0 Dear colleague, please see the attached document.\\par "


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph(f"Claimant NI number {NINO}")
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    assert NINO in docx.Document(io.BytesIO(data)).paragraphs[0].text
    return data


def _lp(text: bytes) -> bytes:
    return struct.pack("<I", len(text) + 1) + text + b"\0" if text else struct.pack("<I", 0)


def _ole1(class_name: bytes, native: bytes) -> bytes:
    """An OLE1 embedded object (MS-OLEDS 2.2): header, class name, topic, item, native data."""
    return (
        struct.pack("<II", 0x00000501, 2) + _lp(class_name) + _lp(b"") + _lp(b"")
        + struct.pack("<I", len(native)) + native
    )  # fmt: skip


def _package(filename: bytes, payload: bytes) -> bytes:
    """Packager native data (an OLE Package: label, source path, temp path, the file)."""
    return (
        b"\x02\x00" + filename + b"\0" + b"C:\\temp\\" + filename + b"\0"
        + struct.pack("<HH", 0, 3) + struct.pack("<I", 9) + b"C:\\t\\" + filename + b"\0"
        + struct.pack("<I", len(payload)) + payload
    )  # fmt: skip


def _hex_lines(data: bytes) -> str:
    digits = data.hex()
    return "\n".join(digits[i : i + 128] for i in range(0, len(digits), 128))


def _rtf_object(class_name: str, ole1: bytes) -> bytes:
    return (
        LETTER + "{\\object\\objemb{\\*\\objclass " + class_name + "}\\objw100\\objh100"
        "{\\*\\objdata " + _hex_lines(ole1) + "}}\\par}"
    ).encode()


def _objects(rtf: bytes) -> list:
    parser = rtfobj.RtfObjParser(rtf)
    parser.parse()
    return parser.objects


@pytest.mark.parametrize(("class_name", "main"), [("Word.Document.12", "word/document.xml")])
def test_an_embedded_word_document_object_is_read(
    engine: ScanEngine, class_name: str, main: str
) -> None:
    document = _docx()
    rtf = _rtf_object(class_name, _ole1(class_name.encode(), build([Node("Package", document)])))
    (obj,) = _objects(rtf)  # read back: the object's compound file holds the docx
    assert obj.is_ole and document in obj.oledata
    assert NINO.encode() not in rtf
    text = joined(upload(rtf))
    assert NINO in text
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_an_embedded_excel_worksheet_object_is_read() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("xl/sharedStrings.xml", f"<sst><si><t>Jane Smith {NINO}</t></si></sst>")
    workbook = buf.getvalue()
    rtf = _rtf_object(
        "Excel.Sheet.12", _ole1(b"Excel.Sheet.12", build([Node("Package", workbook)]))
    )
    assert _objects(rtf)[0].is_ole
    assert NINO in joined(upload(rtf))


def test_a_packaged_docx_object_is_read() -> None:
    document = _docx()
    rtf = _rtf_object("Package", _ole1(b"Package", _package(b"claim.docx", document)))
    (obj,) = _objects(rtf)
    assert obj.is_package and obj.olepkgdata == document
    assert NINO in joined(upload(rtf))


def test_a_bin_group_holding_a_gzip_is_read() -> None:
    payload = gzip.compress(f"Claimant NI number {NINO}\n".encode())
    rtf = LETTER.encode() + b"{\\*\\generator \\bin" + str(len(payload)).encode() + b" "
    rtf += payload + b"}\\par}"
    assert NINO.encode() in gzip.decompress(rtf[rtf.index(payload) :][: len(payload)])
    assert NINO.encode() not in rtf
    assert NINO in joined(upload(rtf))


def test_a_datastore_group_holding_a_docx_is_read() -> None:
    document = _docx()
    rtf = (LETTER + "{\\*\\datastore " + _hex_lines(document) + "}\\par}").encode()
    assert bytes.fromhex(rtf.split(b"datastore ")[1].split(b"}")[0].decode()) == document
    assert NINO in joined(upload(rtf))


def test_a_clean_rtf_with_an_object_passes(engine: ScanEngine) -> None:
    rtf = _rtf_object("Package", _ole1(b"Package", _package(b"notes.txt", b"Agenda: budget.")))
    text = joined(upload(rtf))
    assert "Agenda: budget." in text
    assert not engine.scan(text).categories


def test_an_ole10native_package_of_a_gzip_is_read() -> None:
    note = gzip.compress(f"Claimant NI number {NINO}\n".encode())
    stream = struct.pack("<I", len(_package(b"note.gz", note))) + _package(b"note.gz", note)
    ole = build([Node("\x01Ole10Native", stream), Node("\x01CompObj", b"\0" * 32)])
    native = oleobj.OleNativeStream(bindata=stream)
    assert native.data == note and NINO.encode() in gzip.decompress(native.data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<document>see the object</document>")
        zf.writestr("word/embeddings/oleObject1.bin", ole)
    assert NINO in joined(upload(buf.getvalue()))
