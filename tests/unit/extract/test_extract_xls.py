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


def test_a_sparse_corner_to_corner_sheet_is_refused_without_padding_its_rows() -> None:
    """Two cells at opposite corners (0,0) and (65535,255): a ~6 KB file whose rows xlrd
    would pad to a 65536 x 256 grid (~150 MB a sheet). Read ragged, the grid is measured
    against the text budget and refused before a row is built."""
    import tracemalloc

    from proxy.extract.datatypes import ExtractionError

    book = xlwt.Workbook()
    for index in range(3):
        sheet = book.add_sheet(f"S{index}")
        sheet.write(0, 0, "top left")
        sheet.write(65535, 255, "bottom right")
    data = _save(book)
    assert len(data) < 20_000
    tracemalloc.start()
    try:
        with pytest.raises(ExtractionError) as err:
            upload(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.reason == "too_large"
    assert peak < 50 * 1024 * 1024  # a padded sheet alone is ~150 MB


def test_a_sheet_with_a_far_cell_within_the_budget_still_reads() -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Sparse")
    sheet.write(0, 0, "Jane Smith")
    sheet.write(2000, 40, f"NI {NINO}")
    text = joined(upload(_save(book)))
    assert "Jane Smith" in text and f"NI {NINO}" in text


def test_nan_and_infinite_number_cells_read_without_error() -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Odd")
    sheet.write(0, 0, "Jane Smith")
    sheet.write(0, 1, float("nan"))
    sheet.write(0, 2, float("inf"))
    sheet.write(0, 3, float("-inf"))
    sheet.write(0, 4, NHS)
    sheet.write(1, 0, float("nan"), xlwt.easyxf(num_format_str="dd/mm/yyyy"))
    data = _save(book)
    cell = xlrd.open_workbook(file_contents=data).sheet_by_index(0).cell(0, 1)
    assert cell.ctype == xlrd.XL_CELL_NUMBER and cell.value != cell.value  # a NaN double
    assert f"Jane Smith\t\t\t\t{NHS}" in joined(upload(data))
