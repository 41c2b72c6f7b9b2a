"""Combination rules: from candidates and keyword hits to the findings that count.

* A strong identifier alone counts (NINO, NHS, card, IBAN, bank details, passport,
  driving licence, UTR). Checksum failures never became candidates.
* A contact detail or a confirmed address counts (a street address is confirmed by a
  postcode next to it or by address context such as "lives at").
* A person's name counts with personal context near it: a weak identifier (date of
  birth, postcode, IP address, account number...), a special-category term, or
  benefit / case detail. Two different weak identifiers together also count.
* Special-category terms count (as SPECIAL_CATEGORY) only when the document is about
  an identified person; such a document is PERSONAL_DATA too.
* A general-knowledge question naming a (public or historical) figure, with no
  identifier or casework framing, does not count.
* Markings and credentials (``Tier.DIRECT``) always count.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from detectors.base import Candidate, Tier
from detectors.lexicon import Hits

#: How far (chars) a name and its personal context may be apart.
NAME_WINDOW = 250
#: Weak contact numbers that belong to an organisation (helplines, switchboards).
_ORG_CONTACTS = frozenset({"UK_PHONE_NONGEOGRAPHIC", "UK_PHONE_ORGANISATION"})
#: How far a name and a casework term (journal entry, fit note...) may be apart for the
#: general-knowledge exemption not to apply.
CASE_WINDOW = 150
#: How far a postcode may follow a street line and still confirm it as an address.
POSTCODE_AFTER_STREET = 90

_QUESTION_START = re.compile(
    r"(?is)^\W*(?:what|who|when|where|why|how|which|was|were|is|are|did|does|do|can|could|"
    r"tell me|explain|describe|summari[sz]e|give me|list|write (?:a|an) "
    r"(?:short |brief )?(?:essay|biography|summary|article|poem|paragraph|overview|"
    r"timeline|profile)|compare|outline|discuss|analyse|analyze)\b"
)


@dataclass(slots=True)
class Item:
    """A finding-to-be in view coordinates."""

    category: str
    entity: str
    start: int
    end: int
    score: float
    detector: str
    tier: str


def _item(c: Candidate) -> Item:
    return Item(c.category, c.entity, c.start, c.end, c.score, c.recogniser.name, c.tier)


_HISTORICAL_YEAR = re.compile(r"\b(?:1[0-8]\d\d|19[0-5]\d)s?\b")


#: First/second-person involvement: the writer is dealing with the person, not asking
#: about them ("how do I manage her absence?", "can you check his claim").
_INVOLVED = re.compile(
    r"(?i)\b(?:how (?:do|should|can) (?:i|we)|should (?:i|we)|can (?:i|we)|do (?:i|we) need|"
    r"i need|we need|i'm|i am|i've|we've|my team|our team|manage|record this|"
    r"on (?:our|the) system|called|rang|phoned|emailed|told me|asked me|get (?:his|her|their)|"
    r"draft|drafting|write up|write to|writing to|reply to|respond to|response to|"
    r"letter to|email to|on behalf of|can you (?:check|update|look|find|chase|record|log)|"
    r"(?:his|her|their|[a-z]'s) (?:claim|award|payment|payments|letter|account|appointment|"
    r"case|absence|application|record|file|manager|team|appeal|complaint|grievance|"
    r"hearing|review|referral|assessment|journal|debt|arrears|benefit|benefits|"
    r"tenancy|rent|landlord|employer|line manager|work coach|caseworker|gp))\b"
)


def general_knowledge(text: str, hits: Hits) -> bool:
    """A short question or explain-style request with no casework framing, or a short
    text about the past (a year before 1960: historical figures)."""
    if len(text) > 700 or hits.starts.get("framing") or _INVOLVED.search(text):
        return False
    return (
        bool(_QUESTION_START.match(text))
        or text.rstrip().endswith("?")
        or bool(_HISTORICAL_YEAR.search(text))
    )


def special_items(hits: Hits) -> list[Item]:
    out = []
    for group in hits.groups_with_prefix("special:"):
        entity = group.split(":", 1)[1]
        for s, e, _ in hits.spans(group):
            out.append(
                Item("SPECIAL_CATEGORY", entity, s, e, 0.7, "special_category", Tier.SPECIAL)
            )
    return out


class _Nearby:
    """Items within a window of a span, by bisection (names x context stays linear-ish
    on long inputs)."""

    def __init__(self, items: list[Item]) -> None:
        self.items = sorted(items, key=lambda i: i.start)
        self.starts = [i.start for i in self.items]
        self.longest = max((i.end - i.start for i in self.items), default=0)

    def __call__(self, a: Item, window: int) -> list[Item]:
        lo = bisect.bisect_left(self.starts, a.start - window - self.longest)
        hi = bisect.bisect_right(self.starts, a.end + window)
        return [b for b in self.items[lo:hi] if _near(a, b, window)]


def _near(a: Item, b: Item, window: int) -> bool:
    return a.start - window <= b.end and b.start <= a.end + window


def combine(
    text: str, cands: list[Candidate], persons: list[Item], hits: Hits
) -> tuple[list[Item], bool]:
    """Return ``(items that count, needs_names)``.

    ``needs_names`` is True when names (NER) could still change the outcome: there is
    personal context but nothing personal counts yet. The engine then runs NER on the
    windows around the context and calls :func:`combine` again with the names.
    """
    direct = [_item(c) for c in cands if c.tier == Tier.DIRECT]
    strong = [_item(c) for c in cands if c.tier == Tier.STRONG]
    contact = [_item(c) for c in cands if c.tier == Tier.CONTACT]
    weak = [_item(c) for c in cands if c.tier == Tier.WEAK]
    names = [_item(c) for c in cands if c.tier == Tier.PERSON] + persons
    for c in cands:
        if c.tier == Tier.NAME_CUE and hits.near("casework", c.start, c.end, CASE_WINDOW):
            item = _item(c)
            item.tier = Tier.PERSON
            names.append(item)

    # a street line with a postcode after it, or with address context, is an address
    postcodes = [w for w in weak if w.entity == "UK_POSTCODE"]
    for w in weak:
        if w.entity != "STREET_ADDRESS":
            continue
        confirmed = any(
            w.end <= p.start <= w.end + POSTCODE_AFTER_STREET for p in postcodes
        ) or hits.near("ctx:STREET_ADDRESS", w.start, w.end, 60, 0)
        if confirmed:
            w.tier = Tier.CONTACT
            contact.append(w)
            for p in postcodes:
                if w.end <= p.start <= w.end + POSTCODE_AFTER_STREET:
                    p.tier = Tier.CONTACT
                    contact.append(p)
    weak = [w for w in weak if w.tier == Tier.WEAK]
    special = special_items(hits) + [_item(c) for c in cands if c.tier == Tier.SPECIAL]
    personal_ctx = hits.spans("personal")

    counted: list[Item] = direct + strong + contact
    identified = bool(strong or contact)
    if identified:
        counted += weak + names + special
        return _with_personal(counted), False

    # names with personal context near them
    person_hits: list[Item] = []
    casework_name = False
    near_weak, near_special = _Nearby(weak), _Nearby(special)
    for n in names:
        ctx = near_weak(n, NAME_WINDOW)
        sp = near_special(n, NAME_WINDOW)
        pc = hits.near("personal", n.start, n.end, NAME_WINDOW)
        if ctx or sp or pc:
            person_hits.append(n)
            person_hits += ctx + sp
            casework_name = casework_name or hits.near("casework", n.start, n.end, CASE_WINDOW)
    # two different weak identifiers together (e.g. date of birth and postcode), or a
    # weak identifier of a specific individual in casework ("Claimant DOB ...")
    # (an organisation's helpline or switchboard number is no one's personal data)
    personal_weak = [w for w in weak if w.entity not in _ORG_CONTACTS]
    weak_kinds = {w.entity for w in personal_weak if w.entity != "STREET_ADDRESS"}
    weak_combo = personal_weak if len(weak_kinds) >= 2 else []
    if not weak_combo:
        weak_combo = [
            w
            for w in personal_weak
            if hits.near("framing", w.start, w.end, NAME_WINDOW)
            or hits.near("personal", w.start, w.end, NAME_WINDOW)
        ]

    if person_hits and not weak_combo:
        only_soft = all(i.tier in (Tier.PERSON, Tier.SPECIAL) for i in person_hits)
        casework_name = casework_name and not _HISTORICAL_YEAR.search(text)
        if only_soft and not casework_name and general_knowledge(text, hits):
            person_hits = []

    personal = person_hits + weak_combo
    if personal:
        counted += _dedupe(personal)
        return _with_personal(counted), False

    # names could change the outcome only if nothing blocks yet, there is personal
    # context, and the text is not a general-knowledge question with soft context only
    needs_names = bool(weak or special or personal_ctx) and not direct
    if (
        needs_names
        and not weak
        and not hits.starts.get("casework")
        and general_knowledge(text, hits)
    ):
        needs_names = False
    return counted, needs_names


def _dedupe(items: list[Item]) -> list[Item]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for i in items:
        key = (i.entity, i.start, i.end)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _with_personal(items: list[Item]) -> list[Item]:
    """Weak items and names count as PERSONAL_DATA once the document is personal."""
    return _dedupe(items)


def context_windows(
    text: str, cands: list[Candidate], hits: Hits, window: int = NAME_WINDOW
) -> list[tuple[int, int]]:
    """Merged windows around personal context, where a name would change the outcome."""
    points: list[tuple[int, int]] = [(c.start, c.end) for c in cands if c.tier == Tier.WEAK]
    for group in [*hits.groups_with_prefix("special:"), "personal"]:
        points += [(s, e) for s, e, _ in hits.spans(group)]
    points.sort()
    merged: list[tuple[int, int]] = []
    for s, e in points:
        lo, hi = max(0, s - window), min(len(text), e + window)
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged
