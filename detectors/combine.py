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
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors import vocabulary
from detectors.base import Candidate, Tier
from detectors.lexicon import Hits
from detectors.namesets import SHIPPED, NameSets
from detectors.subjects import (
    FICTION_LEAD_CHARS,
    LETTER_CHARS,
    TURN_CARRY_CHARS,
    Parsed,
    Structure,
    placeholder,
    placeholder_address,
    register,
    without_object_names,
)

#: How far (chars) a name and its personal context may be apart.
NAME_WINDOW = 250
#: Weak contact numbers that belong to an organisation (helplines, switchboards).
_ROLES = vocabulary.load()
_ORG_CONTACTS = frozenset(_ROLES.list("roles.yaml", "organisation_contact"))
#: street lines (an address once confirmed) and the entities that confirm them
_ADDRESS_LINES = frozenset(_ROLES.list("roles.yaml", "address_line"))
_ADDRESS_CONFIRMERS = frozenset(_ROLES.list("roles.yaml", "address_confirmer"))
#: How far a name and a casework term (journal entry, fit note...) may be apart for the
#: general-knowledge exemption not to apply.
CASE_WINDOW = 150
#: At most this many names are judged per text (bounded time on crafted inputs; the
#: decision is made long before).
MAX_NAMES = 400
#: How far a postcode may follow a street line and still confirm it as an address.
POSTCODE_AFTER_STREET = 90

_DOCUMENT = "document.yaml"
#: "Sir Keir Starmer": an honorific that makes no private individual by its form alone
_PUBLIC_HONORIFICS = frozenset(_ROLES.list("person.yaml", "public_honorifics"))


def _phrases_rx(key: str) -> str:
    """An alternation of the phrases of ``document.yaml: key`` (longest first)."""
    phrases = sorted(_ROLES.list(_DOCUMENT, key), key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)


