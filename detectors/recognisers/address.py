"""Street address: house number, street name and a street-type word."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from detectors import vocabulary
from detectors.base import Recogniser, Tier
from detectors.recognisers.person import NOT_NAME_WORDS

#: "Crown Court", "Magistrates Court": a court, not a street (``data/names.yaml``)
_COURTS = frozenset(w.lower() for w in vocabulary.load().list("names.yaml", "court_institutions"))
#: a section number before the "house number" ("C1.3 Contract Approach", "7.2 Access Road")
_SECTION_BEFORE = re.compile(r"(?:\d|\b[A-Z])\.$")
#: a plural noun right after: a count of places, not one address ("3 Crown Court centres")
_COUNTED_AFTER = re.compile(
    r"[ \t]+(?:centres|centers|sites|offices|buildings|branches|locations|courts|venues|"
    r"properties|premises|units|hubs|depots|stations|schools|hospitals|shops|stores)\b"
)

_STREET_TYPES = (
    "road|rd|street|st|avenue|ave|lane|ln|drive|dr|close|way|court|ct|crescent|cres|place|pl"
    "|gardens|gdns|terrace|grove|hill|park|square|sq|mews|rise|view|walk|row|green|parade"
    "|vale|villas|wharf|yard|gate|quay|hollow|meadow|meadows|croft|fold|chase|approach|path"
    "|boulevard|broadway|embankment|circus|brow|bank|lodge|end|side|heights|park|fields|field"
    "|cottages|buildings|estate|street|wynd|loan|brae|hey|dale|row|passage|alley|market"
)
_WORD = r"[A-Z][A-Za-z'\-]{1,24}"
_TYPES = frozenset(_STREET_TYPES.split("|"))


#: A published organisation address, not a person's home.
_ORG_ADDRESS = re.compile(
    r"(?i)\b(?:our (?:office|offices|building|site|hq|headquarters|address)|head office|"
    r"office address|registered office|headquarters|hq|venue|meet(?:ing)? at|located at|"
    r"branch|jobcentre|service centre|hub|conference|event)\b[^\n]{0,40}$"
)
#: address context right before a house number and a street without a type word
#: ("lives at Flat 3, 22 Kingsway")
_LEAD_IN = (
    r"(?i:lives at|living at|live at|resides at|residing at|staying at|stays at|moved to|"
    r"address is|address:|home address:?|address -|correspondence address:?)"
)


class StreetAddressRecogniser(Recogniser):
    """``Flat 2, 14 Acacia Avenue``. Weak on its own (``10 Downing Street`` is a public
    building); the combination rules make it a contact detail when a postcode follows
    or address context ("lives at", "address") precedes it."""

    ENTITY = "STREET_ADDRESS"
    TIER = Tier.WEAK
    PATTERNS = (
        Pattern(
            "street_address",
            rf"\b(?:(?:flat|apartment|apt|unit|room)\.? ?\d{{1,4}}[A-Za-z]?,? )?"
            rf"\d{{1,4}}[A-Za-z]?,? (?:{_WORD} ){{1,3}}(?i:{_STREET_TYPES})\b\.?",
            0.5,
        ),
        Pattern(
            "address_after_lead_in",
            rf"\b{_LEAD_IN} (?P<v>(?:(?i:flat|apartment|apt|unit|room)\.? ?\d{{1,4}}[A-Za-z]?,? )?"
            rf"\d{{1,4}}[A-Za-z]?,? {_WORD}(?: {_WORD}){{0,2}})",
            0.5,
        ),
    )
    CONTEXT = (
        "lives at",
        "living at",
        "live at",
        "resides",
        "residing",
        "reside at",
        "address",
        "moved to",
        "home",
        "property",
        "tenancy",
        "tenant",
        "landlord",
        "stays at",
        "staying at",
        "living",
        "lives",
        "house",
        "visit",
        "correspondence",
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        words = [w.strip(".,") for w in pattern_text.split() if w[:1].isalpha()]
        if words and words[-1].lower() in _TYPES:
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
