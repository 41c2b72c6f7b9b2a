"""Street address: house number, street name and a street-type word."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from detectors import vocabulary
from detectors.base import Recogniser, Tier
from detectors.recognisers.person import NOT_NAME_WORDS

_VOCABULARY = vocabulary.load()
_ADDRESS = "address.yaml"


#: ``address.yaml`` keys only the street patterns read: a ``detectors.recognisers.vocabulary``
#: change to one of them rebuilds the patterns of the engine's own recogniser instance
PATTERN_KEYS = ("street_types", "lead_ins")


def _words(key: str, vocab: vocabulary.Vocabulary = _VOCABULARY) -> str:
    return vocabulary.alternation(vocab.list(_ADDRESS, key), any_space=True)


#: "Crown Court", "Magistrates Court": a court, not a street (``data/names.yaml``)
_COURTS = frozenset(w.lower() for w in _VOCABULARY.list("names.yaml", "court_institutions"))
#: a section number before the "house number" ("C1.3 Contract Approach", "7.2 Access Road")
_SECTION_BEFORE = re.compile(r"(?:\d|\b[A-Z])\.$")
#: a plural noun right after: a count of places, not one address ("3 Crown Court centres")
_COUNTED_AFTER = re.compile(rf"[ \t]+(?:{_words('counted_after')})\b")

_WORD = r"[A-Z][A-Za-z'\-]{1,24}"


#: A published organisation address, not a person's home.
_ORG_ADDRESS = re.compile(rf"(?i)\b(?:{_words('organisation_places')})\b[^\n]{{0,40}}$")


def street_patterns(vocab: vocabulary.Vocabulary) -> tuple[Pattern, ...]:
    """A house number and a street ending in a street-type word; after address context
    ("lives at Flat 3, 22 Kingsway", ``lead_ins``) a street without a type word."""
    types = _words("street_types", vocab)
    lead_in = f"(?i:{_words('lead_ins', vocab)})"
    return (
        Pattern(
            "street_address",
            rf"\b(?:(?:flat|apartment|apt|unit|room)\.? ?\d{{1,4}}[A-Za-z]?,? )?"
            rf"\d{{1,4}}[A-Za-z]?,? (?:{_WORD} ){{1,3}}(?i:{types})\b\.?",
            0.5,
        ),
        Pattern(
            "address_after_lead_in",
            rf"\b{lead_in} (?P<v>(?:(?i:flat|apartment|apt|unit|room)\.? ?\d{{1,4}}[A-Za-z]?,? )?"
            rf"\d{{1,4}}[A-Za-z]?,? {_WORD}(?: {_WORD}){{0,2}})",
            0.5,
        ),
    )


class StreetAddressRecogniser(Recogniser):
    """``Flat 2, 14 Acacia Avenue``. Weak on its own (``10 Downing Street`` is a public
    building); the combination rules make it a contact detail when a postcode follows
    or address context ("lives at", "address") precedes it."""

    ENTITY = "STREET_ADDRESS"
    TIER = Tier.WEAK
    PATTERNS = street_patterns(_VOCABULARY)
    #: the street-type words (lower case), for this instance's patterns
    street_types = frozenset(t.lower() for t in _VOCABULARY.list(_ADDRESS, "street_types"))
    CONTEXT = _VOCABULARY.list(_ADDRESS, "context")

    @classmethod
    def from_vocabulary(cls, vocab: vocabulary.Vocabulary) -> StreetAddressRecogniser:
        """An instance whose patterns use ``vocab`` (``detectors.recognisers.vocabulary``)."""
        rec = cls._with_patterns(street_patterns(vocab))
        rec.street_types = frozenset(t.lower() for t in vocab.list(_ADDRESS, "street_types"))
        return rec

    def invalidate_result(self, pattern_text: str) -> bool:
        words = [w.strip(".,") for w in pattern_text.split() if w[:1].isalpha()]
        if words and words[-1].lower() in self.street_types:
            return False
        # no street-type word ("lives at 22 Kingsway"): not a date or a month
        return any(w in NOT_NAME_WORDS for w in words if w[:1].isupper())

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        words = text[start:end].rstrip(".").split()
        if (
            len(words) >= 2
            and words[-1].lower() in ("court", "ct")
            and words[-2].lower() in _COURTS
        ):
            return None
        if _SECTION_BEFORE.search(text, max(0, start - 3), start) or _COUNTED_AFTER.match(
            text, end, end + 30
        ):
            return None
        line_start = text.rfind("\n", 0, start) + 1
        if _ORG_ADDRESS.search(text[max(line_start, start - 60) : start]):
            return None
        return start, end, self.ENTITY
