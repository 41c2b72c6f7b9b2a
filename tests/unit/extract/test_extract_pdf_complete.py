"""PDF: form fields, annotations, info and XMP metadata are read; forged or text-less glyph
pages fail closed (issue 16 items 1-2). Each case is read back with pypdf first."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/file-pdf"
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def upload(data: bytes):
    return extract(request(UPLOAD, data, content_type="application/pdf", method="PUT"))


def build_pdf(objects: list[bytes], info: int | None = None) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"trailer\n<< /Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def page_pdf(content: bytes, font: bytes = HELVETICA, extra: tuple[bytes, ...] = ()) -> bytes:
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            font,
            stream(content),
            *extra,
        ]
    )


def test_form_fields_annotations_info_and_xmp_are_read() -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Description>'
        b"<dc:description>NHS 943 476 5919</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    data = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] >> /Metadata 8 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font "
            b"<< /F1 4 0 R >> >> /Contents 5 0 R /Annots [6 0 R 7 0 R] >>",
            HELVETICA,
            stream(b"BT /F1 12 Tf 72 720 Td (Visible page text) Tj ET"),
            b"<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (Reviewer: JG103729A) >>",
            b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (nino) /V (AB 12 34 56 C) "
            b"/Rect [0 0 10 10] /P 3 0 R >>",
            stream(xmp, b"/Type /Metadata /Subtype /XML "),
            b"<< /Title (Form) /CaseRef (Ref QQ 12 34 56 B) >>",
        ],
        info=9,
    )
    reader = PdfReader(io.BytesIO(data))
    assert reader.get_fields()["nino"]["/V"] == "AB 12 34 56 C"
    annots = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert annots[0]["/Contents"] == "Reviewer: JG103729A"
    assert reader.metadata["/CaseRef"] == "Ref QQ 12 34 56 B"
    assert b"943 476 5919" in reader.trailer["/Root"]["/Metadata"].get_data()
    text = joined(upload(data))
    for value in (
        "Visible page text",
        "AB 12 34 56 C",
        "JG103729A",
        "QQ 12 34 56 B",
        "943 476 5919",
    ):
        assert value in text, value


def _cmap(target: bytes) -> bytes:
    """A ToUnicode CMap mapping every printable code to ``target`` (a UTF-16BE hex code)."""
    mapping = b"[" + b" ".join([b"<" + target + b">"] * 95) + b"]"
    return (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /X def "
        b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <20> <7E> "
        + mapping
        + b" endbfrange endcmap CMapName currentdict /CMap defineresource pop end end"
    )


FONT_WITH_MAP = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>"
SHOWN = b"BT /F1 12 Tf 72 720 Td (Claimant NINO JG103729A today) Tj ET"


def test_a_tounicode_map_turning_every_glyph_into_x_is_blocked() -> None:
    data = page_pdf(SHOWN, FONT_WITH_MAP, (stream(_cmap(b"0078")),))
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert set(page.extract_text().strip()) == {"x"}  # what a reader extracts
    assert b"JG103729A" in page.get_contents().get_data()  # what the page draws
    with pytest.raises(ExtractionError) as info:
        upload(data)
    assert info.value.reason == "uninspectable"


def test_a_page_that_draws_glyphs_but_yields_no_text_fails_closed() -> None:
    data = page_pdf(SHOWN, FONT_WITH_MAP, (stream(_cmap(b"0020")),))
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert page.extract_text().strip() == ""
    assert b"JG103729A" in page.get_contents().get_data()
    with pytest.raises(ExtractionError) as info:
        upload(data)
    assert info.value.reason == "uninspectable"


def test_a_page_drawing_only_blank_text_and_a_normal_page_are_fine() -> None:
    assert upload(page_pdf(b"BT /F1 12 Tf 72 720 Td ( ) Tj ET")).uninspectable == [
        "image:upload<page 1><no text layer>"  # draws, but nothing readable: media for the policy
    ]
    assert "JG103729A" in joined(upload(page_pdf(SHOWN)))


def test_a_damaged_first_page_fails_closed_even_with_text_on_page_two() -> None:
    data = build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            HELVETICA,
            stream(b"\x78\x9c not deflate data at all", b"/Filter /FlateDecode "),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 7 0 R >>",
            stream(b"BT /F1 12 Tf 72 720 Td (Page two JG103729A) Tj ET"),
        ]
    )
    assert "JG103729A" in PdfReader(io.BytesIO(data)).pages[1].extract_text()
    with pytest.raises(ExtractionError) as info:
        upload(data)
    assert info.value.reason == "unparseable"
