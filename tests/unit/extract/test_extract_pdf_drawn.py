"""PDF text a viewer draws that the stream-order text layer hides or lies about: a TJ array
kerned back over itself (RT-99), annotation appearance streams (RT-105), ToUnicode maps
that read as decoy text (RT-77). Each PDF is built here and read back with pypdf (its
content stream operations, its appearance streams, its text layer) to prove the value is
really drawn."""

from __future__ import annotations

import io

import pypdf
import pytest
from pypdf.generic import ContentStream

from detectors.engine import ScanEngine
from proxy.extract import ExtractionError
from tests.unit.extract.test_extract_pdf_complete import build_pdf, page_pdf, stream, upload

NINO = "JG103729A"
COURIER = b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def categories(engine: ScanEngine, extraction) -> set[str]:
    return set(engine.scan("\n\n".join(s.text for s in extraction.segments)).categories)


def kerned_halves() -> bytes:
    """``3729A`` drawn first, right of where ``Claimant NI number JG10`` is drawn after it:
    one TJ array, the pen moved by its numbers (Courier: 600/1000 em a glyph)."""
    first, second = "Claimant NI number JG10", "3729A"
    forward = len(first) * 600 - 1200  # after two blanks (1200), to where the first half ends
    back = len(first) * 600 + len(second) * 600  # back to the start of the line
    content = b"BT /F1 24 Tf 50 700 Td [(  ) -%d (%s) %d (%s)] TJ ET" % (
        forward,
        second.encode(),
        back,
        first.encode(),
    )
    return page_pdf(content, COURIER)


