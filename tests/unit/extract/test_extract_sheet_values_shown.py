"""Spreadsheet and ODF places where a value is stored unlike it is shown (red team RT-129,
RT-131): Excel print header/footer codes glued to a marking (``&C``, ``&"Arial,Bold"&14``),
a number cell in E-notation, a date of birth stored as a day serial with a date format, an
ODS cell whose only value is ``office:value`` / ``office:date-value``, and an ODT span hidden
by its style inside a NINO. Each file is built here and read back (openpyxl; ElementTree for
ODF, whose attribute is what LibreOffice renders) to prove the value is really there."""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET
import zipfile

import openpyxl
import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
MARKING = "OFFICIAL-SENSITIVE"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def _save(workbook: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def _rewrite(data: bytes, part: str, old: str, new: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == part:
                assert old.encode() in body
                body = body.replace(old.encode(), new.encode())
            out.writestr(info, body)
    return buf.getvalue()


@pytest.mark.parametrize("where", ["footer centre", "header with font codes", "first page"])
def test_a_marking_in_a_print_header_or_footer_is_read(engine: ScanEngine, where: str) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "Quarterly figures"
    if where == "footer centre":
        sheet.oddFooter.center.text = MARKING
    elif where == "header with font codes":
        sheet.oddHeader.left.text = MARKING
        sheet.oddHeader.left.font = "Arial,Bold"
        sheet.oddHeader.left.size = 14
    else:
        sheet.HeaderFooter.differentFirst = True
        sheet.firstHeader.center.text = MARKING
    data = _save(workbook)
    if where == "header with font codes":  # as Excel writes it: the size code glued on
        data = _rewrite(data, "xl/worksheets/sheet1.xml", f"&amp;14 {MARKING}", f"&amp;14{MARKING}")
    back = openpyxl.load_workbook(io.BytesIO(data)).active
    part = {"footer centre": back.oddFooter.center, "first page": back.firstHeader.center}
    assert part.get(where, back.oddHeader.left).text == MARKING
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert f">{MARKING}" not in xml  # glued to a code: &C / &14 before the word
    text = joined(upload(data))
    assert re.search(f"(?m)^{MARKING}$", text)
    assert engine.scan(text).categories  # (the rest of the workbook is clean)


def test_header_codes_leave_plain_text_alone() -> None:
    from proxy.extract.files.ooxml import header_footer_text

    assert header_footer_text('&L&"Arial,Bold"&14Tom && Jerry&RPage &P of &N') == (
        "\nTom & Jerry\nPage  of "
    )


def test_a_number_in_e_notation_is_read_as_the_integer_shown() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Jane Smith", "NHS number", 9434765919])
    data = _rewrite(_save(workbook), "xl/worksheets/sheet1.xml", "9434765919", "9.434765919E9")
    back = openpyxl.load_workbook(io.BytesIO(data)).active
    assert int(back["C1"].value) == 9434765919
    assert "9434765919" in joined(upload(data))


def test_a_date_of_birth_stored_as_a_day_serial_is_read_as_a_date() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Date of birth"])
    sheet.append(["Jane Smith", datetime.date(1970, 3, 5)])
    sheet["B2"].number_format = "dd/mm/yyyy"
    data = _save(workbook)
    back = openpyxl.load_workbook(io.BytesIO(data)).active
    assert back["B2"].value.date() == datetime.date(1970, 3, 5)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>25632</v>" in xml
    assert "05/03/1970" in joined(upload(data))


def test_a_plain_number_cell_gets_no_date() -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Total", 25632])
    assert "05/03/1970" not in joined(upload(_save(workbook)))


def _odf(content: str, mimetype: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        zf.writestr("content.xml", content)
        zf.writestr("META-INF/manifest.xml", "<manifest/>")
    return buf.getvalue()


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
)
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _ods(cells: str) -> bytes:
    content = (
        f'<?xml version="1.0"?><office:document-content {ODF_NS}><office:body>'
        f"<office:spreadsheet><table:table><table:table-row>{cells}</table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    return _odf(content, "application/vnd.oasis.opendocument.spreadsheet")


def test_an_ods_value_with_no_text_is_read() -> None:
    data = _ods(
        '<table:table-cell office:value-type="string"><text:p>NHS number</text:p>'
        '</table:table-cell><table:table-cell office:value-type="float" '
        'office:value="9.434765919E9"/>'
    )
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("content.xml"))
    values = [e.get(f"{OFFICE}value") for e in root.iter() if e.get(f"{OFFICE}value")]
    assert int(float(values[0])) == 9434765919
    assert "9434765919" in joined(upload(data))


def test_an_ods_date_value_with_no_text_is_read_as_a_date() -> None:
    data = _ods(
        '<table:table-cell office:value-type="string"><text:p>Jane Smith</text:p>'
        '</table:table-cell><table:table-cell office:value-type="date" '
        'office:date-value="1970-03-05"/>'
    )
    assert re.search(r"Jane Smith\s+05/03/1970", joined(upload(data)))


@pytest.mark.parametrize("hiding", ["span", "field"])
def test_an_odt_hidden_span_inside_a_nino_is_read_as_displayed(
    engine: ScanEngine, hiding: str
) -> None:
    hidden = (
        '<text:span text:style-name="T9">xx</text:span>'
        if hiding == "span"
        else '<text:hidden-text text:condition="ooow:1" text:string-value="xx">xx</text:hidden-text>'
    )
    content = (
        f'<?xml version="1.0"?><office:document-content {ODF_NS}><office:automatic-styles>'
        '<style:style style:name="T9" style:family="text"><style:text-properties '
        'text:display="none"/></style:style></office:automatic-styles><office:body>'
        f"<office:text><text:p>Claimant NI number JG10{hidden}3729A</text:p></office:text>"
        "</office:body></office:document-content>"
    )
    data = _odf(content, "application/vnd.oasis.opendocument.text")
    root = ET.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("content.xml"))
    assert "".join(root.itertext()).endswith("JG10xx3729A")
    text = joined(upload(data))
    assert NINO in text
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}
