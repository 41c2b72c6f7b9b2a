"""UK postcode (Royal Mail format). Part of an address; alone it is weak context."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier

_POSTCODE = (
    r"\b(?:GIR ?0AA"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]? ?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][0-9]{2} ?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]? ?[0-9][ABD-HJLNP-UW-Z]{2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{2} ?[0-9][ABD-HJLNP-UW-Z]{2})\b"
)


class UkPostcodeRecogniser(Recogniser):
    """``SW1A 1AA``. Upper case only (a lower-case look-alike is usually a word)."""

    ENTITY = "UK_POSTCODE"
    TIER = Tier.WEAK
    PATTERNS = (Pattern("uk_postcode", _POSTCODE, 0.5),)
    CONTEXT = ("postcode", "post code", "address", "lives", "living", "resides")
