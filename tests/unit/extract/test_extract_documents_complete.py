"""Documents are read as completely as their standard readers read them (issue 16 item 2).
Every case first reads the value back with the standard reader (python-docx, openpyxl,
pypdf, gzip, striprtf, html.parser), to prove it was really there."""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from html.parser import HTMLParser

import pytest

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import docx_bytes, joined, request

UPLOAD = "https://files.oaiusercontent.com/file-abc"
SECRET = "JG103729A"


def upload(data: bytes, content_type: str = "application/octet-stream", name: str = ""):
    headers = {"x-file-name": name} if name else None
    return extract(request(UPLOAD, data, content_type=content_type, method="PUT", headers=headers))


def _rewrite(data: bytes, renames: dict[str, str], edits: dict[str, bytes] | None = None) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info)
            for old, new in renames.items():
                content = content.replace(old.encode(), new.encode())
            content = (edits or {}).get(info.filename, content)
            zf.writestr(renames.get(info.filename, info.filename), content)
    return out.getvalue()


# ---- docx ------------------------------------------------------------------------------


def test_docx_main_part_found_through_relationships_whatever_its_name() -> None:
    import docx

    renamed = _rewrite(
        docx_bytes(f"Claimant {SECRET}"),
        {
            "word/document.xml": "word/casefile.bin",
            "word/_rels/document.xml.rels": "word/_rels/casefile.bin.rels",
            "/word/document.xml": "/word/casefile.bin",
        },
    )
    names = zipfile.ZipFile(io.BytesIO(renamed)).namelist()
    assert "word/document.xml" not in names and "word/casefile.bin" in names
    document = docx.Document(io.BytesIO(renamed))  # python-docx follows _rels/.rels
    assert SECRET in "\n".join(p.text for p in document.paragraphs)
    result = upload(renamed)
    assert SECRET in joined(result)


def test_docx_headers_footers_and_comments() -> None:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph("Body text")
    document.sections[0].header.paragraphs[0].text = f"Header {SECRET}"
    document.sections[0].footer.paragraphs[0].text = "Footer NHS 943 476 5919"
    document.add_comment(paragraph.runs, text="Comment: claimant AB 12 34 56 C", author="A")
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    back = docx.Document(io.BytesIO(data))
    assert SECRET in back.sections[0].header.paragraphs[0].text
    assert "943 476 5919" in back.sections[0].footer.paragraphs[0].text
    assert any("AB 12 34 56 C" in c.text for c in back.comments)
    text = joined(upload(data))
    assert {SECRET, "943 476 5919", "AB 12 34 56 C"} <= {
        s for s in (SECRET, "943 476 5919", "AB 12 34 56 C") if s in text
    }


def test_docx_footnotes_part_is_read() -> None:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    footnotes = (
        f'<w:footnotes xmlns:w="{w}"><w:footnote w:id="1"><w:p><w:r>'
        f"<w:t>Footnote {SECRET}</w:t></w:r></w:p></w:footnote></w:footnotes>"
    ).encode()
    buf = io.BytesIO(docx_bytes("Body"))
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("word/footnotes.xml", footnotes)
    assert SECRET.encode() in zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("word/footnotes.xml")
    assert SECRET in joined(upload(buf.getvalue()))


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""

    def handle_data(self, data: str) -> None:
        self.text += data


def _html_text(html: str) -> str:
    parser = _Html()
    parser.feed(html)
    return parser.text


def test_docx_altchunk_html_is_read_as_html() -> None:
    html = "<html><body><p>NINO &#74;&#71;<b></b>103729A</p></body></html>"
    assert SECRET in _html_text(html)  # what a browser (and Word's import) shows
    data = docx_bytes("Body")
    rel = (
        '<Relationship Id="rIdAlt1" Target="afchunk.mht" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/aFChunk"/>'
    )
    src = zipfile.ZipFile(io.BytesIO(data))
    rels = src.read("word/_rels/document.xml.rels").replace(
        b"</Relationships>", rel.encode() + b"</Relationships>"
    )
    body = src.read("word/document.xml").replace(
        b"</w:body>", b'<w:altChunk r:id="rIdAlt1"/></w:body>'
    )
    packed = _rewrite(data, {}, {"word/_rels/document.xml.rels": rels, "word/document.xml": body})
    buf = io.BytesIO(packed)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("word/afchunk.mht", html)
    assert SECRET in joined(upload(buf.getvalue()))


# ---- xlsx ------------------------------------------------------------------------------


