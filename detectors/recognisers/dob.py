"""Date of birth: a date with birth context next to it."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re

from presidio_analyzer import Pattern

from detectors.base import CtxPattern, Recogniser, Tier, context_words

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_RX = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[0-2]?\d|3[01])(?:st|nd|rd|th)?"
_NUMERIC = r"\b(?:[0-2]?\d|3[01])[/.\-](?:0?\d|1[0-2])[/.\-](?:\d{4}|\d{2})\b"
_ISO = r"\b(?:19|20)\d\d-(?:0\d|1[0-2])-(?:[0-2]\d|3[01])\b"
_DMY_WORDS = rf"\b{_DAY}(?: of)?[ ]{_MONTH_RX},?[ ]\d{{4}}\b"
_MDY_WORDS = rf"\b{_MONTH_RX}[ ]{_DAY},?[ ]\d{{4}}\b"
_TOKENS = re.compile(r"[A-Za-z]+|\d+")
#: a spreadsheet's date as it stores it (red team RT-129): the day serial (days since
#: 1899-12-30), alone in its cell of a tab, comma, pipe or semicolon separated row
_SERIAL = r"(?m)(?:^|[\t,|;])[ \t]*(?P<v>[2-9]\d{3}|[1-4]\d{4})(?:\.0+)?[ \t]*(?:[\t,|;\r\n]|$)"
_SERIAL_EPOCH = dt.date(1899, 12, 30)
#: the cells that head a date-of-birth column, or label the cell after them
_DOB_CELL = re.compile(
    r"(?im)(?:^|(?<=[\t,|;]))[ ]*[\"']?(?:date of birth|birth ?date|dob|d\.o\.b\.?)[\"']?"
    r"[ ]*(?=[\t,|;\r\n]|$)"
)
#: how far above its row a column's header may be
SERIAL_HEADER_CHARS = 8_000
_CELL_SEPARATORS = "\t,|;"


def parse_date(value: str) -> dt.date | None:
    """Parse the forms above into a date (two-digit years: the last 100 years)."""
    toks = _TOKENS.findall(value.lower())
    toks = [t for t in toks if t not in ("st", "nd", "rd", "th", "of")]
    try:
        if len(toks) != 3:
            return None
        a, b, c = toks
        if a.isdigit() and len(a) == 4:  # ISO
            y, m, d = int(a), int(b), int(c)
        elif a.isdigit() and b.isdigit():
            d, m, y = int(a), int(b), int(c)
        elif a.isdigit():
            d, m, y = int(a), _MONTHS[b.rstrip(".")], int(c)
        else:
            m, d, y = _MONTHS[a.rstrip(".")], int(b), int(c)
        if y < 100:
            today = dt.date.today()
            y += 2000 if 2000 + y <= today.year else 1900
        return dt.date(y, m, d)
    except (KeyError, ValueError):
        return None


class DateOfBirthRecogniser(Recogniser):
    """``DOB: 12/03/1985``, ``born 3rd March 1985``. A date counts as a date of birth
    only with birth context within a short window; a birth year before 1906 belongs to
    someone no longer living (a historical figure), so it does not count."""

    ENTITY = "DATE_OF_BIRTH"
    TIER = Tier.WEAK
    IGNORE_CASE = True
    CONTEXT_WINDOW = 40
    PATTERNS = (
        CtxPattern("dob_numeric", _NUMERIC, 0.6),
        CtxPattern("dob_iso", _ISO, 0.6),
        CtxPattern("dob_dmy_words", _DMY_WORDS, 0.6),
        CtxPattern("dob_mdy_words", _MDY_WORDS, 0.6),
        Pattern("dob_serial", _SERIAL, 0.5),
    )
    CONTEXT_KEY = "dob"
    CONTEXT = context_words(CONTEXT_KEY)

    def validate_result(self, pattern_text: str) -> bool:
        if pattern_text.isdigit():  # a day serial: its column decides (refine)
            date = _SERIAL_EPOCH + dt.timedelta(days=int(pattern_text))
        else:
            date = parse_date(pattern_text)
        return date is not None and date.year >= 1906 and date <= dt.date.today()

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        """A day serial is a date of birth only in a date-of-birth column (its header cell
        above, in the same column of a row separated the same way) or right after a
        date-of-birth label cell; any other number is left alone."""
        if not text[start:end].isdigit():
            return start, end, self.ENTITY
        labels = _dob_cells(text)
        if not labels:
            return None
        line_start = text.rfind("\n", 0, start) + 1
        sep = _separator(text, line_start, start, end)
        if sep is None:
            return None
        column = text.count(sep, line_start, start)
        i = bisect.bisect_right(labels, start) - 1
        while i >= 0 and start - labels[i] <= SERIAL_HEADER_CHARS:
            at = labels[i]
            head_start = text.rfind("\n", 0, at) + 1
            head_column = text.count(sep, head_start, at)
            if head_start == line_start and head_column == column - 1:
                return start, end, self.ENTITY  # "DOB<TAB>25632"
            if head_start < line_start and head_column == column and "\n\n" not in text[at:start]:
                return start, end, self.ENTITY  # the column's header
            i -= 1
        return None


def _separator(text: str, line_start: int, start: int, end: int) -> str | None:
    """The cell separator around a value: the one before it, else the one after."""
    before = text[line_start:start].rstrip(" ")
    if before and before[-1] in _CELL_SEPARATORS:
        return before[-1]
    after = text[end : end + 8].lstrip(" .0")
    if after and after[0] in _CELL_SEPARATORS:
        return after[0]
    return None


@functools.lru_cache(maxsize=2)
def _dob_cells(text: str) -> list[int]:
    """Where the date-of-birth label cells of ``text`` start (one search per text)."""
    return [m.start() for m in _DOB_CELL.finditer(text)]
