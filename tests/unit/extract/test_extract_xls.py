"""Legacy .xls workbooks read as Excel shows them (red team RT-129): a number cell (an 8-byte
double in a NUMBER / RK record, invisible to a strings pass), a date of birth stored as a day
serial with a date format, and a string cut by the shared string table's CONTINUE record.
Each workbook is written here with xlwt and read back with xlrd to prove the value is there."""

from __future__ import annotations

import datetime
import io
import re

import pytest
import xlrd
import xlwt

from detectors.engine import ScanEngine
from proxy.extract import extract
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
NHS = 9434765919  # valid check digit, made up


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def _save(book: xlwt.Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_a_number_cell_is_read_as_its_digits(engine: ScanEngine) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Patients")
    sheet.write(0, 0, "Name")
    sheet.write(0, 1, "NHS number")
    sheet.write(1, 0, "Jane Smith")
    sheet.write(1, 1, NHS)
    data = _save(book)
    assert xlrd.open_workbook(file_contents=data).sheet_by_index(0).cell_value(1, 1) == NHS
    assert str(NHS).encode() not in data  # a double, not text
    text = joined(upload(data))
    assert re.search(rf"Jane Smith\t{NHS}", text)
    assert engine.scan(text).categories


def test_a_date_of_birth_serial_is_read_as_a_date() -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Staff")
    sheet.write(0, 0, "Jane Smith")
    sheet.write(0, 1, datetime.date(1970, 3, 5), xlwt.easyxf(num_format_str="dd/mm/yyyy"))
    data = _save(book)
    back = xlrd.open_workbook(file_contents=data)
    cell = back.sheet_by_index(0).cell(0, 1)
    assert cell.ctype == xlrd.XL_CELL_DATE
    assert xlrd.xldate_as_datetime(cell.value, back.datemode).date() == datetime.date(1970, 3, 5)
    assert "Jane Smith\t05/03/1970" in joined(upload(data))


def test_a_string_across_the_shared_string_continue_record_reads_whole() -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Cases")
    for row in range(400):  # ~9 KB of distinct strings: the SST continues past 8224 bytes
        sheet.write(row, 0, f"Case reference {row:05d} reviewed by the panel")
    sheet.write(400, 0, f"NI number {NINO} (claimant)")
    data = _save(book)
    assert xlrd.open_workbook(file_contents=data).sheet_by_index(0).cell_value(400, 0) == (
        f"NI number {NINO} (claimant)"
    )
    assert NINO in joined(upload(data))


def test_a_clean_workbook_passes(engine: ScanEngine) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Budget")
    for row in range(50):
        sheet.write(row, 0, f"Line {row}")
        sheet.write(row, 1, row * 1250.5)
    text = joined(upload(_save(book)))
    assert "Line 49\t61274.5" in text
    assert not engine.scan(text).categories


def test_a_workbook_stream_that_does_not_open_fails_closed() -> None:
    from proxy.extract.datatypes import ExtractionError
    from tests.unit.extract.cfb import Node, build

    data = build([Node("Workbook", b"\x09\x08\x10\x00" + b"\xff" * 5000)])
    with pytest.raises(ExtractionError) as err:
        upload(data)
    assert err.value.reason == "unparseable"
