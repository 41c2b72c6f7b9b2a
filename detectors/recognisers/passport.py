"""UK passport number (nine digits, or two letters and seven digits) next to
passport context."""

from __future__ import annotations

from detectors.base import CtxPattern, Recogniser, Tier, context_words


class UkPassportRecogniser(Recogniser):
    """``passport no. 123456789``. Without passport context a nine-digit number is
    just a number, so every pattern needs context."""

    ENTITY = "UK_PASSPORT"
    TIER = Tier.STRONG
    CONTEXT_WINDOW = 60
    PATTERNS = (
        CtxPattern("passport_digits", r"\b\d{9}\b", 0.7),
        CtxPattern("passport_letters", r"\b[A-Z]{2}\d{7}\b", 0.7),
    )
    CONTEXT_KEY = "passport"
    CONTEXT = context_words(CONTEXT_KEY)

    def invalidate_result(self, pattern_text: str) -> bool:
        digits = "".join(c for c in pattern_text if c.isdigit())
        return len(set(digits)) == 1 or digits in ("123456789", "1234567")
