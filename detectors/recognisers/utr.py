"""HMRC Unique Taxpayer Reference: ten digits, the first a check digit."""

from __future__ import annotations

from detectors.base import CtxPattern, Recogniser, Tier, context_words, digits

_WEIGHTS = (6, 7, 8, 9, 10, 5, 4, 3, 2)
_CHECK = (2, 1, 9, 8, 7, 6, 5, 4, 3, 2, 1)


def utr_ok(value: str) -> bool:
    """Weights 6,7,8,9,10,5,4,3,2 over digits 2-10; the remainder mod 11 indexes the
    check digit table (2,1,9,8,...,1), which must equal the first digit."""
    d = digits(value)
    if len(d) != 10 or len(set(d)) == 1:
        return False
    total = sum(int(c) * w for c, w in zip(d[1:], _WEIGHTS, strict=True))
    return _CHECK[total % 11] == int(d[0])


class UtrRecogniser(Recogniser):
    """``UTR 12345 67890`` (optionally with a trailing K). Ten-digit numbers are
    common, so the UTR needs tax context as well as a valid check digit."""

    ENTITY = "UK_UTR"
    TIER = Tier.STRONG
    CONTEXT_WINDOW = 60
    IGNORE_CASE = True
    PATTERNS = (CtxPattern("utr", r"\b\d{5} ?\d{5}(?: ?K)?\b", 0.8),)
    CONTEXT_KEY = "utr"
    CONTEXT = context_words(CONTEXT_KEY)

    def validate_result(self, pattern_text: str) -> bool:
        return utr_ok(pattern_text)
