"""Machine-readable zone of a passport or identity card (ICAO 9303), as text (red team
RT-87): the line that holds the document number, nationality, date of birth, sex and
expiry, each number with its check digit.

* TD3 (passports, 2 x 44): line 2 = number(9) check nationality(3) birth(6) check sex
  expiry(6) check personal number(14) check composite-check.
* TD2 (2 x 36): line 2 = number(9) check nationality(3) birth(6) check sex expiry(6) check
  optional(7) composite-check.
* TD1 (identity cards, 3 x 30): line 1 = type(2) issuer(3) number(9) check optional(15).

A line counts alone (strong) when every check digit it carries holds: weights 7, 3, 1
repeating; digits are themselves, ``A``-``Z`` 10-35, the filler ``<`` 0. A random line of
this shape passes four independent checks about once in 10,000 times.
"""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier

_ALNUM = "[A-Z0-9<]"
_NATION = "[A-Z<]{3}"
_SEX = "[MFX<]"
#: number+check, nationality, birth+check, sex, expiry+check (TD2 and TD3 line 2)
_LINE2_HEAD = rf"{_ALNUM}{{9}}\d{_NATION}\d{{7}}{_SEX}\d{{7}}"


def check_digit(field: str) -> int:
    """ICAO 9303 check digit of ``field``."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            value = int(ch)
        elif "A" <= ch <= "Z":
            value = ord(ch) - 55
        else:  # the filler "<"
            value = 0
        total += value * (7, 3, 1)[i % 3]
    return total % 10


def _holds(field: str, check: str) -> bool:
    return check.isdigit() and check_digit(field) == int(check)


def line2_ok(line: str) -> bool:
    """TD3 (44) or TD2 (36) second line: document number, birth date, expiry and composite
    check digits all hold, and the dates are dates."""
    if len(line) not in (36, 44):
        return False
    number, birth, expiry = line[0:10], line[13:20], line[21:28]
    if not (_holds(number[:9], number[9]) and _holds(birth[:6], birth[6])):
        return False
    if not _holds(expiry[:6], expiry[6]) or not (_date(birth[:6]) and _date(expiry[:6])):
        return False
    if number[:9].strip("<") == "" or len(set(number[:9])) == 1:
        return False
    if len(line) == 44:
        personal = line[28:43]
        if personal[14] != "<" and not _holds(personal[:14], personal[14]):
            return False
        composite = line[0:10] + line[13:20] + line[21:43]
        return _holds(composite, line[43])
    composite = line[0:10] + line[13:20] + line[21:35]
    return _holds(composite, line[35])


def td1_line1_ok(line: str) -> bool:
    """TD1 first line: the document number's check digit holds (and it is no filler)."""
    if len(line) != 30:
        return False
    number = line[5:14]
    return number.strip("<") != "" and len(set(number)) > 1 and _holds(number, line[14])


def _date(yymmdd: str) -> bool:
    month, day = int(yymmdd[2:4]), int(yymmdd[4:6])
    return 1 <= month <= 12 and 1 <= day <= 31


class MrzRecogniser(Recogniser):
    """``5334755143GBR6109154F3101016<<<<<<<<<<<<<<02``: a passport's or identity card's
    machine-readable line, validated by its check digits."""

    ENTITY = "PASSPORT_MRZ"
    TIER = Tier.STRONG
    PATTERNS = (
        Pattern("mrz_td3_line2", rf"\b{_LINE2_HEAD}{_ALNUM}{{14}}[0-9<]\d\b", 0.9),
        Pattern("mrz_td2_line2", rf"\b{_LINE2_HEAD}{_ALNUM}{{7}}\d\b", 0.9),
        Pattern("mrz_td1_line1", rf"\b[ACI][A-Z<]{_NATION}{_ALNUM}{{9}}\d{_ALNUM}{{15}}", 0.85),
    )

    def validate_result(self, pattern_text: str) -> bool:
        if len(pattern_text) == 30:
            return "<" in pattern_text and td1_line1_ok(pattern_text)
        return line2_ok(pattern_text)
