"""RT-69 / RT-78: Office documents are also read as the application displays them. A value
split by a tracked deletion, an empty field code, a hidden run, or written as symbol
characters, a number shown through a format with literal text, a CHAR() formula, and a Word
watermark: each document is built here, the value is read back with the standard reader
(python-docx, lxml, openpyxl) as the application shows it, and the extraction must hold it
whole."""

from __future__ import annotations

import io
import re

import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings
from proxy.extract import extract
from proxy.extract.files.displayed import render_number_format
from tests.unit.extract.extract_helpers import docx_bytes, request

NINO = "JG103729A"
UPLOAD = "https://files.oaiusercontent.com/file-abc"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def docx_with(paragraph_xml: str) -> bytes:
    """A python-docx document whose second paragraph is ``paragraph_xml``."""
    import zipfile

    data = docx_bytes("Meeting notes\nPLACEHOLDER")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "word/document.xml":
                content = re.sub(
                    r"<w:p>(?:(?!<w:p>).)*?PLACEHOLDER.*?</w:p>",
                    paragraph_xml,
                    content.decode(),
                    flags=re.S,
                ).encode()
            zf.writestr(info, content)
    return out.getvalue()


def word_display(data: bytes) -> str:
    """The second paragraph as Word's final view shows it, read with python-docx's element
    tree: deleted/moved-away/instruction text and hidden runs left out, w:sym drawn."""
    import docx

    paragraph = docx.Document(io.BytesIO(data)).paragraphs[1]._p
    shown = []
    for node in paragraph.iter():
        tag = node.tag.rsplit("}", 1)[-1]
        ancestors = {a.tag.rsplit("}", 1)[-1] for a in node.iterancestors()}
        run_el = next((a for a in node.iterancestors() if a.tag == f"{{{W}}}r"), None)
        hidden = run_el is not None and run_el.find(f"{{{W}}}rPr/{{{W}}}vanish") is not None
        if hidden or "del" in ancestors or "moveFrom" in ancestors:
            continue
        if tag == "t":
            shown.append(node.text or "")
        elif tag == "sym":
            shown.append(chr(int(node.get(f"{{{W}}}char"), 16)))
    return "".join(shown)


FIELD = (
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:instrText xml:space="preserve"> QUOTE "" </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
)
CASES = {
    "tracked deletion": run("Claimant NI JG10")
    + '<w:del w:id="1" w:author="a"><w:r><w:delText>XXXX</w:delText></w:r></w:del>'
    + run("3729A"),
    "moved-away text": run("Claimant NI JG10")
    + '<w:moveFrom w:id="2" w:author="a"><w:r><w:t>ZZ</w:t></w:r></w:moveFrom>'
    + run("3729A"),
    "empty field code": run("Claimant NI JG10") + FIELD + run("3729A"),
    "hidden run": run("Claimant NI JG10")
    + "<w:r><w:rPr><w:vanish/></w:rPr><w:t>zz</w:t></w:r>"
    + run("3729A"),
    "symbol characters": run("Claimant NI ")
    + "".join(f'<w:r><w:sym w:font="Arial" w:char="{ord(c):04X}"/></w:r>' for c in NINO),
}


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(DetectorSettings())


def upload(data: bytes):
    return extract(request(UPLOAD, data, content_type="application/octet-stream", method="PUT"))


def scan_blocks(engine: ScanEngine, data: bytes) -> set[str]:
    text = "\n\n".join(segment.text for segment in upload(data).segments)
    return set(engine.scan(text).categories)


@pytest.mark.parametrize("case", sorted(CASES))
def test_word_value_split_by_what_word_does_not_show_is_read_whole(engine, case: str) -> None:
    data = docx_with(f"<w:p>{CASES[case]}</w:p>")
    assert NINO in word_display(data)  # what Word's final view shows
    texts = [segment.text for segment in upload(data).segments]
    assert any(NINO in text for text in texts), case
    assert "PERSONAL_DATA" in scan_blocks(engine, data)


def test_word_text_without_hidden_parts_gives_no_displayed_copy() -> None:
    """A plain document is read once: the displayed view is only added when it differs."""
    data = docx_with(f"<w:p>{run('Claimant notes for the team')}</w:p>")
    wheres = [segment.where for segment in upload(data).segments]
    assert not any("<displayed>" in where for where in wheres)
    hidden = docx_with(f"<w:p>{CASES['hidden run']}</w:p>")
    assert any("<displayed>" in segment.where for segment in upload(hidden).segments)


