"""Legacy Excel workbooks (.xls, BIFF5/BIFF8 in a compound file's ``Workbook`` / ``Book``
stream), read with ``xlrd`` (maintained, BSD; 2.x reads .xls only) as Excel shows them
(red team RT-129): number cells (NUMBER, RK, MULRK records: 8-byte doubles the strings pass
cannot see) as their decimal text, integers without ``.0``; date-formatted cells as
dd/mm/yyyy (a date of birth is stored as a day serial); strings whole across the shared
string table's CONTINUE records. One tab-separated line per row, under the sheet's name.
A helper of the OLE kind; a workbook stream xlrd cannot open is a damaged document. Rows
are read ragged (xlrd would pad every row to the sheet's width: two cells at opposite
corners of a 5.6 KB file made a 65536 x 256 grid, ~150 MB a sheet), and a sheet whose grid
(rows x columns) is larger than the text budget left is ``too_large`` before a row is read."""

from __future__ import annotations

import datetime
import math

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError

WORKBOOK_STREAMS = frozenset({"Workbook", "Book"})


def read_xls(col: Collector, data: bytes, where: str) -> None:
    import xlrd

    col.budget.check_time()
    try:
        book = xlrd.open_workbook(
            file_contents=data, on_demand=True, ragged_rows=True, logfile=_Discard()
        )
    except Exception as error:  # xlrd raises XLRDError and assorted struct errors
        if "encrypted" in str(error).lower():
            col.unreadable("encrypted Excel workbook")
        col.damaged("Excel workbook does not open")
    try:
        lines: list[str] = []
        size = 0
        for index in range(book.nsheets):
            col.budget.check_time()
            try:
                sheet = book.sheet_by_index(index)
            except Exception:
                col.damaged("Excel worksheet does not read")
            if sheet.nrows * sheet.ncols > col.budget.remaining_chars - size:
                raise ExtractionError("too_large", "Excel worksheet grid over max_text_chars")
            lines.append(sheet.name)
            for row in range(sheet.nrows):
                line = "\t".join(_shown(cell, book.datemode) for cell in sheet.row(row))
                size += len(line) + 1
                if size > col.budget.remaining_chars:
                    raise ExtractionError("too_large", "extracted text over max_text_chars")
                lines.append(line)
            book.unload_sheet(index)
    finally:
        book.release_resources()
    col.text("\n".join(lines), f"{where}<cells>")


def _shown(cell: object, datemode: int) -> str:
    import xlrd

    kind, value = cell.ctype, cell.value  # type: ignore[attr-defined]
    if kind == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate_as_datetime(value, datemode)
        except Exception:  # a serial outside Excel's dates: shown as the number
            return _number(value)
        if moment.time() == datetime.time(0):
            return moment.strftime("%d/%m/%Y")
        return moment.strftime("%d/%m/%Y %H:%M:%S")
    if kind == xlrd.XL_CELL_NUMBER:
        return _number(value)
    if kind == xlrd.XL_CELL_TEXT:
        return str(value)
    return ""


def _number(value: float) -> str:
    """A number cell's decimal text; NaN and infinities (no Excel value: it shows #NUM!)
    read as nothing."""
    if not math.isfinite(value):
        return ""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class _Discard:
    """xlrd's log file: its warnings (which may quote cell text) are never printed."""

    def write(self, _text: str) -> None:
        return
