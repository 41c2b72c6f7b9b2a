"""RT-99: a PDF page whose content stream draws its glyphs out of reading order (shuffled,
right to left, the second half first, two lines interleaved) shows the text in place to a
viewer and in the page image a model is given; pypdf reads stream order. The page is also
read in layout order. Each PDF is built here; its content stream is read back with pypdf's
ContentStream parser, the glyphs sorted by their position, to prove what the page shows."""

from __future__ import annotations

import io
import random

import pypdf
import pytest
from pypdf.generic import ContentStream

from detectors.engine import ScanEngine
from proxy.extract import extract
from tests.unit.extract.extract_helpers import request

LINE = "Claimant NI number JG103729A"
NINO = "JG103729A"


def pdf_of(placed: list[tuple[float, float, str]]) -> bytes:
    """One page, Courier 24 pt, each string drawn at (x, y) with its own Tm, in list order."""
    ops = []
    for x, y, text in placed:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"1 0 0 1 {x:.1f} {y:.1f} Tm ({escaped}) Tj")
    content = ("BT /F1 24 Tf " + " ".join(ops) + " ET").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def glyphs(line: str, y: float = 720.0) -> list[tuple[float, float, str]]:
    return [(72 + i * 14.4, y, ch) for i, ch in enumerate(line)]  # Courier: 0.6 em advance


def shown(data: bytes) -> list[str]:
    """The page's lines as drawn in place: Tm positions from the content stream, sorted."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    stream = ContentStream(reader.pages[0].get_contents(), reader)
    placed, at = [], None
    for operands, op in stream.operations:
        if op == b"Tm":
            at = (float(operands[5]), float(operands[4]))
        elif op == b"Tj" and at is not None:
            placed.append((at, str(operands[0])))
    lines: dict[float, list[tuple[float, str]]] = {}
    for (y, x), text in placed:
        lines.setdefault(y, []).append((x, text))
    return [
        "".join(t for _, t in sorted(items)) for _, items in sorted(lines.items(), reverse=True)
    ]


def cases() -> dict[str, list[tuple[float, float, str]]]:
    one = glyphs(LINE)
    shuffled = one[:]
    random.Random(4).shuffle(shuffled)
    second = glyphs("Patient record follows", 690)
    interleaved = [g for pair in zip(one, second, strict=False) for g in pair] + one[len(second) :]
    return {
        "shuffled": shuffled,
        "right to left": one[::-1],
        "second half first": [(72 + 23 * 14.4, 720, "3729A"), (72, 720, "Claimant NI number JG10")],
        "two lines interleaved": interleaved,
    }


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


@pytest.mark.parametrize("case", sorted(cases()))
def test_pdf_drawn_out_of_order_is_read_in_layout_order(engine, case: str) -> None:
    data = pdf_of(cases()[case])
    assert shown(data)[0] == LINE  # what the page shows
    stream_order = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert NINO not in stream_order.replace(" ", "")  # what pypdf reads
    extraction = extract(
        request("https://files.oaiusercontent.com/f", data, "application/pdf", "PUT")
    )
    layout = [s.text for s in extraction.segments if s.where.endswith("<layout>")]
    assert layout and NINO in layout[0], case
    joined = "\n\n".join(s.text for s in extraction.segments)
    assert "PERSONAL_DATA" in engine.scan(joined).categories


def test_pdf_drawn_in_order_gets_no_layout_copy() -> None:
    data = pdf_of(glyphs(LINE))
    extraction = extract(
        request("https://files.oaiusercontent.com/f", data, "application/pdf", "PUT")
    )
    assert [s.where for s in extraction.segments] == ["upload<page 1>"]


@pytest.mark.parametrize("name", ["notes.docx", "form.pdf"])
def test_pdf_with_a_docx_appended_reads_the_docx_too(engine, name: str) -> None:
    """RT-104: python-docx opens a PDF + docx polyglot (the zip is found from its end)."""
    import docx

    from tests.unit.extract.extract_helpers import docx_bytes

    data = pdf_of(glyphs("Quarterly team update")) + docx_bytes(f"Claimant NI number {NINO}")
    assert NINO in docx.Document(io.BytesIO(data)).paragraphs[0].text
    assert "Quarterly" in pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    extraction = extract(
        request("https://files.oaiusercontent.com/f", data, "application/octet-stream", "PUT",
                headers={"x-file-name": name})
    )  # fmt: skip
    assert any(NINO in segment.text for segment in extraction.segments), name
    joined = "\n\n".join(s.text for s in extraction.segments)
    assert "PERSONAL_DATA" in engine.scan(joined).categories