_QUESTION_START = re.compile(
    rf"(?is)^\W*(?:(?:{_phrases_rx('question_lead_ins')})\b[\s,:!?.]*)*"
    rf"(?:{_phrases_rx('question_start')}|write (?:a|an) (?:short |brief )?"
    rf"(?:{_phrases_rx('question_write_objects')}))\b"
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
    #: how the item was found: the pattern's name, or "ner" for a spaCy PERSON span
    form: str = ""


def _item(c: Candidate) -> Item:
    return Item(c.category, c.entity, c.start, c.end, c.score, c.recogniser.name, c.tier, c.pattern)


#: name forms that say the person is a private individual in casework ("Mrs J. Patel",
#: "Name: ...", "claimant Stuart Phillips", "Dear Aisha")
PRIVATE_FORMS = frozenset(
    {"honorific_name", "honorific_name_upper", "honorific_name_lower", "labelled_name",
     "role_name", "salutation_name", "field_name", "handle_name", "slug_name",
     "greeting_name", "workplace_name", "cued_name", "graded_name", "staff_number",
     "person_reference", "contacted_name", "labelled_name_upper", "labelled_name_lower",
     "split_field_name", "split_cell_name", "initials_age"}
)  # fmt: skip
#: a labelled staff / payroll number: a person's reference, one token (no lone-word rule)
ID_FORMS = frozenset(
    {"staff_number", "person_reference", "glued_name", "field_name", "handle_name", "slug_name",
     "labelled_name_upper", "split_cell_name", "initials_age"}
)  # fmt: skip
#: name forms that address or place the person ("Dear Aisha", "Hi Aaron,", "Kerry in
#: payroll"): a lone forename is then a name
ADDRESSED_FORMS = frozenset(
    {"salutation_name", "greeting_name", "workplace_name", "workplace_name_lower",
     "contacted_name"}
)  # fmt: skip
#: keyword groups near which a cued capitalised pair is a person's name (casework about
#: someone, or the writer dealing with them)
CUE_CONFIRMERS = ("casework",)
#: how far after a sentence-opening name a special-category term confirms it as a name
SUBJECT_FACT_CHARS = 60
#: a name opening a sentence, then what happened to the person ("X has been sectioned")
SUBJECT_FORMS = frozenset({"subject_name", "subject_name_script"})
#: a name in a script without capitals or spaces between names ("张伟"): no lone-word rule
SCRIPT_FORMS = frozenset({"subject_name_script"})
#: a name typed in lower case ("spoke to kelly brannigan")
LOWER_FORMS = frozenset(
    {"forename_surname_lower", "workplace_name_lower", "honorific_name_lower_single",
     "subject_name_lower"}
)  # fmt: skip
#: name forms that start a record whose fields follow on the next lines
RECORD_FORMS = frozenset(
    {"labelled_name", "staff_number", "person_reference", "labelled_name_upper",
     "labelled_name_lower", "split_field_name", "split_cell_name"}
)  # fmt: skip


_HISTORICAL_YEAR = re.compile(r"\b(?:1[0-8]\d\d|19[0-5]\d)s?\b")


#: First/second-person involvement: the writer is dealing with the person, not asking
#: about them ("how do I manage her absence?", "can you check his claim").
_INVOLVED = re.compile(
    rf"(?i)\b(?:{_phrases_rx('involved_phrases')}|"
    rf"(?:his|her|their|[a-z]'s) (?:{_phrases_rx('possessed_case_nouns')}))\b"
)


_SPECIFIC_AMOUNT = re.compile(r"£\s?\d|\b\d+(?:\.\d\d)? (?:a|per) (?:week|month|fortnight)\b")


#: where a question's first line or sentence ends ("Summarise:", "... Alan Hughes?")
_QUESTION_HEAD_END = re.compile(r"[.?!:](?=\s)|\n")


def general_knowledge(text: str, hits: Hits, about: Iterable[int] = ()) -> bool:
    """A short question or explain-style request with no casework framing, or a short
    text about the past (a year before 1960: historical figures). ``about``: where the
    names and special-category terms are; one after the question's first line or sentence
    is data pasted under the question ("Summarise:" + rows of name, condition) or a fact
    stated after it ("... for Alan Hughes? He was diagnosed with epilepsy"): the writer
    deals with that person, whatever the opening word (red team RT-139)."""
    if len(text) > 700 or hits.starts.get("framing") or hits.starts.get("involvement"):
        return False
    opening = _QUESTION_START.match(text)  # lead-ins ("Quick question:") come before it
    head = _QUESTION_HEAD_END.search(
        text, opening.end() if opening else len(text) - len(text.lstrip())
    )
    if head is not None:
        head_end = head.end()
        rest = text[head_end:].strip()
        # (a follow-up question on the same line, "Who was X? Was he depressed?", still asks)
        follow_up = rest.endswith("?") and "\n" not in rest
        if rest and not follow_up and any(at >= head_end for at in about):
            return False
    if _INVOLVED.search(text):
        return False
    if _SPECIFIC_AMOUNT.search(text):
        return False  # "they get £213 and £176 a week": a particular household, not a figure
    stripped = text.rstrip()
    # "X's daughter has cerebral palsy. Can you summarise his claim?": facts stated about
    # someone, then a request; only a text that is the question itself asks about a figure
    question_only = stripped.endswith("?") and not _STATEMENT_BEFORE.search(
        stripped, 0, len(stripped) - 1
    )
    return bool(opening) or question_only or bool(_HISTORICAL_YEAR.search(text))


#: a declarative sentence ends before the text goes on ("... carer. Can you ...")
_STATEMENT_BEFORE = re.compile(r"[.!](?:\s|$)")


def special_items(hits: Hits) -> list[Item]:
    out = []
    for group in hits.groups_with_prefix("special:"):
        entity = group.split(":", 1)[1]
        for s, e, _ in hits.spans(group):
            out.append(
                Item("SPECIAL_CATEGORY", entity, s, e, 0.7, "special_category", Tier.SPECIAL)
            )
    return out


#: the score of a special-category term found in a text about an identified person but not
#: tied to them by the sentence structure (reported all the same: see untied_special)
UNTIED_SPECIAL_SCORE = 0.5


def untied_special(text: str, hits: Hits, special: list[Item], counted: list[Item]) -> list[Item]:
    """The special-category terms of a text that already counts as about an identified
    person, which no tie rule gave to that person (red team RT-144): they are reported as
    SPECIAL_CATEGORY all the same, at a lower score. The category decides which approval
    suffices (PS4: an Equality Analysis, beyond the DPIA of PS3), so it fails closed: a
    case file whose ``Claimant: Jane Smith`` header is 4 KB above "the claimant's multiple
    sclerosis" is special-category data about her. The block decision does not change
    (the text blocks as PERSONAL_DATA already); a format example ("e.g. diabetes") is no
    one's condition."""
    tied = {(i.start, i.end) for i in counted if i.tier == Tier.SPECIAL}
    return [
        Item(
            s.category, s.entity, s.start, s.end, UNTIED_SPECIAL_SCORE,
            "special_category.untied", Tier.SPECIAL, s.form,
        )
        for s in special
        if (s.start, s.end) not in tied and not _example(hits, s, text)
    ]  # fmt: skip


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
    text: str,
    cands: list[Candidate],
    persons: list[Item],
    hits: Hits,
    parsed: Parsed | None = None,
    name_words: NameSets = SHIPPED,
) -> tuple[list[Item], bool]:
    """Return ``(items that count, needs_parse)``.

    ``needs_parse`` is True when names (NER) and the sentence structure (parser) could
    still change the outcome: no identifier decides it, and there is personal context.
    The engine then runs spaCy on the windows around the context and calls
    :func:`combine` again with the names it found and the parse. ``name_words``: the engine's
    forenames and non-names (``names.yaml`` with its configured changes).
    """
    direct = [_item(c) for c in cands if c.tier == Tier.DIRECT]
    strong = [_item(c) for c in cands if c.tier == Tier.STRONG]
    contact = [_item(c) for c in cands if c.tier == Tier.CONTACT]
    weak = [
        _item(c)
        for c in cands
        if c.tier == Tier.WEAK
        and not (c.entity in _ADDRESS_LINES and placeholder_address(text[c.start : c.end]))
    ]
    names = [_item(c) for c in cands if c.tier == Tier.PERSON] + persons
    special_groups = hits.groups_with_prefix("special:")
    for c in cands:
        if c.tier == Tier.NAME_CUE and (
            any(hits.near(group, c.start, c.end, CASE_WINDOW) for group in CUE_CONFIRMERS)
            # "Cerys ap Gruffydd is undergoing IVF": a sentence's subject, then a
            # special-category fact right after
            or (
                c.pattern in SUBJECT_FORMS
                and any(hits.near(g, c.end, c.end, 0, SUBJECT_FACT_CHARS) for g in special_groups)
            )
        ):
            item = _item(c)
            item.tier = Tier.PERSON
            names.append(item)
    names = [n for n in names if not placeholder(text[n.start : n.end])]

    # a street line with a postcode after it, or with address context, is an address
    postcodes = [w for w in weak if w.entity in _ADDRESS_CONFIRMERS]
    for w in weak:
        if w.entity not in _ADDRESS_LINES:
            continue
        confirmed = any(
            w.end <= p.start <= w.end + POSTCODE_AFTER_STREET for p in postcodes
        ) or hits.near(f"ctx:{w.entity}", w.start, w.end, 60, 0)
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
    if not (names or weak or special or personal_ctx or contact):
        return _dedupe(direct + strong), False  # nothing about a person to judge
    without_object_names(text, hits)  # "Date Placeholder 3" of a deck's layouts
    reg = register(text, hits)
    # sentences are needed only to tie names or special-category terms to someone
    structure = Structure(text, hits, parsed) if (names or special) else None

    if reg.toy:  # a programming task's or a story's address is toy data
        contact = [c for c in contact if c.entity not in _ADDRESS_LINES | _ADDRESS_CONFIRMERS]
    # a format example ("e.g. 07700 900123", "for example 'John Smith'") is nobody's data
    contact = [c for c in contact if not _example(hits, c, text)]
    weak = [w for w in weak if not _example(hits, w, text)]
    names = [n for n in names if not _example(hits, n, text)]
    counted: list[Item] = direct + strong + contact
    identified = bool(strong or contact)
    if identified:
        anchors = strong + contact + names
        about = [s for s in special if _about_someone(structure, s, anchors)]
        counted += weak + names + about
        counted += untied_special(text, hits, special, counted)
        return _dedupe(counted), False

    # names with personal context about them (same sentence, a pronoun back, a record)
    person_hits: list[Item] = []
    casework_name = False
    stated = False  # a special-category fact stated about a named person
    near_weak, near_special = _Nearby(weak), _Nearby(special)
    casework_spans = hits.spans("casework")
    casework_starts = [s for s, _, _ in casework_spans]
    personal_spans = personal_ctx
    personal_starts = [s for s, _, _ in personal_spans]
    # the names next to personal context are judged first: a flood of names elsewhere in
    # the text (an attendance list) cannot push the one tied to a fact past the cap
    # (red team RT-89)
    names = _context_first(names, weak + special, personal_spans)
    name_spans = sorted((n.start, n.end) for n in names[:MAX_NAMES])
    if structure is not None:
        structure.names = name_spans
    at_work = bool(hits.starts.get("workplace") or hits.starts.get("casework"))
    # the text opens as fiction or a scenario ("Create a training scenario: a fictional ...")
    toy_lead = reg.code_task or hits.near("register:fiction", 0, 0, 0, FICTION_LEAD_CHARS)
    # casework words in the text itself (not only the writer's involvement)
    case_framed = bool(hits.starts.get("framing") or hits.starts.get("casework"))
    for n in names[:MAX_NAMES]:
        span = (n.start, n.end)
        name_text = text[n.start : n.end]
        private = (
            _private_form(n, name_text)
            and not (
                reg.public_text and n.form == "role_name" and not _casework_role_before(text, n)
            )
        ) or _casework_apposition(text, n)
        # a story's or a programming task's names are toy data, and English NER is not
        # trusted on other languages; either still counts when a special-category term is
        # tied to the name and (toy) the text places the person at work ("test data:
        # Jane Smith, HIV, Leeds office"): the framing words are the writer's to choose
        foreign = not reg.english and n.form == "ner"
        guarded = reg.toy or foreign
        if guarded and not (special and (at_work or not reg.toy)):
            continue
        if n.form == "split_cell_name" and not _SURNAME_FIELD.search(
            text, max(0, n.start - RECORD_CHARS), n.start
        ):
            continue  # two cells are one name under a forename / surname header only
        if n.form == "initials_age" and not (reg.casework or reg.involved):
            continue  # "GH, 42, ex-forces": initials stand for someone in casework only
        if reg.toy and toy_lead and " " not in name_text.strip():
            continue  # "a fictional employee, 'Sam', discloses ...": a lone name is a character
        if foreign and not name_words.forename(name_text.split()[0]):
            continue  # "América Latina": English NER on another language needs a forename
        outside_casework = not (reg.casework or reg.involved)
        if not private and (
            reg.public_text
            or structure.public(span, reporting=outside_casework)
            # "Dame Deborah James raised ...": a title the Crown gives public figures
            or (outside_casework and _public_title(text, n))
        ):
            continue
        record = (
            n.form in RECORD_FORMS or _labelled_line(text, n.start) or _record_line(text, n.start)
        )

        # the person is also mentioned later by forename or surname alone ("Present:
        # Lorraine Pickett ... Item 3: Lorraine is off sick"): context about a later
        # mention is about the named person
        tw: list[Item] = []
        ts: list[Item] = []
        tcase = tsoft = False
        # (only in casework: in published text a surname recurs through a whole article)
        later = _aliases(text, n, name_spans, name_words) if case_framed else []
        # a letter's addressee or its signed writer is spoken of paragraphs away
        reach = LETTER_CHARS if structure.speaker(span) else NAME_WINDOW
        obj = structure.json_object(n.start) if "{" in text else None
        if obj is not None:
            # the name is a value in a JSON object: the object is its record (any size up
            # to JSON_RECORD_CHARS, any key shapes, nested objects included)
            record = True
            reach = max(reach, obj[1] - n.start, n.start - obj[0])
        for mention in [n, *later]:
            mspan = (mention.start, mention.end)

            def tied(s: int, e: int, span=mspan, record=record) -> bool:
                return structure.tied(span, (s, e), record=record)

            tw += [w for w in near_weak(mention, reach) if tied(w.start, w.end)]
            # a special-category term up to a later turn or paragraph away ("The claimant is
            # X." ... "She has MS"): the tie rules bound how far each reference carries
            ts += [
                x
                for x in near_special(mention, max(reach, TURN_CARRY_CHARS))
                if tied(x.start, x.end)
            ]
            case_here = any(
                tied(s, e) for s, e, _ in _window(casework_spans, casework_starts, mention, reach)
            )
            tcase = tcase or case_here
            tsoft = (
                tsoft
                or case_here
                or any(
                    tied(s, e)
                    for s, e, _ in _window(personal_spans, personal_starts, mention, NAME_WINDOW)
                )
            )
        if not (tw or ts or tsoft) or (guarded and not ts):
            continue
        strong_tie = bool(tw or ts or tcase)
        framed = reg.casework or reg.involved or private
        if (
            n.form == "contacted_name"
            and not name_words.forename(name_text[:1].upper() + name_text[1:])
            and not at_work
        ):
            continue  # "spoke to Boots about her prescription": an unlisted word is a
            # colleague's or a claimant's forename only in a text about work or casework
        # "kyle rang again, ... his depression": a lower-case forename opening a sentence as
        # its subject, with a special-category fact tied to it, names the person
        subject_fact = n.form == "subject_name_lower" and bool(ts)
        if n.form in LOWER_FORMS and not (reg.casework or reg.involved or subject_fact):
            continue  # "kelly brannigan": a lower-case name counts only in casework
        if " " not in name_text.strip() and n.form not in ADDRESSED_FORMS | SCRIPT_FORMS | ID_FORMS:
            # a lone word is a name only in a record (a CSV row, a JSON object), or, when
            # it is a known forename, in casework: products, companies and headings are
            # what the small model tags alone ("Cortado")
            in_record = _record_line(text, n.start) and _SURNAME_FIELD.search(
                text, max(0, n.start - RECORD_CHARS), n.start
            )
            # (a forename typed in lower case, "kyle rang again", is the listed forename)
            forename = name_words.forename(name_text[:1].upper() + name_text[1:])
            if not (in_record or (forename and (reg.casework or reg.involved or subject_fact))):
                continue
        if not strong_tie and not framed and reg.news:
            continue  # soft context about a name in news-like text
        person_hits.append(n)
        person_hits += tw + ts
        # a record's field states its fact ("name: X" ... "condition: MS"): no figure is
        # asked about
        stated = stated or any(_stated(text, n, x) for x in ts) or bool(record and ts)
        casework_name = casework_name or tcase
    # two different weak identifiers together (e.g. date of birth and postcode), or a
    # weak identifier of a specific individual in casework ("Claimant DOB ...")
    # (an organisation's helpline or switchboard number is no one's personal data;
    # a programming task's or a story's records are toy data)
    personal_weak = [w for w in weak if w.entity not in _ORG_CONTACTS and not reg.toy]
    weak_kinds = {w.entity for w in personal_weak if w.entity not in _ADDRESS_LINES}
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
        # a greeted person ("Hi Aaron, your ...") is no public figure asked about
        addressed = any(i.form in ADDRESSED_FORMS for i in person_hits)
        # "Describe the support for Kevin Walsh, who has schizophrenia": the writer states a
        # fact about a colleague or claimant (or names their workplace), asks nothing about
        # a figure
        private_fact = stated or bool(hits.starts.get("workplace"))
        if (
            only_soft
            and not casework_name
            and not addressed
            and not private_fact
            and general_knowledge(text, hits, [i.start for i in person_hits])
        ):
            person_hits = []

    personal = person_hits + weak_combo
    if personal:
        counted += _dedupe(personal)
        counted += untied_special(text, hits, special, counted)
        # outside casework, the parse can still overturn a name found by its form alone
        # ("X said that ..."); in casework it would not, so the parser is not paid for
        recheck = not (reg.casework or reg.involved) and any(
            i.tier == Tier.PERSON and not _private_form(i, text[i.start : i.end])
            for i in person_hits
        )
        return _dedupe(counted), parsed is None and recheck and not weak_combo

    # names could change the outcome only if nothing blocks yet, there is personal
    # context, and the text is not a general-knowledge question with soft context only
    needs_names = bool(weak or special or personal_ctx) and not direct
    if not reg.english:
        needs_names = needs_names and bool(special)  # only names tied to a special term count
    # (a fact stated about someone, "..., who has schizophrenia", is worth a name search)
    stated_terms = any(_WHO_HAS.search(text, max(0, s.start - 24), s.start) for s in special)
    if (
        needs_names
        and not weak
        and not hits.starts.get("casework")
        and not stated_terms
        and not hits.starts.get("workplace")
        and general_knowledge(text, hits, [i.start for i in special])
    ):
        needs_names = False
    if (reg.toy and not (special and at_work)) or reg.public_text:
        needs_names = False  # names found by NER would not count here
    return counted, needs_names and parsed is None


