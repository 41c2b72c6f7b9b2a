"""UK National Insurance number (HMRC prefix rules; spaced, dotted and dashed forms)."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import SEP, CtxPattern, Recogniser, Tier, context_words

_BAD_FIRST = frozenset("DFIQUV")
_BAD_SECOND = frozenset("DFIOQUV")
_BAD_PREFIX = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def _birth_date(pattern_text: str) -> bool:
    """The six digits of a temporary reference are a date of birth, DDMMYY."""
    number = "".join(c for c in pattern_text if c.isdigit())
    day, month = int(number[:2]), int(number[2:4])
    return 1 <= day <= 31 and 1 <= month <= 12


class NinoRecogniser(Recogniser):
    """``AB 12 34 56 C``: two prefix letters, six digits, suffix A-D.

    Without the suffix (``AB123456``) it counts only next to NINO context words.
    """

    ENTITY = "UK_NINO"
    TIER = Tier.STRONG
    IGNORE_CASE = True
    PATTERNS = (
        Pattern("nino", rf"\b[A-Z]{SEP}[A-Z](?:{SEP}\d\d){{3}}{SEP}[A-D]\b", 0.9),
        CtxPattern("nino_no_suffix", rf"\b[A-Z]{SEP}[A-Z](?:{SEP}\d\d){{3}}\b", 0.6),
        # DWP's temporary reference (red team RT-86): TN, the date of birth (DDMMYY) and
        # the sex (M/F): "TN 01 01 90 F". It stands for a NINO in DWP systems.
        Pattern("nino_temporary", rf"\bTN(?:{SEP}\d\d){{3}}{SEP}[MF]\b", 0.8),
    )
    CONTEXT_KEY = "nino"
    CONTEXT = context_words(CONTEXT_KEY)

    def validate_result(self, pattern_text: str) -> bool:
        letters = [c.upper() for c in pattern_text if c.isalpha()]
        if letters[:2] == ["T", "N"] and letters[-1:] in (["M"], ["F"]):
            return _birth_date(pattern_text)
        first, second = letters[0], letters[1]
        if first in _BAD_FIRST or second in _BAD_SECOND or first + second in _BAD_PREFIX:
            return False
        return len(letters) == 2 or letters[2] in "ABCD"