def test_deleted_and_hidden_text_itself_is_still_read() -> None:
    """What Word hides is still in the file a model reads: scanned as well."""
    data = docx_with(
        "<w:p>"
        + run("Notes ")
        + f'<w:del w:id="1" w:author="a"><w:r><w:delText>{NINO}</w:delText></w:r></w:del>'
        + "</w:p>"
    )
    assert NINO not in word_display(data)
    assert any(NINO in segment.text for segment in upload(data).segments)


def test_word_watermark_text_is_read(engine) -> None:
    """RT-78: Design > Watermark writes the marking as a VML text path attribute in a header."""
    import docx

    document = docx.Document()
    document.add_paragraph("Briefing for the Minister: the Leeds office closes in March.")
    header = document.sections[0].header.paragraphs[0]._p
    watermark = (
        f'<w:r xmlns:w="{W}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict>'
        '<v:shape id="PowerPlusWaterMarkObject" type="#_x0000_t136" style="rotation:315">'
        '<v:textpath style="font-family:Calibri" string="OFFICIAL-SENSITIVE"/>'
        "</v:shape></w:pict></w:r>"
    )
    from lxml import etree

    header.append(etree.fromstring(watermark))
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    reread = docx.Document(io.BytesIO(data)).sections[0].header.paragraphs[0]._p
    paths = reread.findall(".//{urn:schemas-microsoft-com:vml}textpath")
    assert [p.get("string") for p in paths] == ["OFFICIAL-SENSITIVE"]
    assert "OFFICIAL_SENSITIVE" in scan_blocks(engine, data)


def _xlsx(build) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    build(workbook.active)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def test_xlsx_number_format_with_literal_text_is_read_as_displayed(engine) -> None:
    import openpyxl

    def build(sheet) -> None:
        sheet["A1"], sheet["B1"] = "Claimant NI", 103729
        sheet["B1"].number_format = '"JG"0"A"'

    data = _xlsx(build)
    cell = openpyxl.load_workbook(io.BytesIO(data))["Sheet"]["B1"]
    assert render_number_format(cell.number_format, str(cell.value)) == NINO  # as Excel shows
    assert (cell.value, cell.number_format) == (103729, '"JG"0"A"')
    assert any(NINO in segment.text for segment in upload(data).segments)
    assert "PERSONAL_DATA" in scan_blocks(engine, data)


def test_xlsx_char_formula_without_cached_value_is_evaluated(engine) -> None:
    import openpyxl

    formula = '=CHAR(74)&CHAR(71)&"103729"&CHAR(65)'

    def build(sheet) -> None:
        sheet["A1"], sheet["B1"] = "Claimant NI", formula

    data = _xlsx(build)
    assert openpyxl.load_workbook(io.BytesIO(data))["Sheet"]["B1"].value == formula
    assert any(NINO in segment.text for segment in upload(data).segments)
    assert "PERSONAL_DATA" in scan_blocks(engine, data)


@pytest.mark.parametrize(
    ("code", "value", "shown"),
    [
        ('"JG"0"A"', "103729", "JG103729A"),
        ('"JG"00" "00" "00"A"', "103729", "JG10 37 29A"),
        ("000\\-000\\-0000", "9434765919", "943-476-5919"),
        ('"£"#,##0.00', "1234.5", "£1234.50"),
        ('"Ref "@', "abc", "Ref abc"),
        ('0;"minus "0', "-5", "minus 5"),
        ("0.00", "3", None),  # no literal text: nothing to add
        ('yyyy"-"mm', "45000", None),  # a date: not rendered here
    ],
)
def test_number_formats_render_as_excel_fills_them(code: str, value: str, shown) -> None:
    assert render_number_format(code, value) == shown


RTF_CASES = {
    "hidden group": rb"{\rtf1\ansi{\fonttbl\f0 Arial;}\f0 Claimant NI JG10{\v zz}3729A.\par}",
    "deleted revision": rb"{\rtf1\ansi\f0 Claimant NI JG10{\deleted zz}3729A.\par}",
    "hidden toggled off": rb"{\rtf1\ansi Claimant NI JG10\v zz\'e9\v0 3729A.\par}",
}