def _context_first(
    names: list[Item], context: list[Item], spans: list[tuple[int, int, str]]
) -> list[Item]:
    """``names`` with those within :data:`NAME_WINDOW` of a context item or span first (in
    text order), then the others (in text order)."""
    points = sorted([c.start for c in context] + [s for s, _, _ in spans])
    if len(names) <= MAX_NAMES or not points:
        return names

    def near(n: Item) -> bool:
        i = bisect.bisect_left(points, n.start - NAME_WINDOW)
        return i < len(points) and points[i] <= n.end + NAME_WINDOW

    return sorted(names, key=lambda n: (not near(n), n.start))


def _private_form(name: Item, name_text: str) -> bool:
    """The name's form says it is a private individual ("Mrs J. Patel", "Name: ..."), unless
    a public honorific opens it ("Sir Keir Starmer")."""
    return name.form in PRIVATE_FORMS and name_text.split(maxsplit=1)[0] not in _PUBLIC_HONORIFICS


_CASEWORK_ROLES = frozenset(r.lower() for r in _ROLES.list("person.yaml", "casework_roles"))


def _casework_role_before(text: str, name: Item) -> bool:
    """The role word right before a ``role_name`` is a casework role ("claimant X"), not a
    family or work relation ("his wife X", "campaign manager X")."""
    words = text[max(0, name.start - 24) : name.start].lower().split()
    return bool(words) and (words[-1] in _CASEWORK_ROLES or " ".join(words[-2:]) in _CASEWORK_ROLES)


