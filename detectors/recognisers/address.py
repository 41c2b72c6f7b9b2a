"""Street address: house number, street name and a street-type word."""

from __future__ import annotations

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier

_STREET_TYPES = (
    "road|rd|street|st|avenue|ave|lane|ln|drive|dr|close|way|court|ct|crescent|cres|place|pl"
    "|gardens|gdns|terrace|grove|hill|park|square|sq|mews|rise|view|walk|row|green|parade"
    "|vale|villas|wharf|yard|gate|quay|hollow|meadow|meadows|croft|fold|chase|approach|path"
    "|boulevard|broadway|embankment|circus|brow|bank|lodge|end|side|heights|park|fields|field"
    "|cottages|buildings|estate|street|wynd|loan|brae|hey|dale|row|passage|alley|market"
)
_WORD = r"[A-Z][A-Za-z'\-]{1,24}"


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
