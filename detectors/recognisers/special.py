"""Special-category phrases that need a pattern rather than a keyword list
("of Bangladeshi origin", "Pakistani heritage"). Keyword terms (health, religion,
sexual orientation...) are in ``detectors/lexicon.py``. Both count only when related to
an identified person (``detectors/combine.py``)."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier

_NATIONALITY = r"[A-Z][a-z]{2,20}(?:[ \-][A-Z][a-z]{2,20})?"


class EthnicOriginRecogniser(Recogniser):
    """``of Bangladeshi origin``, ``Irish Traveller heritage``, ``of mixed descent``."""

    ENTITY = "ETHNICITY"
    CATEGORY = "SPECIAL_CATEGORY"
    TIER = Tier.SPECIAL
    PATTERNS = (
        Pattern(
            "ethnic_origin",
            rf"\b(?:of )?(?:{_NATIONALITY}|(?i:mixed|dual)) (?i:origin|heritage|descent|ethnicity|background)\b",
            0.6,
        ),
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        words = pattern_text.split()
        return words[-2].lower() in ("the", "this", "data", "country", "its", "our", "their")