#: "Jane Smith, a benefits claimant, ...", "Ali Khan, 52, the patient ...": a casework role
#: in apposition (``person.yaml: casework_appositions``)
_CASEWORK_APPOSITION = re.compile(
    r"(?i),[ \t]*(?:\d{1,3},[ \t]*)?(?:a|an|the)[ \t]+(?:[a-z\-]+[ \t]+){0,2}?"
    rf"(?:{'|'.join(sorted((re.escape(r) for r in _ROLES.list('person.yaml', 'casework_appositions')), key=len, reverse=True))})\b"
)


def _casework_apposition(text: str, name: Item) -> bool:
    """A casework role in apposition right after the name: a private individual, whatever
    the register of the text around (red team RT-44)."""
    return _CASEWORK_APPOSITION.match(text, name.end, name.end + 64) is not None


def _public_title(text: str, name: Item) -> bool:
    """A public honorific opens the name or stands right before it ("Dame Deborah James")."""
    before = text[max(0, name.start - 12) : name.start].split()
    first = text[name.start : name.end].split()[:1]
    return any(w in _PUBLIC_HONORIFICS for w in first + before[-1:])


#: "X, who has Y" / "X is Y": a fact stated between a name and a special-category term
_STATED_BETWEEN = re.compile(
    rf"(?i)(?:'s)?[\s,]*(?:(?:who|which|that)\s+)?(?:{_phrases_rx('stated_verbs')})\b"
)


