"""Date of birth: a date with birth context next to it."""

from __future__ import annotations

import datetime as dt
import re

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
    )
    CONTEXT_KEY = "dob"
    CONTEXT = context_words(CONTEXT_KEY)

    def validate_result(self, pattern_text: str) -> bool:
        date = parse_date(pattern_text)
        return date is not None and date.year >= 1906 and date <= dt.date.today()
