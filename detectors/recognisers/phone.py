"""UK phone numbers: mobile, geographic and +44 forms."""

from __future__ import annotations

from typing import ClassVar

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier, digits

_INTL = r"\+44[ .\-]?(?:\(0\)[ .\-]?)?"


class UkPhoneRecogniser(Recogniser):
    """``07700 900123``, ``+44 (0)20 7946 0958``, ``(01632) 960 001``.

    Mobile (07) and geographic (01, 02) numbers are contact details. Non-geographic
    03/08 numbers are usually an organisation's helpline, so they are weak context.
    """

    ENTITY = "UK_PHONE"
    TIER = Tier.CONTACT
    TIERS: ClassVar[dict[str, str]] = {"UK_PHONE_NONGEOGRAPHIC": Tier.WEAK}
    PATTERNS = (
        Pattern("uk_mobile", rf"(?:{_INTL}|\b0)7\d{{3}}[ .\-]?\d{{3}}[ .\-]?\d{{3}}\b", 0.8),
        Pattern(
            "uk_landline",
            rf"(?:{_INTL}|\(0|\b0)[1-9]\d{{1,4}}\)?[ .\-]?\d{{3,4}}[ .\-]?\d{{3,4}}\b",
            0.6,
        ),
    )
    CONTEXT = ("phone", "tel", "telephone", "mobile", "call", "contact", "number")

    @staticmethod
    def national(value: str) -> str:
        d = digits(value)
        if value.lstrip().startswith("+44"):
            d = d[2:]
            if not d.startswith("0"):
                d = "0" + d
        return d

    def validate_result(self, pattern_text: str) -> bool:
        d = self.national(pattern_text)
        if d.startswith("07"):
            return len(d) == 11
        return len(d) in (10, 11) and d[1] in "12389" and len(set(d[1:])) > 2

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        d = self.national(text[start:end])
        if d[1] in "389":
            return start, end, "UK_PHONE_NONGEOGRAPHIC"
        return start, end, self.ENTITY