#: "..., who has Y", "her Y": a special-category term stated about someone
_WHO_HAS = re.compile(rf"(?i)\bwho\s+(?:{_phrases_rx('who_has_verbs')})(?:\s+\w+)?\s+$")


def _stated(text: str, name: Item, term: Item) -> bool:
    """The text states the special-category fact about the person (rather than asking
    whether a figure had it): "X, who has MS", "X has MS" ("his MS" alone does not: "a
    biography of X, including his illness" asks about a figure)."""
    return term.start >= name.end and bool(
        _STATED_BETWEEN.match(text, name.end, term.start)
        # "the adjustments for Karen Hughes (menopause, anxiety)", "Hughes, K. - epilepsy":
        # a bracket or dash right after the name opens what the writer states about them
        # (red team RT-139)
        or _BRACKETED_AFTER.fullmatch(text, name.end, term.start)
    )


#: between a name and its fact: an opening bracket, a dash or a colon (and blanks)
_BRACKETED_AFTER = re.compile(r"[ \t]{0,3}(?:[(\[]|[-–—:][ \t])[ \t]{0,3}")


#: a later mention of a named person is looked for this far after the full name
ALIAS_CHARS = 3_000
#: at most this many later mentions are judged per name
MAX_ALIASES = 12


def _aliases(
    text: str, n: Item, name_spans: list[tuple[int, int]], name_words: NameSets = SHIPPED
) -> list[Item]:
    """Other mentions of a two-or-more-word name by its forename or surname alone, later
    ("Lorraine", "Pickett") or earlier ("Need an email to Sophie about her ... Sophie
    Delaney, band 5"), outside other names' spans."""
    words = [w.strip(".,'\"()") for w in text[n.start : n.end].split()]
    words = [w.removesuffix("'s").removesuffix("\u2019s") for w in words]
    parts = {w for w in (words[:1] + words[-1:]) if len(w) > 2 and w[:1].isupper()}
    parts = {w for w in parts if w.lower() not in _ALIAS_STOP and not w.isupper()}
    if len(words) < 2 or not parts:
        return []
    out: list[Item] = []
    # an earlier mention only by a known forename, of a name found by its form (not NER):
    # "Aurora ... Aurora Global Database", "Foley ... Dr. Frederick Foley" are no person
    first = words[0]
    # ... or an unlisted forename that opens a sentence as its subject ("Rivka has been off
    # ... the invite to Rivka Adler")
    listed = name_words.forename(first)
    earlier = (
        (
            (s, e)
            for s, e in word_matches(text, (first,), max(0, n.start - ALIAS_CHARS), n.start)
            if listed or (_SUBJECT_OPENING.match(text, e) and _sentence_start(text, s))
        )
        if n.form != "ner" and first in parts
        else ()
    )
    later = word_matches(text, sorted(parts), n.end, n.end + ALIAS_CHARS)
    for s, e in itertools.chain(later, earlier):
        i = bisect.bisect_right(name_spans, (s, len(text))) - 1
        inside = i >= 0 and name_spans[i][0] <= s < name_spans[i][1]
        if inside and name_spans[i] != (s, e):
            continue  # part of another (or the same) full name
        out.append(Item(n.category, n.entity, s, e, n.score, n.detector, n.tier, "alias"))
        if len(out) >= MAX_ALIASES:
            break
    return out


def word_matches(text: str, words: Sequence[str], pos: int, endpos: int) -> list[tuple[int, int]]:
    """The spans ``re.compile(r"\\b(?:w1|w2|...)\\b").finditer(text, pos, endpos)`` finds
    (``words`` escaped, in order), by ``str.find``: a name's own pattern compiled per name
    cost ~10 ms of a cold dev pass in ``re``'s parser and compiler (new names miss its
    cache). As ``re``'s ``\\b``: a word character is ``str.isalnum()`` or ``_``, the character
    before ``pos`` counts, and ``endpos`` ends the text. Leftmost first, then the first word
    in order that fits there; the search resumes at a match's end."""
    end = min(endpos, len(text))
    if end <= 0:
        return []  # re: no boundary at all in an empty text
    found: list[tuple[int, int, int]] = []
    for order, word in enumerate(words):
        if not word:
            continue  # an empty alternative: not asked for (names are never empty)
        at = text.find(word, pos, end)
        while at >= 0:
            stop = at + len(word)
            if _boundary(text, at, end) and _boundary(text, stop, end):
                found.append((at, order, stop))
            at = text.find(word, at + 1, end)
    found.sort()
    out: list[tuple[int, int]] = []
    resume = pos
    for at, _, stop in found:
        if at >= resume:
            out.append((at, stop))
            resume = stop
    return out


