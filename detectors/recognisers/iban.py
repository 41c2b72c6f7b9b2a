"""IBAN (ISO 13616): country, check digits (mod 97) and the per-country length."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier

#: Lengths of common countries' IBANs (others: any length 15-34 that passes mod 97).
_LENGTHS = {
    "GB": 22, "IE": 22, "DE": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16,
    "PT": 25, "PL": 28, "CH": 21, "AT": 20, "DK": 18, "SE": 24, "NO": 15, "FI": 18,
    "LU": 20, "GR": 27, "CY": 28, "MT": 31, "GI": 23, "IM": 22, "JE": 22, "GG": 22,
    "RO": 24, "HU": 28, "CZ": 24, "SK": 24, "LT": 20, "LV": 21, "EE": 20, "BG": 22,
    "HR": 21, "SI": 19, "IS": 26, "TR": 26, "AE": 23, "SA": 24,
}  # fmt: skip


def iban_ok(value: str) -> bool:
    """Length for the country, then mod 97 == 1 over the rearranged number."""
    iban = "".join(ch for ch in value if ch.isalnum()).upper()
    if not 15 <= len(iban) <= 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    if _LENGTHS.get(iban[:2], len(iban)) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


class IbanRecogniser(Recogniser):
    """``GB82 WEST 1234 5698 7654 32``."""

    ENTITY = "IBAN_CODE"
    TIER = Tier.STRONG
    PATTERNS = (
        Pattern("iban", r"\b[A-Z]{2}\d\d(?:[ \-]?[A-Z0-9]{4}){2,7}(?:[ \-]?[A-Z0-9]{1,3})?\b", 0.9),
    )
    CONTEXT = ("iban", "bank", "account")

    def validate_result(self, pattern_text: str) -> bool:
        return iban_ok(pattern_text)
