"""NHS number: ten digits, mod-11 check digit."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from detectors import vocabulary
from detectors.base import IDENTIFIERS, CtxPattern, Recogniser, Tier, context_words, digits


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


def other_number_label(labels: tuple[str, ...]) -> re.Pattern[str]:
    """A label of another ten-digit number, just before an unseparated run
    (``identifiers.yaml: nhs_other_number_labels``)."""
    return re.compile(
        rf"(?i)\b(?:{vocabulary.alternation(labels)})\b"
        r"(?:\s*(?:no|number|num|id|ref|reference))?\.?\s*[#:=]?\s*$"
    )


class NhsNumberRecogniser(Recogniser):
    """``485 777 3456`` (3-3-4, any separator) counts alone once the checksum holds;
    an unseparated run of ten digits needs NHS/health context."""

    ENTITY = "UK_NHS"
    TIER = Tier.STRONG
    PATTERNS = (
        Pattern("nhs_grouped", r"\b[1-9]\d\d[ .\-_/]\d{3}[ .\-_/]\d{4}\b", 0.85),
        CtxPattern("nhs_plain", r"\b[1-9]\d{9}\b", 0.6),
    )
    CONTEXT_KEY = "nhs"
    CONTEXT = context_words(CONTEXT_KEY)
    other_number = other_number_label(context_words("nhs_other_number_labels"))

    @classmethod
    def from_vocabulary(cls, vocab: vocabulary.Vocabulary) -> NhsNumberRecogniser:
        """An instance with the changed context words and other-number labels."""
        rec = super().from_vocabulary(vocab)
        rec.other_number = other_number_label(vocab.list(IDENTIFIERS, "nhs_other_number_labels"))
        return rec

    def validate_result(self, pattern_text: str) -> bool:
        return nhs_checksum_ok(digits(pattern_text))

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        # an unseparated run right after an order/invoice/phone/reference label is that
        # (a tenth of random ten-digit numbers pass mod 11)
        if text[start:end].isdigit() and self.other_number.search(text[max(0, start - 40) : start]):
            return None
        return start, end, self.ENTITY
