"""Payment card number (Luhn, issuer prefix and length)."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier, context_words, digits


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _issuer_ok(n: str) -> bool:
    if n[0] == "4":  # Visa
        return len(n) in (13, 16, 19)
    if 51 <= int(n[:2]) <= 55 or 2221 <= int(n[:4]) <= 2720:  # Mastercard
        return len(n) == 16
    if n[:2] in ("34", "37"):  # Amex
        return len(n) == 15
    if n[:4] == "6011" or n[:2] == "65" or 644 <= int(n[:3]) <= 649:  # Discover
        return len(n) in (16, 19)
    if 3528 <= int(n[:4]) <= 3589:  # JCB
        return len(n) in (16, 19)
    if n[:2] in ("36", "38", "39") or 300 <= int(n[:3]) <= 305:  # Diners
        return 14 <= len(n) <= 19
    if n[:2] in ("50", "56", "57", "58", "63", "67", "62"):  # Maestro / UnionPay
        return 12 <= len(n) <= 19
    if n[0] == "1":  # UATP
        return len(n) == 15
    return False


#: an alphanumeric group with a letter right before the number: part of a longer code
#: (an IBAN or a reference), not a card
_CODE_BEFORE = re.compile(r"\b[A-Z]{2}\d\d(?:[ \-]?[A-Z0-9]{4}){0,6}[ \-]?$")


class PaymentCardRecogniser(Recogniser):
    """``4929 1234 5678 9012`` (spaces or dashes between groups)."""

    ENTITY = "CREDIT_CARD"
    TIER = Tier.STRONG
    PATTERNS = (Pattern("card", r"\b\d(?:[ \-]?\d){11,18}\b", 0.9),)
    CONTEXT_KEY = "card"
    CONTEXT = context_words(CONTEXT_KEY)

    def validate_result(self, pattern_text: str) -> bool:
        n = digits(pattern_text)
        return 13 <= len(n) <= 19 and len(set(n)) > 1 and _issuer_ok(n) and luhn_ok(n)

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        if _CODE_BEFORE.search(text[max(0, start - 40) : start]):
            return None
        if text[max(0, start - 2) : start] == "==" and text[end : end + 1] == "=":
            # a MIME boundary (``===============3602411870897113352==``, Python's email
            # package: 19 random digits, Luhn- and issuer-valid about one time in 25)
            return None
        return start, end, self.ENTITY
