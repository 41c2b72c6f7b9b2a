"""Sort code with account number (bank details)."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from detectors.base import CtxPattern, Recogniser, Tier, context_words

_SORT = r"\b\d\d[ \-/.]\d\d[ \-/.]\d\d\b"
_SORT_PLAIN = r"\b\d{6}\b"
_ACCOUNT = r"\b\d{8}\b"
_GAP = r"[^0-9]{1,60}"
#: a cell separator of a pasted table (TSV, CSV, pipes, semicolons)
_CELL = r"[ ]*[\t,|;][ ]*"
#: a table row: a cell holding a word (a payee's name), then a sort code cell and an
#: account number cell ("Jane Smith<TAB>204577<TAB>41298037"; red team RT-18): the
#: columns say what the numbers are even with no header
_ROW = (
    rf"(?m)(?:^|\n)[ \t|]*[^\W\d_][^\t,|;\n]{{0,60}}{_CELL}"
    rf"(?P<v>(?:\d{{6}}|\d\d[ \-/.]\d\d[ \-/.]\d\d){_CELL}\d{{8}})(?:[ ]*[\t,|;\r\n]|$)"
)
_YEAR_MONTH = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])")
_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
#: the values documentation uses as an example ("sort code 12-34-56, account 12345678")
_PLACEHOLDER_SORT = frozenset({"123456", "000000", "112233", "654321", "999999", "111111"})
_PLACEHOLDER_ACCOUNT = frozenset(
    {"12345678", "87654321", "00000000", "11111111", "99999999", "01234567", "11223344"}
)


class SortCodeAccountRecogniser(Recogniser):
    """``sort code 20-45-77, account 41234567`` (either order). A sort code alone is a
    bank branch, not a person; a lone account number with account context is weak."""

    ENTITY = "UK_BANK_DETAILS"
    TIER = Tier.STRONG
    CONTEXT_WINDOW = 60
    PATTERNS = (
        CtxPattern("sort_then_account", rf"{_SORT}{_GAP}{_ACCOUNT}", 0.85),
        CtxPattern("account_then_sort", rf"{_ACCOUNT}{_GAP}{_SORT}", 0.85),
        CtxPattern("plain_sort_then_account", rf"{_SORT_PLAIN}{_GAP}{_ACCOUNT}", 0.7),
        CtxPattern("account_then_plain_sort", rf"{_ACCOUNT}{_GAP}{_SORT_PLAIN}", 0.7),
        CtxPattern("account_only", _ACCOUNT, 0.4),
        Pattern("table_row_sort_account", _ROW, 0.7),
        # a hyphenated sort code right before an account number ("pay 40-47-84 70872490",
        # "40-47-84 / 70872490"): the pair is bank details without a label (red team)
        Pattern(
            "sort_account_pair",
            r"\b\d\d-\d\d-\d\d(?:[ \t]{1,3}|[ \t]{0,3}[/,|][ \t]{0,3})\d{8}\b",
            0.75,
        ),
    )
    CONTEXT_KEY = "bank"
    CONTEXT = context_words(CONTEXT_KEY)
    TIERS: ClassVar[dict[str, str]] = {"UK_BANK_ACCOUNT": Tier.WEAK}

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = re.findall(r"\d+", pattern_text)
        joined = "".join(digits)
        sort, account = joined[:6], joined[6:]
        if len(joined) == 8:
            sort, account = "", joined
        if sort in _PLACEHOLDER_SORT or account in _PLACEHOLDER_ACCOUNT:
            return True
        # "202401<TAB>20240131": a month and a date, not a sort code and an account
        return bool(_YEAR_MONTH.fullmatch(sort) and _DATE.fullmatch(account))

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        value = text[start:end]
        if value.isdigit() and len(value) == 8:
            return start, end, "UK_BANK_ACCOUNT"
        return start, end, self.ENTITY