def _boundary(text: str, at: int, end: int) -> bool:
    """``re``'s ``\\b`` at ``at`` of ``text[:end]`` (``str`` patterns: Unicode word chars)."""
    before = at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_")
    after = at < end and (text[at].isalnum() or text[at] == "_")
    return before != after


#: a subject verb after a sentence-opening word ("Rivka has ...", "Rivka is ...")
_SUBJECT_OPENING = re.compile(
    rf" (?:{'|'.join(re.escape(v) for v in _ROLES.list('person.yaml', 'subject_verbs'))})\b"
)


def _sentence_start(text: str, pos: int) -> bool:
    """``pos`` opens the text, a line or a sentence."""
    before = text[max(0, pos - 3) : pos]
    return pos == 0 or before.endswith("\n") or before.rstrip(" ").endswith((".", "!", "?"))


_ALIAS_STOP = frozenset(
    w.lower() for w in vocabulary.load().list("register.yaml", "english_function_words")
)


#: how far before an item an example cue ("e.g.", "format:") may stand
EXAMPLE_CUE_CHARS = 48


def _example(hits: Hits, item: Item, text: str = "") -> bool:
    """A format-example cue ("e.g.", "format:") right before the item; a cue that is a
    label of a host name ("cases.example.org/claimants/jane-smith") is no cue."""
    if not hits.near("register:example_cue", item.start, item.start, EXAMPLE_CUE_CHARS, -1):
        return False
    if not text:
        return True
    starts, ends = hits.starts["register:example_cue"], hits.ends["register:example_cue"]
    i = bisect.bisect_left(starts, item.start - EXAMPLE_CUE_CHARS)
    while i < len(starts) and starts[i] <= item.start - 1:
        s, e = starts[i], ends[i]
        if not (text[s - 1 : s] == "." and text[e : e + 1] == "."):
            return True
        i += 1
    return False


