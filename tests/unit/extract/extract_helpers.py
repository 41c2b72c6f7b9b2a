"""Builders for extraction tests: mitmproxy requests and small real documents."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from mitmproxy import http

from proxy.extract import Extraction

NINO = "AB 12 34 56 C"


def request(
    url: str,
    body: Any,
    content_type: str = "application/json",
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> http.Request:
    """A request whose raw body is ``body`` (JSON-encoded unless bytes/str)."""
    if isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    else:
        data = json.dumps(body).encode()
    all_headers = {"content-type": content_type} if content_type else {}
    all_headers.update(headers or {})
    req = http.Request.make(method, url)
    for name, value in all_headers.items():  # after make(): it drops unknown encodings
        req.headers[name] = value
    req.raw_content = data
    return req


def texts(extraction: Extraction) -> list[str]:
    return [segment.text for segment in extraction.segments]


class Scanned:
    """The segments of an extraction, where ``needle in scanned`` means "some segment
    contains it" (segments may carry a ``key: `` context prefix) and ``{a, b} <= scanned``
    means every one is contained."""

    def __init__(self, extraction: Extraction) -> None:
        self.items = texts(extraction)

    def __contains__(self, needle: object) -> bool:
        return isinstance(needle, str) and any(needle in item for item in self.items)

    def __ge__(self, needles: object) -> bool:
        return all(needle in self for needle in needles)  # type: ignore[attr-defined]

    def __iter__(self):
        return iter(self.items)

    def __repr__(self) -> str:
        return f"Scanned({self.items!r})"


def scanned(extraction: Extraction) -> Scanned:
    return Scanned(extraction)


def joined(extraction: Extraction) -> str:
    return "\n".join(texts(extraction))


def where_of(extraction: Extraction, needle: str) -> str:
    for segment in extraction.segments:
        if needle in segment.text:
            return segment.where
    raise AssertionError(f"{needle!r} not extracted; got {texts(extraction)!r}")


def zip_bytes(members: dict[str, str | bytes], **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, **kwargs) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def docx_bytes(body: str, header: str = "", table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for line in body.split("\n"):
        document.add_paragraph(line)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


_CT = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
_SS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def xlsx_bytes(rows: list[list[str | int]]) -> bytes:
    """A minimal real xlsx: strings go to sharedStrings.xml, ints stay numeric cells."""
    shared: list[str] = []
    xml_rows = []
    for r, row in enumerate(rows, start=1):
        cells = []
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                shared.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    sheet = f'{_CT}<worksheet xmlns="{_SS}"><sheetData>{"".join(xml_rows)}</sheetData></worksheet>'
    sst = "".join(f"<si><t>{s}</t></si>" for s in shared)
    return zip_bytes(
        {
            "[Content_Types].xml": f"{_CT}<Types/>",
            "xl/workbook.xml": f'{_CT}<workbook xmlns="{_SS}"><sheets><sheet name="S1" sheetId="1"/></sheets></workbook>',
            "xl/sharedStrings.xml": f'{_CT}<sst xmlns="{_SS}" count="{len(shared)}">{sst}</sst>',
            "xl/worksheets/sheet1.xml": sheet,
            "xl/styles.xml": f'{_CT}<styleSheet xmlns="{_SS}"><fonts><font><name val="StyleNoise"/></font></fonts></styleSheet>',
        }
    )


def pptx_bytes(slides: list[str], notes: str = "") -> bytes:
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": f"{_CT}<Types/>",
        "ppt/presentation.xml": f'{_CT}<p:presentation xmlns:p="{_P}"/>',
        "ppt/slideMasters/slideMaster1.xml": f'{_CT}<p:sldMaster xmlns:p="{_P}" xmlns:a="{_A}"><a:t>Click to edit Master title style</a:t></p:sldMaster>',
    }
    for index, text in enumerate(slides, start=1):
        members[f"ppt/slides/slide{index}.xml"] = (
            f'{_CT}<p:sld xmlns:p="{_P}" xmlns:a="{_A}"><p:cSld><p:spTree><p:sp><p:txBody>'
            f"<a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
        )
    if notes:
        members["ppt/notesSlides/notesSlide1.xml"] = (
            f'{_CT}<p:notes xmlns:p="{_P}" xmlns:a="{_A}"><a:p><a:r><a:t>{notes}</a:t></a:r></a:p></p:notes>'
        )
    return zip_bytes(members)


def odt_bytes(text: str) -> bytes:
    ns = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    content = f"{_CT}<office:document-content {ns}><office:body><office:text><text:p>{text}</text:p></office:text></office:body></office:document-content>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def pdf_bytes(lines: list[str], title: str = "") -> bytes:
    """A minimal, valid one-page PDF with a Helvetica text layer."""
    ops = ["BT /F1 12 Tf 72 720 Td 14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    info = f"<< /Title ({title}) >>" if title else "<< >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        info.encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes(size: tuple[int, int] = (1, 1)) -> bytes:
    """A real PNG (made and decodable by Pillow, the standard reader)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


PNG_1PX = png_bytes()


def multipart(
    fields: list[tuple[str, str | None, str | None, bytes]], boundary: str = "XyZ123boundary"
) -> tuple[bytes, str]:
    """(name, filename, content_type, data) parts → (body, content-type header)."""
    out = bytearray()
    for name, filename, ctype, data in fields:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"
