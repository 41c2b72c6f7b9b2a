"""PDF places a viewer shows that are not page text (red team RT-135): an XFA form's
``datasets`` packet (what was typed into a dynamic government form) and a FileAttachment
annotation's embedded file (the paperclip on a page). Each PDF is built here with pypdf and
read back with pypdf to prove the value is really there (and not in the raw bytes)."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from detectors.engine import ScanEngine
from proxy.extract import extract
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/pdf", "PUT"))


def _stream(writer: PdfWriter, data: bytes, **entries: str):
    stream = DecodedStreamObject()
    stream.set_data(data)
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = NameObject(value)
    compressed = stream.flate_encode()
    return writer._add_object(compressed)


def _save(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_xfa_datasets_are_read(engine: ScanEngine) -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    datasets = (
        '<xfa:datasets xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/"><xfa:data>'
        f"<Applicant><Name>Jane Smith</Name><NINO>{NINO}</NINO></Applicant>"
        "</xfa:data></xfa:datasets>"
    ).encode()
    ref = _stream(writer, datasets)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): ArrayObject([TextStringObject("datasets"), ref]),
        }
    )
    data = _save(writer)
    back = PdfReader(io.BytesIO(data)).trailer["/Root"]["/AcroForm"]["/XFA"][1]
    assert NINO.encode() in back.get_object().get_data()
    assert NINO.encode() not in data  # Flate-compressed
    text = joined(upload(data))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph(f"Claimant NI number {NINO}")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_a_file_attachment_annotation_is_read() -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    payload = _docx()
    embedded = _stream(writer, payload, Type="/EmbeddedFile")
    spec = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Filespec"),
                NameObject("/F"): TextStringObject("claim.docx"),
                NameObject("/UF"): TextStringObject("claim.docx"),
                NameObject("/EF"): DictionaryObject({NameObject("/F"): embedded}),
            }
        )
    )
    annot = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/FileAttachment"),
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (10, 10, 30, 30)]),
                NameObject("/FS"): spec,
            }
        )
    )
    page[NameObject("/Annots")] = ArrayObject([annot])
    data = _save(writer)
    back = PdfReader(io.BytesIO(data)).pages[0]["/Annots"][0].get_object()
    assert back["/FS"]["/EF"]["/F"].get_object().get_data() == payload
    assert not PdfReader(io.BytesIO(data)).attachments  # not in the EmbeddedFiles name tree
    assert NINO in joined(upload(data))


def test_a_plain_pdf_has_no_xfa_or_attachment_segments() -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    where = [segment.where for segment in upload(_save(writer)).segments]
    assert not any("<xfa" in w or "<attachment" in w for w in where)