@pytest.mark.parametrize("case", sorted(RTF_CASES))
def test_rtf_hidden_and_deleted_text_left_out_as_word_shows_it(engine, case: str) -> None:
    """RT-69: striprtf (the standard reader) keeps hidden text, so the value reads split;
    the displayed view leaves the ``\\v`` / ``\\deleted`` runs out."""
    from striprtf.striprtf import rtf_to_text

    data = RTF_CASES[case]
    assert "JG10" in rtf_to_text(data.decode("cp1252")) and "3729A" in rtf_to_text(data.decode())
    assert NINO not in rtf_to_text(data.decode("cp1252"))
    texts = [segment.text for segment in upload(data).segments]
    assert any(NINO in text for text in texts), case
    assert "PERSONAL_DATA" in scan_blocks(engine, data)


@pytest.mark.parametrize(
    "hidden",
    [
        '<span style="display:none">zz</span>',
        '<span style="visibility: hidden">zz</span>',
        "<span hidden>zz</span>",
        "<template>zz</template>",
        "<del>zz</del>",
    ],
)
def test_html_hidden_element_inside_a_value_is_left_out_as_a_browser_shows_it(
    engine, hidden: str
) -> None:
    """RT-69 / RT-30: a browser does not show hidden elements (nor templates), so the value
    reads whole on screen; the standard parser (html.parser) gives the hidden text inline."""
    from html.parser import HTMLParser

    page = f"<html><body><p>Claimant NI JG10{hidden}3729A, arrears letter.</p></body></html>"

    class Data(HTMLParser):
        text = ""

        def handle_data(self, data: str) -> None:
            self.text += data

    parser = Data()
    parser.feed(page)
    assert "JG10zz3729A" in parser.text
    data = page.encode()
    assert any(NINO in segment.text for segment in upload(data).segments)
    assert "PERSONAL_DATA" in scan_blocks(engine, data)
    # the same markup in a chat message is read rendered too
    message = extract(
        request(
            "https://api.openai.com/v1/chat/completions",
            {"model": "gpt-4o", "messages": [{"role": "user", "content": page}]},
        )
    )
    assert any(NINO in segment.text for segment in message.segments)


def test_visible_html_gives_no_second_copy() -> None:
    from proxy.extract.markup import html_text

    assert html_text("<p>Claimant <b>notes</b> for the team</p>") == "Claimant notes for the team"


def _rewrite_part(data: bytes, name: str, edit) -> bytes:
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == name:
                content = edit(content.decode()).encode()
            zf.writestr(info, content)
    return out.getvalue()


def test_word_list_label_document_variable_and_control_title_are_read(engine) -> None:
    """RT-97: Word prints a list level's label (numbering.xml ``w:lvlText``), a DOCVARIABLE
    field's variable (settings.xml ``w:docVar``) and shows a content control's title
    (``w:alias``); each is an attribute value, read back here with python-docx's parts."""
    import docx

    base = docx_bytes("Meeting notes")
    names = __import__("zipfile").ZipFile(io.BytesIO(base)).namelist()
    assert "word/numbering.xml" in names and "word/settings.xml" in names
    label = _rewrite_part(
        base,
        "word/numbering.xml",
        lambda xml: re.sub(
            r'<w:lvlText w:val="[^"]*"/>',
            f'<w:lvlText w:val="Claimant NI {NINO} - %1."/>',
            xml,
            count=1,
        ),
    )
    variable = _rewrite_part(
        base,
        "word/settings.xml",
        lambda xml: xml.replace(
            "</w:settings>",
            f'<w:docVars><w:docVar w:name="claimantNi" w:val="{NINO}"/></w:docVars></w:settings>',
        ),
    )
    control = docx_with(
        f'<w:sdt><w:sdtPr><w:alias w:val="Claimant NI {NINO}"/><w:tag w:val="ni"/></w:sdtPr>'
        f"<w:sdtContent><w:p>{run('Claimant details')}</w:p></w:sdtContent></w:sdt>"
    )
    ns = {"w": W}
    numbering = docx.Document(io.BytesIO(label)).part.numbering_part.element
    assert NINO in numbering.find(".//w:lvlText", ns).get(f"{{{W}}}val")
    settings = docx.Document(io.BytesIO(variable)).settings.element
    assert settings.find(".//w:docVar", ns).get(f"{{{W}}}val") == NINO
    body = docx.Document(io.BytesIO(control)).element.body
    assert NINO in body.find(".//w:alias", ns).get(f"{{{W}}}val")
    for data in (label, variable, control):
        assert any(NINO in segment.text for segment in upload(data).segments)
        assert "PERSONAL_DATA" in scan_blocks(engine, data)