def drawn_at(data: bytes) -> list[tuple[float, str]]:
    """Each string of the TJ array at the x where it starts, from pypdf's parsed operations
    and Courier's widths: what a viewer draws, left to right."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    ops = ContentStream(reader.pages[0].get_contents(), reader).operations
    x, out = 50.0, []
    for operands, op in ops:
        if op == b"TJ":
            for item in operands[0]:
                if isinstance(item, str):
                    out.append((x, item))
                    x += len(item) * 0.6 * 24
                else:
                    x -= float(item) / 1000 * 24
    return sorted(out)


def test_a_tj_array_kerned_back_over_itself_is_read_as_drawn(engine) -> None:
    data = kerned_halves()
    shown = "".join(text for _x, text in drawn_at(data) if text.strip())
    assert shown == f"Claimant NI number {NINO}"  # what the page shows
    stream_order = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert NINO not in stream_order.replace(" ", "")  # what pypdf reads
    extraction = upload(data)
    layout = [s.text for s in extraction.segments if s.where.endswith("<layout>")]
    assert layout == [f"Claimant NI number {NINO}"]
    assert "PERSONAL_DATA" in categories(engine, extraction)


def test_ordinary_kerning_in_tj_arrays_gets_no_layout_copy() -> None:
    content = b"BT /F1 12 Tf 72 720 Td [(Qua) 30 (rterly) -250 (upd) 15 (ate)] TJ ET"
    extraction = upload(page_pdf(content))
    assert [s.where for s in extraction.segments] == ["upload<page 1>"]


APPEARANCE = b"BT /F1 18 Tf 2 6 Td (Claimant NI number " + NINO.encode() + b") Tj ET"


def annotated(annot: bytes, acroform: bytes = b"", own_resources: bool = True) -> bytes:
    resources = b"/Resources << /Font << /F1 4 0 R >> >> " if own_resources else b""
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + acroform + b">>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [6 0 R] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            stream(b"BT /F1 24 Tf 50 740 Td (Quarterly update) Tj ET"),
            annot,
            stream(APPEARANCE, b"/Type /XObject /Subtype /Form /BBox [0 0 400 30] " + resources),
        ]
    )


ANNOTATIONS = {
    "free text, decoy contents": b"<< /Type /Annot /Subtype /FreeText /Rect [50 600 450 630] "
    b"/Contents (see notes) /DA (/F1 18 Tf 0 g) /AP << /N 7 0 R >> >>",
    "stamp, appearance only": b"<< /Type /Annot /Subtype /Stamp /Rect [50 600 450 630] "
    b"/AP << /N 7 0 R >> >>",
    "form field, decoy value": b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (ni) /V (n/a) "
    b"/Rect [50 600 450 630] /DA (/F1 18 Tf 0 g) /AP << /N 7 0 R >> /P 3 0 R >>",
    "checkbox states": b"<< /Type /Annot /Subtype /Widget /FT /Btn /T (ok) /AS /Off "
    b"/Rect [50 600 450 630] /AP << /N << /Yes 7 0 R /Off 7 0 R >> >> /P 3 0 R >>",
}


@pytest.mark.parametrize("case", sorted(ANNOTATIONS))
@pytest.mark.parametrize("own_resources", [True, False])
def test_annotation_appearance_streams_are_read(engine, case: str, own_resources: bool) -> None:
    acroform = b"/AcroForm << /Fields [6 0 R] >> " if "form" in case else b""
    data = annotated(ANNOTATIONS[case], acroform, own_resources)
    reader = pypdf.PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    assert NINO not in page.extract_text()  # the text layer does not hold it
    normal = page["/Annots"][0].get_object()["/AP"]["/N"]
    normal = normal.get_object()
    form = normal if "/Yes" not in normal else normal["/Yes"].get_object()
    ops = ContentStream(form, reader).operations
    assert [str(o[0]) for o, op in ops if op == b"Tj"] == [f"Claimant NI number {NINO}"]
    extraction = upload(data)
    assert any(NINO in s.text and "<annotations>" in s.where for s in extraction.segments)
    assert "PERSONAL_DATA" in categories(engine, extraction)


def _tounicode(pairs: list[tuple[int, str]]) -> bytes:
    entries = b" ".join(
        b"<%02X> <%s>" % (code, text.encode("utf-16-be").hex().upper().encode())
        for code, text in pairs
    )
    return (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /D def "
        b"1 begincodespacerange <00> <FF> endcodespacerange %d beginbfchar "
        % len(pairs)
        + entries
        + b" endbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    )


SHOWN_LINE = "Claimant NI JG103729A"


def coded_pdf(decoys: list[str]) -> bytes:
    """Glyph codes 1..n drawn in order; ``/Differences`` names each code's real glyph (what
    the font draws), the ToUnicode map says ``decoys[i]`` for code i+1."""
    names = {" ": "/space", "0": "/zero", "1": "/one", "2": "/two", "3": "/three"}
    names.update({"7": "/seven", "9": "/nine"})
    glyph_names = b" ".join(names.get(ch, "/" + ch).encode() for ch in SHOWN_LINE)
    codes = bytes(range(1, len(SHOWN_LINE) + 1))
    escaped = codes.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    font = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding "
        b"/BaseEncoding /WinAnsiEncoding /Differences [1 " + glyph_names + b"] >> "
        b"/ToUnicode 6 0 R >>"
    )
    mapping = list(enumerate(decoys, start=1))
    return page_pdf(b"BT /F1 14 Tf 72 720 Td (" + escaped + b") Tj ET", font,
                    (stream(_tounicode(mapping)),))  # fmt: skip


WORDS = [
    "The ",
    "quarterly ",
    "team ",
    "update ",
    "covers ",
    "the ",
    "budget ",
    "and ",
    "the ",
    "plan ",
    "for ",
    "next ",
]


@pytest.mark.parametrize(
    "decoys",
    [
        (WORDS * 2)[: len(SHOWN_LINE)],  # one glyph, one decoy word
        list("Thequarterlyreportxy"[: len(SHOWN_LINE)].ljust(len(SHOWN_LINE), "z")),  # letters
    ],
    ids=["words", "letters"],
)
def test_a_tounicode_map_that_lies_about_the_drawn_glyphs_is_blocked(decoys) -> None:
    data = coded_pdf(decoys)
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    read = page.extract_text()
    assert NINO not in read.replace(" ", "") and read.strip()  # a plausible decoy text layer
    font = page["/Resources"]["/Font"]["/F1"].get_object()
    differences = font["/Encoding"]["/Differences"]
    assert [str(n) for n in differences[13:22]] == [
        "/J", "/G", "/one", "/zero", "/three", "/seven", "/two", "/nine", "/A",
    ]  # fmt: skip  # the glyphs the font draws: the NINO
    with pytest.raises(ExtractionError) as info:
        upload(data)
    assert info.value.reason == "uninspectable"


def test_a_tounicode_map_that_agrees_with_the_glyph_names_is_read() -> None:
    data = coded_pdf(list(SHOWN_LINE))
    assert NINO in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert any(NINO in s.text for s in upload(data).segments)


def test_ligature_entries_are_not_decoy_words() -> None:
    data = coded_pdf(["ffi", "fl", *SHOWN_LINE[2:]])
    assert any(NINO in s.text for s in upload(data).segments)


def picture_page(lines: list[str], size: tuple[int, int] = (900, 160), pages: int = 1) -> bytes:
    """Pages that each draw one picture (Pillow writes it as a PDF) under a text layer (a
    Helvetica line merged in with pypdf): what a viewer and a model's page image show."""
    from PIL import Image

    from tests.images import render

    picture = Image.open(io.BytesIO(render(lines, size)))
    buf = io.BytesIO()
    picture.save(buf, "PDF")
    text = pypdf.PdfReader(
        io.BytesIO(page_pdf(b"BT /F1 12 Tf 72 40 Td (Quarterly team update) Tj ET"))
    )
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_page(pypdf.PdfReader(io.BytesIO(buf.getvalue())).pages[0])
        writer.pages[-1].merge_page(text.pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_picture_beside_a_text_layer_goes_to_ocr() -> None:
    """RT-41: the text layer reads 'Quarterly team update'; the picture shows the NINO."""
    from PIL import Image

    data = picture_page(["Claimant NI number JG 10 37 29 A"])
    page = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    assert "Quarterly team update" in page.extract_text() and "JG" not in page.extract_text()
    assert [Image.open(io.BytesIO(i.data)).size for i in page.images] == [(900, 160)]
    extraction = upload(data)
    assert extraction.uninspectable == ["image:upload<page 1><picture>"]  # until OCR reads it
    assert len(extraction.images) == 1


def test_one_picture_on_every_page_goes_to_ocr_once_and_tiny_ones_not_at_all() -> None:
    extraction = upload(picture_page(["Departmental logo"], pages=3))
    assert len(extraction.images) == 1
    tiny = upload(picture_page(["-"], size=(200, 8)))
    assert not tiny.images and not tiny.uninspectable
