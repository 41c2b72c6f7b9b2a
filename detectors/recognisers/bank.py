"""Sort code with account number (bank details)."""

from __future__ import annotations

from typing import ClassVar

from detectors.base import CtxPattern, Recogniser, Tier, context_words

_SORT = r"\b\d\d[ \-/.]\d\d[ \-/.]\d\d\b"
_SORT_PLAIN = r"\b\d{6}\b"
_ACCOUNT = r"\b\d{8}\b"
_GAP = r"[^0-9]{1,60}"


class SortCodeAccountRecogniser(Recogniser):
    """``sort code 20-45-77, account 41234567`` (either order). A sort code alone is a
    bank branch, not a person; a lone account number with account context is weak."""

    ENTITY = "UK_BANK_DETAILS"
    TIER = Tier.STRONG
    CONTEXT_WINDOW = 60
    PATTERNS = (
        CtxPattern("sort_then_account", rf"{_SORT}{_GAP}{_ACCOUNT}", 0.85),
        CtxPattern("account_then_sort", rf"{_ACCOUNT}{_GAP}{_SORT}", 0.85),
        CtxPattern("plain_sort_then_account", rf"{_SORT_PLAIN}{_GAP}{_ACCOUNT}", 0.7),
        CtxPattern("account_then_plain_sort", rf"{_ACCOUNT}{_GAP}{_SORT_PLAIN}", 0.7),
        CtxPattern("account_only", _ACCOUNT, 0.4),
    )
    CONTEXT_KEY = "bank"
    CONTEXT = context_words(CONTEXT_KEY)
    TIERS: ClassVar[dict[str, str]] = {"UK_BANK_ACCOUNT": Tier.WEAK}

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        value = text[start:end]
        if value.isdigit() and len(value) == 8:
            return start, end, "UK_BANK_ACCOUNT"
        return start, end, self.ENTITY