def _workbook() -> bytes:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.workbook.defined_name import DefinedName

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = f"Case {SECRET}"
    sheet["A1"] = '="JG10"&"3729A"'  # a formula, no cached value
    sheet["B1"] = '=CONCATENATE(943,"476",5919)'
    sheet["C1"] = "plain"
    sheet["C1"].comment = Comment("Reviewer note: AB 12 34 56 C", "reviewer")
    wb.defined_names["claimant"] = DefinedName("claimant", attr_text='"NHS 943 476 5919"')
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_formulas_sheet_names_defined_names_and_comments() -> None:
    import openpyxl

    data = _workbook()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb.worksheets[0]
    assert SECRET in sheet.title
    assert sheet["A1"].value == '="JG10"&"3729A"'
    assert "943 476 5919" in wb.defined_names["claimant"].attr_text
    assert "AB 12 34 56 C" in sheet["C1"].comment.text
    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True).worksheets[0]["A1"].value
    assert cached is None  # no cached value: a reader that only takes values sees nothing
    text = joined(upload(data))
    assert f"Case {SECRET}" in text
    assert "JG103729A" in text.replace(f"Case {SECRET}", "")  # the formula's literals joined
    assert "9434765919" in text
    assert "943 476 5919" in text
    assert "AB 12 34 56 C" in text


# ---- gzip, RTF, HTML -----------------------------------------------------------------


def test_gzip_every_member_is_read() -> None:
    data = gzip.compress(b"first member, nothing here\n") + gzip.compress(
        f"second member {SECRET}\n".encode()
    )
    assert SECRET.encode() in gzip.decompress(data)  # gunzip reads every member
    assert SECRET in joined(upload(data, name="notes.txt.gz"))


def test_gzip_damaged_member_fails_closed() -> None:
    good = gzip.compress(b"first")
    broken = bytearray(gzip.compress(f"second {SECRET}".encode() * 20))
    broken[20] ^= 0xFF
    with pytest.raises(ExtractionError) as info:
        upload(good + bytes(broken))
    assert info.value.reason == "unparseable"


def test_zstd_every_frame_is_read() -> None:
    """RT-100: zstd (a .zst upload, a websocket binary frame) is inflated like gzip."""
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]

    data = zstd.compress(b"first frame, nothing here\n") + zstd.compress(
        f"second frame {SECRET}\n".encode()
    )
    assert SECRET.encode() in zstd.decompress(data)  # zstd -d reads every frame
    assert SECRET in joined(upload(data, name="notes.txt.zst"))
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"pad!"
    assert SECRET in joined(upload(skippable + data, name="notes.zst"))
    with pytest.raises(ExtractionError) as info:
        upload(b"\x28\xb5\x2f\xfd" + b"not a frame" * 4)
    assert info.value.reason == "unparseable"


def test_rtf_hex_and_unicode_escapes() -> None:
    from striprtf.striprtf import rtf_to_text

    rtf = (
        rb"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 NINO \'4a\'47103729A; "
        rb"again \u74?\u71?103729A\par}"
    )
    assert rtf_to_text(rtf.decode()).count(SECRET) == 2
    text = joined(upload(rtf, "application/rtf"))
    assert text.count(SECRET) >= 2


def test_html_entities_and_tags_between_characters() -> None:
    html = "<!doctype html><p>NINO J<span></span>G&#49;0<!-- x -->3729&#x41;</p>"
    assert SECRET in _html_text(re.sub(r"<!--.*?-->", "", html))
    assert SECRET in joined(upload(html.encode(), "text/html"))
    # the same markup pasted into a chat message
    body = {"model": "m", "messages": [{"role": "user", "content": html}]}
    found = joined(extract(request("https://api.openai.com/v1/chat/completions", body)))
    assert SECRET in found


# ---- pptx ------------------------------------------------------------------------------


def test_pptx_slide_text_table_and_notes_read_back_with_python_pptx() -> None:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Case review"
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    table.cell(1, 1).text = f"NINO {SECRET}"
    slide.notes_slide.notes_text_frame.text = "Speaker note: NHS 943 476 5919"
    buf = io.BytesIO()
    deck.save(buf)
    data = buf.getvalue()
    back = Presentation(io.BytesIO(data)).slides[0]
    cells = [c.text for s in back.shapes if s.has_table for r in s.table.rows for c in r.cells]
    assert f"NINO {SECRET}" in cells
    assert "943 476 5919" in back.notes_slide.notes_text_frame.text
    # the slide part renamed (python-pptx finds slides through relationships, so do we)
    renamed = _rewrite(
        data,
        {
            "ppt/slides/slide1.xml": "ppt/slides/deck-a.xml",
            "slides/slide1.xml": "slides/deck-a.xml",
            "ppt/slides/_rels/slide1.xml.rels": "ppt/slides/_rels/deck-a.xml.rels",
        },
    )
    assert "ppt/slides/slide1.xml" not in zipfile.ZipFile(io.BytesIO(renamed)).namelist()
    assert Presentation(io.BytesIO(renamed)).slides[0].shapes.title.text == "Case review"
    for blob in (data, renamed):
        text = joined(upload(blob))
        assert SECRET in text and "943 476 5919" in text