def _window(spans, starts, n: Item, window: int):
    lo = bisect.bisect_left(starts, n.start - window)
    hi = bisect.bisect_right(starts, n.end + window)
    return spans[lo:hi]


_LABELLED_LINE = re.compile(r"[ \t]*[\w ]{2,30}[:\-][ \t]*$")


def _labelled_line(text: str, start: int) -> bool:
    """The name is the value of a ``Label:`` field at a line start (a record's head)."""
    nl = text.rfind("\n", max(0, start - 40), start)
    if nl < 0 and start > 40:
        return False
    line_start = nl + 1
    return bool(_LABELLED_LINE.match(text, line_start, start)) if start > line_start else False


#: a record with a surname field: its lone capitalised values are forenames and surnames
_SURNAME_FIELD = re.compile(rf"(?i)\b(?:{_phrases_rx('surname_fields')})\b")
RECORD_CHARS = 600
_FIELD_SEPARATORS = re.compile(r"\":|[|\t;,]")


def _record_line(text: str, start: int) -> bool:
    """The name sits in a record: a CSV/table row or a JSON object (three or more short
    fields, not a sentence with commas)."""
    lo = text.rfind("\n", max(0, start - 300), start) + 1 or max(0, start - 300)
    hi = text.find("\n", start, start + 300)
    line = text[lo : hi if hi >= 0 else start + 300]
    fields = [f for f in _FIELD_SEPARATORS.split(line) if f.strip(' {}[]"')]
    return len(fields) >= 3 and sum(len(f.split()) for f in fields) <= 2 * len(fields)


def _about_someone(structure: Structure | None, item: Item, anchors: list[Item]) -> bool:
    """A special-category term in a text that identifies someone counts when it is about a
    person: tied to a name or identifier, or in a sentence with a pronoun or a role word
    (the claimant, my son)."""
    if structure is None:
        return False
    for a in anchors:
        if abs(a.start - item.start) <= NAME_WINDOW * 2 and structure.tied(
            (a.start, a.end), (item.start, item.end), record=True
        ):
            return True
    lo, hi = structure.span(structure.sentence(item.start))
    sentence = structure.text[lo:hi]
    return bool(_PERSON_REF.search(sentence)) or structure.hits.near("framing", lo, lo, 0, hi - lo)


_PERSON_REF = re.compile(rf"(?i)\b(?:{_phrases_rx('person_references')})\b")


def _dedupe(items: list[Item]) -> list[Item]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for i in items:
        key = (i.entity, i.start, i.end)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


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
