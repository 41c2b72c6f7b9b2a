"""NHS number: ten digits, mod-11 check digit."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import CtxPattern, Recogniser, Tier, digits


def nhs_checksum_ok(number: str) -> bool:
    """Mod-11: weights 10..2 over the first nine digits; 11 - remainder is the check
    digit (11 → 0; 10 means the number is invalid)."""
    if len(number) != 10 or not number.isdigit() or len(set(number)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[9])


class NhsNumberRecogniser(Recogniser):
    """``485 777 3456`` (3-3-4, any separator) counts alone once the checksum holds;
    an unseparated run of ten digits needs NHS/health context."""

    ENTITY = "UK_NHS"
    TIER = Tier.STRONG
    PATTERNS = (
        Pattern("nhs_grouped", r"\b[1-9]\d\d[ .\-_/]\d{3}[ .\-_/]\d{4}\b", 0.85),
        CtxPattern("nhs_plain", r"\b[1-9]\d{9}\b", 0.6),
    )
    CONTEXT = (
        "nhs",
        "nhs number",
        "nhs no",
        "health service",
        "patient",
        "hospital",
        "gp",
        "medical",
        "chi number",
        "health and care number",
    )

    def validate_result(self, pattern_text: str) -> bool:
        return nhs_checksum_ok(digits(pattern_text))
