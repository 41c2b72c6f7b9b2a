"""People in table cells (red team RT-129, RT-140): a date of birth as a spreadsheet stores
it (a day serial) under a date-of-birth header, and a name held in two cells (forename,
surname) of a TSV, pipe or HTML row. Each test pins one rule, both sides. Texts and
workbooks written here, independently of the evaluation corpora."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.unit.detectors.test_request_parts import FILES, scanned, upload

PERSONAL = ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def categories(engine, text: str) -> list[str]:
    return engine.scan(text).categories


def entity_types(engine, text: str) -> set[str]:
    return {f.entity_type for f in engine.scan(text).findings}


# Rule: a 4-5 digit day serial (a date from 1906 to today) alone in its cell is a date of
# birth when its column's header cell above is a date-of-birth label, or the cell before
# it on the same row is one. The same number in another column, in a table with no such
# header, or under a header of an earlier table (a blank line between) is no date.
@pytest.mark.parametrize(
    "text",
    [
        "Name\tDate of birth\tTeam\nOliver Grant\t27411\tLeeds\n",
        "name,dob,office\nOliver Grant,27411,Leeds\n",
        "Ref | Name | D.O.B\n1 | Oliver Grant | 27411\n",
        "Oliver Grant\nDOB\t27411\n",
    ],
)
def test_a_day_serial_under_a_date_of_birth_header(engine, text) -> None:
    assert "DATE_OF_BIRTH" in entity_types(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "Name\tDate of birth\tStaff no\nOliver Grant\t\t27411\n",
        "Month\tCalls\tMinutes\nJan\t27411\t31022\nFeb\t26877\t30010\n",
        "Name\tDate of birth\nOliver Grant\t01/01/1975\n\nInvoices\nLeeds\t27411\n",
        "The DOB field was added in 27411 of the releases.",
    ],
)
def test_a_number_outside_a_date_of_birth_column(engine, text) -> None:
    assert "DATE_OF_BIRTH" not in {
        f.entity_type for f in engine.scan(text).findings if text[f.start : f.end] == "27411"
    }


def test_a_workbook_date_of_birth_cell_read_through_the_upload(engine) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Date of birth"])
    sheet.append(["Oliver Grant", dt.datetime(1975, 1, 18)])
    sheet["B2"].number_format = "dd/mm/yyyy"
    data = io.BytesIO()
    book.save(data)
    assert scanned(engine, FILES, upload(data.getvalue(), "staff.xlsx")) == ["PERSONAL_DATA"]


# Rule: under a forename / surname header, a known forename and a capitalised surname in
# two cells of a row (TSV, pipes, HTML <td>/<th>) are one name, so the row's condition is
# special category about that person; rows with no sensitive cell and a product table with no
# such header stay allowed.
@pytest.mark.parametrize(
    "text",
    [
        "Tidy this list:\nForename\tSurname\tCondition\nAmelia\tHartley\tepilepsy\n",
        "| Forename | Surname | Need |\n|---|---|---|\n| Amelia | Hartley | wheelchair user |",
        "<table><tr><th>First name</th><th>Last name</th><th>Health</th></tr><tr><td>Amelia</td>"
        "<td>Hartley</td><td>type 1 diabetes</td></tr></table>",
    ],
)
def test_a_name_split_over_two_cells(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "Forename\tSurname\tTeam\nAmelia\tHartley\tPayroll\n",
        "<table><tr><th>Forename</th><th>Surname</th><th>Office</th></tr><tr><td>Amelia</td>"
        "<td>Hartley</td><td>Leeds</td></tr></table>",
        "| Product | Version | Notes |\n|---|---|---|\n| Ruby | Rails | depression of prices |",
    ],
)
def test_cells_with_nothing_sensitive_about_a_person(engine, text) -> None:
    assert "SPECIAL_CATEGORY" not in categories(engine, text)
