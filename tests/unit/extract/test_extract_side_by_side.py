"""RT-99 for Office documents: a value split across two things the reader sees as one line,
two slide text boxes side by side, two floating Word text boxes, two spreadsheet cells whose
texts meet at their shared edge. Each document is built here and read back with its standard
reader (python-pptx shapes and positions, python-docx's XML tree, openpyxl cells and
alignments) to prove what is shown where."""

from __future__ import annotations

import io
import zipfile

import docx
import openpyxl
import pytest
from openpyxl.styles import Alignment
from pptx import Presentation
from pptx.util import Inches

from detectors.engine import ScanEngine
from proxy.extract import extract
from tests.unit.extract.extract_helpers import request

NINO = "JG103729A"
EMU = 914400
UPLOAD = "https://files.oaiusercontent.com/f"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def read(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def categories(engine: ScanEngine, extraction) -> set[str]:
    return set(engine.scan("\n\n".join(s.text for s in extraction.segments)).categories)


def slide(boxes: list[tuple[float, float, str]]) -> bytes:
    prs = Presentation()
    page = prs.slides.add_slide(prs.slide_layouts[6])  # blank
    for x, y, text in boxes:
        shape = page.shapes.add_textbox(Inches(x), Inches(y), Inches(2.6), Inches(0.5))
        shape.text_frame.text = text
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def shown_lines(data: bytes) -> list[str]:
    """The slide's boxes as python-pptx reads them, grouped by top and sorted by left."""
    shapes = Presentation(io.BytesIO(data)).slides[0].shapes
    lines: dict[int, list[tuple[int, str]]] = {}
    for shape in shapes:
        lines.setdefault(shape.top, []).append((shape.left, shape.text_frame.text))
    return ["".join(t for _, t in sorted(items)) for _, items in sorted(lines.items())]


PPTX_CASES = {
    "left box stored first": [(1.0, 2.0, "Claimant NI JG10"), (3.6, 2.0, "3729A")],
    "right box stored first": [(3.6, 2.0, "3729A"), (1.0, 2.0, "Claimant NI JG10")],
    "three boxes": [(3.6, 2.0, "29A"), (1.0, 2.0, "Claimant NI JG10"), (2.9, 2.0, "37")],
}


@pytest.mark.parametrize("case", sorted(PPTX_CASES))
def test_slide_text_boxes_side_by_side_are_read_joined(engine, case: str) -> None:
    data = slide(PPTX_CASES[case])
    assert shown_lines(data) == [f"Claimant NI {NINO}"]  # one line to the eye
    extraction = read(data)
    assert not any(NINO in s.text for s in extraction.segments if "side by side" not in s.where)
    assert any(NINO in s.text for s in extraction.segments if s.where.endswith("<side by side>"))
    assert "PERSONAL_DATA" in categories(engine, extraction)


def test_slide_boxes_on_separate_lines_are_not_joined() -> None:
    extraction = read(slide([(1.0, 1.0, "Quarterly update"), (1.0, 3.0, "Team news")]))
    assert not any("side by side" in s.where for s in extraction.segments)


def word_box(number: int, x_inches: float, text: str) -> str:
    """A floating text box as Word writes one (``wp:anchor`` + ``wps:txbx``)."""
    width, height = int(2.6 * EMU), int(0.4 * EMU)
    return (
        '<w:p><w:r><w:drawing><wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        f'relativeHeight="{number}" behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="page"><wp:posOffset>'
        f'{int(x_inches * EMU)}</wp:posOffset></wp:positionH><wp:positionV relativeFrom="page">'
        f'<wp:posOffset>{EMU}</wp:posOffset></wp:positionV><wp:extent cx="{width}" cy="{height}"/>'
        f'<wp:wrapNone/><wp:docPr id="{number}" name="Text Box {number}"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/>'
        f'<a:ext cx="{width}" cy="{height}"/></a:xfrm></wps:spPr><wps:txbx><w:txbxContent>'
        f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent></wps:txbx><wps:bodyPr/>"
        "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r></w:p>"
    )


def word_doc(boxes: list[tuple[float, str]]) -> bytes:
    document = docx.Document()
    document.add_paragraph("Case notes")
    buf = io.BytesIO()
    document.save(buf)
    source = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "word/document.xml":
                anchored = "".join(word_box(i + 1, x, t) for i, (x, t) in enumerate(boxes))
                data = data.replace(b"<w:body>", b"<w:body>" + anchored.encode(), 1)
            target.writestr(name, data)
    return out.getvalue()


def anchored_boxes(data: bytes) -> list[tuple[int, str]]:
    """(horizontal offset, text) of each floating box, from python-docx's XML tree."""
    body = docx.Document(io.BytesIO(data)).element.body
    out = []
    for anchor in body.xpath(".//wp:anchor"):
        offset = int(anchor.xpath("./wp:positionH/wp:posOffset")[0].text)
        out.append((offset, "".join(anchor.xpath(".//w:t/text()"))))
    return sorted(out)


@pytest.mark.parametrize("order", ["left first", "right first"])
def test_floating_word_text_boxes_side_by_side_are_read_joined(engine, order: str) -> None:
    boxes = [(1.0, "Claimant NI JG10"), (3.6, "3729A")]
    data = word_doc(boxes if order == "left first" else boxes[::-1])
    placed = anchored_boxes(data)
    assert "".join(text for _x, text in placed) == f"Claimant NI {NINO}"
    assert placed[0][0] + int(2.6 * EMU) == placed[1][0]  # the boxes touch
    extraction = read(data)
    assert any(NINO in s.text for s in extraction.segments if s.where.endswith("<side by side>"))
    assert "PERSONAL_DATA" in categories(engine, extraction)


def sheet(cells: list[tuple[str, object, str | None]]) -> bytes:
    book = openpyxl.Workbook()
    page = book.active
    for ref, value, align in cells:
        page[ref] = value
        if align:
            page[ref].alignment = Alignment(horizontal=align)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    "cells",
    [
        [("A1", "Claimant NI JG10", "right"), ("B1", "3729A", "left")],
        [("B1", "3729A", None), ("A1", "Claimant NI JG10", "right")],
    ],
    ids=["both aligned", "right cell general text"],
)
def test_cells_whose_texts_meet_are_read_joined(engine, cells) -> None:
    data = sheet(cells)
    page = openpyxl.load_workbook(io.BytesIO(data)).active
    assert page["A1"].alignment.horizontal == "right"  # shown against B1
    assert page["B1"].alignment.horizontal in (None, "left", "general")  # shown against A1
    assert page["A1"].value + page["B1"].value == f"Claimant NI {NINO}"
    extraction = read(data)
    met = [s.text for s in extraction.segments if s.where.endswith("<cells that meet>")]
    assert met == [f"Claimant NI {NINO}"]
    assert "PERSONAL_DATA" in categories(engine, extraction)


@pytest.mark.parametrize(
    "cells",
    [
        [("A1", "Claimant NI JG10", None), ("B1", "3729A", None)],  # text left, text left
        [("A1", 943476, None), ("B1", 5919, None)],  # numbers sit right in their cells
        [("A1", "Claimant NI JG10", "right"), ("C1", "3729A", "left")],  # not adjacent
    ],
    ids=["general text", "numbers", "column between"],
)
def test_cells_that_do_not_meet_are_not_joined(cells) -> None:
    extraction = read(sheet(cells))
    assert not any("cells that meet" in s.where for s in extraction.segments)
