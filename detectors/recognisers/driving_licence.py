"""UK (DVLA) driving licence number: structure including the encoded date of birth."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier, context_words

_SURNAME = re.compile(r"^[A-Z]+9*$")


def licence_ok(value: str) -> bool:
    """Positions 1-5 surname (letters, then 9 padding); 6 decade; 7-8 month (+50 for
    women); 9-10 day; 11 year digit; 12-13 initials (9 padding); 14 check digit."""
    v = "".join(ch for ch in value if ch.isalnum()).upper()
    if len(v) not in (16, 18):
        return False
    surname, month, day, initials = v[:5], int(v[6:8]), int(v[8:10]), v[11:13]
    if not _SURNAME.match(surname) or not re.fullmatch(r"[A-Z][A-Z9]", initials):
        return False
    if month > 50:
        month -= 50
    return 1 <= month <= 12 and 1 <= day <= 31


class UkDrivingLicenceRecogniser(Recogniser):
    """``MORGA753116SM9IJ`` or spaced ``MORGA 753116 SM9 IJ``."""

    ENTITY = "UK_DRIVING_LICENCE"
    TIER = Tier.STRONG
    IGNORE_CASE = True
    PATTERNS = (
        Pattern(
            "uk_driving_licence",
            r"\b[A-Z9]{5} ?\d[0156]\d[0-3]\d\d ?[A-Z9]{2}\d ?[A-Z]{2}(?: ?\d\d)?\b",
            0.85,
        ),
    )
    CONTEXT_KEY = "driving_licence"
    CONTEXT = context_words(CONTEXT_KEY)

    def validate_result(self, pattern_text: str) -> bool:
        return licence_ok(pattern_text)
