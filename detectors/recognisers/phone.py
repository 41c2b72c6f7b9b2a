"""UK phone numbers: mobile, geographic and +44 forms."""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier, digits

_INTL = r"\+44[ .\-]?(?:\(0\)[ .\-]?)?"

#: An organisation's published number, not a person's contact detail.
_ORG_BEFORE = re.compile(
    r"(?i)\b(?:switchboard|helpline|help line|advice line|contact cent(?:re|er)|call cent(?:re|er)|"
    r"service cent(?:re|er)|head office|reception|main (?:number|line|office)|enquiries|"
    r"enquiry line|freephone|textphone|relay uk|call us|contact us|ring us|phone us|"
    r"our office|office number|customer services?|general enquiries|opening hours|"
    r"lines are open|out of hours|hotline|the (?:dwp|hmrc|department|council|jobcentre)\b"
    r"[^.\n]{0,40})[^.\n]{0,40}$"
)
_ORG_AFTER = re.compile(
    r"(?i)^[^.\n]{0,30}\b(?:lines (?:are )?open|monday to friday|mon-fri|opening hours|"
    r"textphone|relay uk|free to call|calls cost)\b"
)


class UkPhoneRecogniser(Recogniser):
    """``07700 900123``, ``+44 (0)20 7946 0958``, ``(01632) 960 001``.

    Mobile (07) and geographic (01, 02) numbers are contact details. Non-geographic
    03/08 numbers are usually an organisation's helpline, so they are weak context.
    """

    ENTITY = "UK_PHONE"
    TIER = Tier.CONTACT
    TIERS: ClassVar[dict[str, str]] = {
        "UK_PHONE_NONGEOGRAPHIC": Tier.WEAK,
        "UK_PHONE_ORGANISATION": Tier.WEAK,
    }
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
        if d.startswith("07"):  # a mobile is a person's
            return start, end, self.ENTITY
        line_start = text.rfind("\n", 0, start) + 1
        if _ORG_BEFORE.search(text[max(line_start, start - 80) : start]) or _ORG_AFTER.match(
            text[end : end + 60]
        ):
            return start, end, "UK_PHONE_ORGANISATION"
        return start, end, self.ENTITY
