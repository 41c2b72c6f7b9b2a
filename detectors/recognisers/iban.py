"""IBAN (ISO 13616): country, check digits (mod 97) and the per-country length."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier, context_words

#: IBAN length per country (the IBAN registry, as Presidio's ``iban_patterns`` lists it).
#: A code from a country not listed here is not an IBAN.
_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GG": 22,
    "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IM": 22,
    "IQ": 23, "IS": 26, "IT": 27, "JE": 22, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25,
    "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_ok(value: str) -> bool:
    """Length for the country, then mod 97 == 1 over the rearranged number."""
    iban = "".join(ch for ch in value if ch.isalnum()).upper()
    if not 15 <= len(iban) <= 34 or not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    if _LENGTHS.get(iban[:2]) != len(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def iban_length(value: str) -> int | None:
    """The number of characters of the IBAN at the start of ``value`` (the country's length;
    separators and whatever follows ignored: ``ES 58 0049 ... 8341 X`` holds a 24-char one)."""
    compact = "".join(ch for ch in value if ch.isalnum()).upper()
    n = _LENGTHS.get(compact[:2])
    return n if n is not None and n <= len(compact) and iban_ok(compact[:n]) else None


class IbanRecogniser(Recogniser):
    """``GB82 WEST 1234 5698 7654 32``, also grouped irregularly (``ES10 0075 0080 11
    0600658108``), with spaces after the country code or lower-case BBAN letters. The span
    ends where the country's length (the registry's) ends."""

    ENTITY = "IBAN_CODE"
    TIER = Tier.STRONG
    PATTERNS = (
        Pattern("iban", r"\b[A-Z]{2} ?\d\d(?:[ \-]?[A-Za-z0-9]){11,34}", 0.9),
        # IBANs are case-insensitive ("gb29nwbk6016..."); mod 97 keeps this exact
        Pattern("iban_lower", r"\b[a-z]{2} ?\d\d(?:[ \-]?[a-z0-9]){11,34}", 0.9),
    )
    CONTEXT_KEY = "iban"
    CONTEXT = context_words(CONTEXT_KEY)

    def validate_result(self, pattern_text: str) -> bool:
        return iban_length(pattern_text) is not None

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        n = iban_length(text[start:end])
        if n is None:
            return None
        pos = start
        while n and pos < end:
            n -= text[pos].isalnum()
            pos += 1
        if pos < len(text) and text[pos].isalnum() and text[pos - 1].isalnum():
            return None  # the IBAN would end inside a longer code
        return start, pos, self.ENTITY
