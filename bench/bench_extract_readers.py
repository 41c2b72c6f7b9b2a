"""Our OOXML readers against the maintained ones (python-docx, openpyxl): time per document
and which hidden-text cases each finds. Prints figures; the extraction README quotes them.

uv run python bench/bench_extract_readers.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docx
import openpyxl
from openpyxl.comments import Comment

from proxy.extract import RequestView, extract_view
from tests.unit.extract.extract_helpers import docx_bytes

SECRET = "JG103729A"


def ours(data: bytes) -> str:
    view = RequestView("PUT", "files.oaiusercontent.com", "/f", "application/octet-stream", data)
    return "\n".join(s.text for s in extract_view(view).segments)


def python_docx(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    parts += [c.text for t in d.tables for row in t.rows for c in row.cells]
    for section in d.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    parts += [c.text for c in d.comments]
    return "\n".join(parts)


def openpyxl_text(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    out = [ws.title for ws in wb.worksheets]
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            out += [str(v) for v in row if v is not None]
    return "\n".join(out)


def median_ms(fn, data: bytes, repeat: int = 5) -> float:
    fn(data)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(data)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def with_member(
    data: bytes, name: str, content: bytes, edit: dict[str, bytes] | None = None
) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info, (edit or {}).get(info.filename, src.read(info)))
        zf.writestr(name, content)
    return out.getvalue()


W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_cases() -> dict[str, bytes]:
    base = docx_bytes("Body")
    src = zipfile.ZipFile(io.BytesIO(base))
    body = src.read("word/document.xml")
    textbox = body.replace(
        b"</w:body>",
        b'<w:p><w:r><w:pict><v:textbox xmlns:v="urn:schemas-microsoft-com:vml"><w:txbxContent>'
        b"<w:p><w:r><w:t>" + SECRET.encode() + b"</w:t></w:r></w:p></w:txbxContent></v:textbox>"
        b"</w:pict></w:r></w:p></w:body>",
    )
    deleted = body.replace(
        b"</w:body>",
        b"<w:p><w:del><w:r><w:delText>"
        + SECRET.encode()
        + b"</w:delText></w:r></w:del></w:p></w:body>",
    )
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = SECRET
    buf = io.BytesIO()
    d.save(buf)
    return {
        "header": buf.getvalue(),
        "footnote part": with_member(
            base,
            "word/footnotes.xml",
            b"<w:footnotes "
            + W
            + b"><w:footnote><w:p><w:r><w:t>"
            + SECRET.encode()
            + b"</w:t></w:r></w:p></w:footnote></w:footnotes>",
        ),
        "text box": with_member(base, "x.txt", b"", {"word/document.xml": textbox}),
        "tracked deletion": with_member(base, "x.txt", b"", {"word/document.xml": deleted}),
        "core properties": with_member(
            base,
            "x.txt",
            b"",
            {
                "docProps/core.xml": src.read("docProps/core.xml").replace(
                    b"</cp:coreProperties>",
                    b"<dc:subject>" + SECRET.encode() + b"</dc:subject></cp:coreProperties>",
                )
            },
        ),
    }


def xlsx_cases() -> dict[str, bytes]:
    def book(fill) -> bytes:
        wb = openpyxl.Workbook()
        fill(wb)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    return {
        "formula without cached value": book(
            lambda wb: wb.active.__setitem__("A1", '="JG10"&"3729A"')
        ),
        "comment": book(lambda wb: setattr(wb.active["A1"], "comment", Comment(SECRET, "a"))),
        "sheet name": book(lambda wb: setattr(wb.active, "title", SECRET)),
    }


def main() -> None:
    paragraphs = "\n".join(f"Paragraph {i} with words about casework." for i in range(3000))
    big_docx = docx_bytes(paragraphs)
    wb = openpyxl.Workbook()
    for r in range(10_000):
        wb.active.append([f"name {r}", r * 7, f"note {r % 97}"])
    buf = io.BytesIO()
    wb.save(buf)
    big_xlsx = buf.getvalue()
    print(f"{'document':38} {'ours':>10} {'maintained':>12}")
    print(
        f"{'docx, 3000 paragraphs':38} {median_ms(ours, big_docx):8.1f}ms {median_ms(python_docx, big_docx):10.1f}ms (python-docx)"
    )
    print(
        f"{'xlsx, 10k rows x 3':38} {median_ms(ours, big_xlsx):8.1f}ms {median_ms(openpyxl_text, big_xlsx):10.1f}ms (openpyxl read-only)"
    )
    print()
    print(f"{'hidden-text case':38} {'ours':>6} {'maintained':>12}")
    for name, data in docx_cases().items():
        print(
            f"{'docx: ' + name:38} {SECRET in ours(data)!s:>6} {SECRET in python_docx(data)!s:>12}"
        )
    for name, data in xlsx_cases().items():
        theirs = openpyxl_text(data).replace('"', "").replace("&", "")
        print(f"{'xlsx: ' + name:38} {SECRET in ours(data)!s:>6} {SECRET in theirs!s:>12}")


if __name__ == "__main__":
    main()
