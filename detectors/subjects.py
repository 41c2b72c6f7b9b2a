"""Who the personal context is about: the document rules' view of people (issue 12).

A name counts as personal data only when sensitive context is *about that person*, not
merely near it. This module answers three questions for :mod:`detectors.combine`:

* :class:`Register` - how the whole text is framed: casework about a private individual,
  published news or encyclopaedic text, fiction / role play / hypothetical / textbook or
  toy data, a programming task, or a language other than English.
* :meth:`Structure.tied` - is a context span about a name? Same sentence (spaCy's parser
  when the engine parsed the text, a line/punctuation splitter otherwise) and not only
  through a reporting verb ("X said that benefits ..."); or a later sentence whose
  subject/possessor is a pronoun pointing back to the name; or the name's record
  (``Name: X`` then its fields).
* :meth:`Structure.public` - is a name a public figure in a public role: a role title in
  front of it or in apposition, or the subject of a reporting verb.

Vocabularies are ``detectors/data/register.yaml`` (keyword groups ``register:*``, found in
the same one-pass keyword index as every other context word).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from detectors import vocabulary

if TYPE_CHECKING:
    from detectors.lexicon import Hits

_VOCAB = vocabulary.load()
#: register groups added to the keyword index (``register:<name>``)
REGISTER_GROUPS = ("public_role", "reporting", "news", "encyclopaedic", "fiction", "code_task")
PLACEHOLDER_NAMES = frozenset(
    " ".join(n.lower().replace(".", "").split())
    for n in _VOCAB.list("register.yaml", "placeholder_names")
)
_FUNCTION_WORDS = frozenset(
    w.lower() for w in _VOCAB.list("register.yaml", "english_function_words")
)
_REPORTING_LEMMAS = frozenset(
    w.split()[0] for w in _VOCAB.list("register.yaml", "reporting") if " " not in w
) | frozenset(_VOCAB.list("document.yaml", "reporting_lemmas"))

#: third-person singular pronouns that carry a sentence back to the last named person
_CARRY_PRONOUNS = frozenset(w.lower() for w in _VOCAB.list("document.yaml", "carry_pronouns"))
#: how many sentences back a pronoun may point to a name
CARRY_SENTENCES = 3
#: how many sentences back a pronoun opening a later message or paragraph may point to the
#: one person named before it (a chat's assistant reply or a long turn in between, RT-64)
TURN_CARRY_SENTENCES = 9
#: ... and how many characters
TURN_CARRY_CHARS = 1500
#: how far (chars) a record's fields may follow its ``Name: X`` line
RECORD_CHARS = 600
#: how far into an appositive ("X, the Labour Party leader") its role title may start
APPOSITIVE_CHARS = 24
#: a fiction / role-play cue this near the start frames the whole text
FICTION_LEAD_CHARS = 120
#: the writer's instruction: this many characters at the start and at the end of a text
INSTRUCTION_CHARS = 400
#: a text shorter than this many words is not judged for its language
LANGUAGE_MIN_WORDS = 25
#: below this share of English function words a text is not English
ENGLISH_SHARE = 0.12

_WORD = re.compile(r"[A-Za-z\u00c0-\u024f']+")
#: the text before a false sentence end: an initial ("M.") or an abbreviated title ("Dr.")
_ABBREVIATION_END = re.compile(r"(?:(?:^|[\s(])[A-Z]|\b(?:Mr|Mrs|Ms|Mx|Dr|St|Prof|Rev|Revd))\.\s+$")
#: plural pronouns that carry a sentence back to names given together ("X and Y. They...")
_PLURAL_PRONOUN = re.compile(
    rf"(?i)\b(?:{vocabulary.alternation(_VOCAB.list('document.yaml', 'plural_pronouns'))})\b"
)
#: a name given with another one: "Simon Pardoe and Alan Kerr", "Ann Lee, Tom Shah"
_COORDINATED_AFTER = re.compile(r"\s*(?:,|and|&)\s*(?:(?:Mr|Mrs|Ms|Dr)\.? )?[A-Z]")
_COORDINATED_BEFORE = re.compile(r"[A-Z][\w'\-.]*\s*(?:,|and|&)\s*$")
_PRONOUN = re.compile(rf"(?i)\b(?:{vocabulary.alternation(_CARRY_PRONOUNS)})\b")
#: a sentence opening with a third-person subject pronoun ("She has ...", "He is ...")
_SUBJECT_PRONOUN = re.compile(r"(?i)[\s\"'(\-*]*(?:she|he)\b")
#: a case note's subjectless line opening with a note abbreviation ("Hx MH", "Cx rang")
_NOTE_OPENER = re.compile(
    rf"(?i)[\s\"'(\-*]*(?:{vocabulary.alternation(_VOCAB.list('document.yaml', 'note_openers'))})\b"
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+|\n")
#: person roles a later sentence may refer back by (``document.yaml: back_reference_roles``)
_BACK_ROLES = vocabulary.alternation(_VOCAB.list("document.yaml", "back_reference_roles"))
_ROLE_NOUN = re.compile(rf"(?i)\b({_BACK_ROLES})s?\b")
#: a definite noun phrase in a later sentence ("the claimant", "our new starter"): its head
_DEFINITE_NOUN = re.compile(
    r"(?i)\b(?:the|this|that|these|those|both|our|my)\s+([a-z]{3,})(?:\s+([a-z]{3,}))?\b"
)
#: "The new starter is X" / "X is our new starter": the noun the person is introduced by
_INTRODUCED_BEFORE = re.compile(
    r"(?i)\b(?:the|our|my|your|this)\s+(?:[a-z]+\s+)?([a-z]{3,})\s+(?:is|was|are|were)\s+$"
)
_INTRODUCED_AFTER = re.compile(
    r"(?i)\s*,?\s*(?:is|was)\s+(?:the|our|my|a|an)\s+(?:[a-z]+\s+)?([a-z]{3,})\b"
)
#: "The (new) claimant (concerned) is X" / "X is the claimant": a casework role introduces
_INTRODUCED_BY_ROLE = re.compile(
    rf"(?i)\b(?:the|our|my|this)\s+(?:[a-z]+\s+)?(?:{_BACK_ROLES})s?"
    r"(?:\s+(?:concerned|involved|in question|affected))?\s+(?:is|was|are|were)\s+$"
)
_INTRODUCES_ROLE_AFTER = re.compile(
    rf"(?i)\s*,?\s*(?:is|was)\s+(?:the|our|my|a|an)\s+(?:[a-z]+\s+)?(?:{_BACK_ROLES})\b"
)
#: a salutation and an honorific before a name fit in this many chars of its line
SALUTATION_CHARS = 60
#: how far a letter's addressee or writer reaches (a salutation's "you", a signed "I")
LETTER_CHARS = 6_000
#: how far before the context its "you"/"I" may stand ("your multiple sclerosis", "I was
#: diagnosed with MS"; not "I have five years' experience supporting patients with ...")
PRONOUN_BEFORE_CHARS = 40
_HONORIFICS = vocabulary.alternation(_VOCAB.list("person.yaml", "honorifics"))
#: "Dear Ms Smith," / "Hi Jane," / "To: Kevin Walsh": the line opens by addressing the name
_SALUTATION_BEFORE = re.compile(
    rf"(?im)^[ \t>*_#-]*(?:{vocabulary.alternation(_VOCAB.list('document.yaml', 'salutations'))})"
    rf"[ \t,:]*(?:(?:{_HONORIFICS})\.?[ \t]+)?$"
)
_NOT_ADDRESSEES = frozenset(w.lower() for w in _VOCAB.list("document.yaml", "not_addressees"))
#: "Yours sincerely," / "Kind regards": a closing line (the letter's address ends there)
_CLOSING = re.compile(
    rf"(?im)^[ \t>*_-]*(?:{vocabulary.alternation(_VOCAB.list('document.yaml', 'closings'))})"
    r"[ \t]*[,.!]?[ \t]*$"
)
_SECOND_PERSON = re.compile(
    rf"(?i)\b(?:{vocabulary.alternation(_VOCAB.list('document.yaml', 'second_person_pronouns'))})\b"
)
_FIRST_PERSON = re.compile(
    rf"(?i)\b(?:{vocabulary.alternation(_VOCAB.list('document.yaml', 'first_person_pronouns'))})\b"
)
_SELF_INTRODUCTION = re.compile(
    rf"(?i)\b(?:{vocabulary.alternation(_VOCAB.list('document.yaml', 'self_introductions'))})"
    r"[ \t]+$"
)
#: a name field's key right before a name, at a line start ("user: ", "filename: ")
_NAME_FIELD = re.compile(
    r"(?im)^[ \t]*(user|username|user_name|name|display_name|sender|author|filename|file_name)"
    r"[ \t]*:[ \t]*[\"']?$"
)
_SENDER_KEYS = frozenset({"user", "username", "user_name", "name", "display_name", "sender"})
#: a blank line right before a position (the end of a bounded slice)
_BLANK_LINE_BEFORE = re.compile(r"\n[ \t]*\n[ \t]*$")
#: a user name glued with underscores ("Jane_Smith"), the whole of what is matched
_ALONE_ON_LINE = re.compile(r"[^\W\d_]+(?:_[^\W\d_]+){1,2}")


def _line_is(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is all its line holds (but spaces)."""
    lo = text.rfind("\n", max(0, start - 200), start) + 1
    hi = text.find("\n", end, end + 200)
    hi = len(text) if hi < 0 else hi
    return not text[lo:start].strip() and not text[end:hi].strip()


#: what may stand between a closing line and the signature under it
_SIGNATURE_GAP = re.compile(r"[ \t]*\n[ \t\n]{0,8}$")
#: a JSON object longer than this is no one record (a whole export, a request body)
JSON_RECORD_CHARS = 20_000


#: a text with more braces than this is a bulk export: no JSON record ties (bounded work)
MAX_JSON_BRACES = 40_000


def _json_objects(text: str) -> tuple[list[int], list[int], list[int]]:
    """Every balanced ``{...}`` of ``text`` (one pass over the braces; a brace inside a
    string value counts too, which at worst mis-scopes one record): starts (in order),
    ends and the index of each one's parent (-1 at the top). None above
    :data:`MAX_JSON_BRACES` braces."""
    starts: list[int] = []
    ends: list[int] = []
    parents: list[int] = []
    if text.count("{") + text.count("}") > MAX_JSON_BRACES:
        return starts, ends, parents
    stack: list[int] = []
    for m in _BRACE.finditer(text):
        if m.group() == "{":
            starts.append(m.start())
            ends.append(len(text) + JSON_RECORD_CHARS + 1)  # unclosed: never a record
            parents.append(stack[-1] if stack else -1)
            stack.append(len(starts) - 1)
        elif stack:
            ends[stack.pop()] = m.end()
    return starts, ends, parents


_BRACE = re.compile(r"[{}]")
#: one field of a record per line, ``key: value`` (a JSON object's leaves as extraction
#: renders them, or a form's lines)
_FIELD_LINE = re.compile(r"[ \t]*[A-Za-z][\w .'/()\-]{0,40}:[^\n]{0,200}")
#: the label of a field a context term opens ("Condition: ", "Diagnosis - ")
#: ... and up to three words of the value before the term ("Diagnosis<TAB>relapsing-remitting
#: multiple sclerosis", "Condition: type 1 diabetes")
_FIELD_LABEL = re.compile(r"[ \t]*[A-Za-z][\w .'/()\-]{0,40}(?::|\s-|\t)\s*(?:[\w'\-]+[ \t]+){0,3}")
#: how far back the heading lines of a part may start (a slide's title and shape names)
_PART_HEADING_CHARS = 160
#: a line of a file's properties between its title and its content ("openpyxl", a date)
_METADATA_LINE_CHARS = 60
#: a sentence inside a heading line ("Thanks. We met on Monday"): no heading
_SENTENCE_IN_LINE = re.compile(r"[.!?;,](?:\s|$)")
#: a spreadsheet header row: short labels separated by tabs
_HEADER_ROW = re.compile(
    r"(?:[A-Za-z][\w .'/()\-]{0,40})?(?:\t(?:[A-Za-z][\w .'/()\-]{0,40})?){1,20}"
)
#: the most characters of a cell's line under a header
_CELL_CHARS = 80
#: a name given with another by "and" ("X and Y", "X & Y")
_AND_AFTER = re.compile(r"\s*(?:and|&)\s+(?:(?:Mr|Mrs|Ms|Dr)\.? )?[A-Z]")
_AND_BEFORE = re.compile(r"[A-Z][\w'\-.]*\s+(?:and|&)\s+$")
#: at most this many blank-line separated fields between a record's name and a field
FIELD_RUN = 12


def field_run(gap: str) -> bool:
    """``gap`` (from a name to a context span) crosses only blank-line separated
    ``key: value`` fields: the name's record goes on."""
    pieces = gap.split("\n\n")
    if len(pieces) > FIELD_RUN + 1 or "\n" in pieces[0].strip(" \t"):
        return False
    rest = [p.strip("\n") for p in pieces[1:]]
    return all(_FIELD_LINE.fullmatch(p) for p in rest)


def english(text: str) -> bool:
    """Is ``text`` English enough for English NER (a short text always is)?"""
    words = _WORD.findall(text[:4000])
    if len(words) < LANGUAGE_MIN_WORDS:
        return True
    share = sum(w.lower() in _FUNCTION_WORDS for w in words) / len(words)
    return share >= ENGLISH_SHARE


PLACEHOLDER_ADDRESSES = frozenset(
    " ".join(a.lower().replace(",", " ").split())
    for a in _VOCAB.list("register.yaml", "placeholder_addresses")
)


def placeholder_address(line: str) -> bool:
    """``123 Main Street``: an example street line, nobody's address."""
    return " ".join(line.lower().replace(",", " ").rstrip(".").split()) in PLACEHOLDER_ADDRESSES


def placeholder(name: str) -> bool:
    """``John Doe``, ``Joe Bloggs``, ``A N Other``: example names, nobody's data."""
    words = name.lower().replace(".", "").replace("\u2019s", "").replace("'s", "").split()
    # "Claimant Joe Bloggs", "Mr John Doe": the placeholder inside a longer span
    return any(
        " ".join(words[i:j]) in PLACEHOLDER_NAMES
        for i in range(len(words))
        for j in range(i + 2, min(len(words), i + 4) + 1)
    )


@dataclass(slots=True)
class Register:
    """How a whole text is framed (from keyword hits and the text's shape)."""

    casework: bool = False  #: casework framing about a private individual
    involved: bool = False  #: the writer is dealing with the person ("draft a reply to")
    news: bool = False  #: published news
    encyclopaedic: bool = False  #: biography, history, reference text
    fiction: bool = False  #: fiction, role play, hypothetical, textbook, toy data
    code_task: bool = False  #: a programming task (names in it are toy data)
    english: bool = True

    @property
    def public_text(self) -> bool:
        """News or reference text in which the writer deals with nobody."""
        return (self.news or self.encyclopaedic) and not self.involved

    @property
    def toy(self) -> bool:
        """Fiction or a programming task that is not casework."""
        return (self.fiction or self.code_task) and not self.involved


#: "Denis Theriault (born August 24, 1959) is a Canadian author": a reference biography
_BIOGRAPHY = re.compile(
    r"\((?:born|b\.|n\xe9e?)\s[^)]{4,60}\)\s+(?:is|was)\s+an?\s|\((?:1[5-9]|20)\d\d\s*[-\u2013]\s*"
    r"(?:1[5-9]|20)\d\d\)"
)
_BARE_YEAR = re.compile(r"(?<![\d/.\-])(?:1[6-9]|20)\d\d(?![\d/.\-])")
#: what code looks like: a fence, braces, a call, an assignment, a statement end, a tag
_CODE_SHAPE = re.compile(
    r"```|[{}]|\w\([^()\n]*\)|\w\s*=\s*\S|;\s*$|</?\w+>|^\s*(?:def|class|import|SELECT|INSERT|CREATE)\b",
    re.M,
)
_QUOTE = re.compile(r"[\u201c\"][^\u201d\"\n]{12,400}[\u201d\"]")


#: a numbered object name ("Date Placeholder 3", "Content Placeholder 2": the shape names of
#: every PowerPoint layout, read with the deck): its words frame nothing
_NUMBERED_NAME = re.compile(r"[ \t]+\d{1,3}\b")
_FRAMING_GROUPS = ("register:fiction", "register:example_cue")


def without_object_names(text: str, hits: Hits) -> None:
    """Drop, in place, the fiction and example-cue hits that are part of a numbered object
    name: a deck's layouts ("Footer Placeholder 4") made every pptx read as toy data."""
    for group in _FRAMING_GROUPS:
        ends = hits.ends.get(group)
        if not ends:
            continue
        keep = [i for i, end in enumerate(ends) if _NUMBERED_NAME.match(text, end, end + 6) is None]
        if len(keep) == len(ends):
            continue
        for table in (hits.starts, hits.ends, hits.labels):
            values = table[group]
            table[group] = [values[i] for i in keep]


def register(text: str, hits: Hits) -> Register:
    """Score the text's framing: news/reference signals against casework signals."""

    def count(group: str) -> int:
        return len(set(hits.labels.get(group, ())))

    # the writer's own request sits at the start or the end of a prompt; "respond to" or
    # "told me" inside a pasted article is the article's
    zone = INSTRUCTION_CHARS
    involvement = [
        label
        for start, _, label in hits.spans("involvement")
        if len(text) <= 3 * zone or start < zone or start > len(text) - zone
    ]
    involved = bool(involvement)
    case = count("framing") + count("casework") + 2 * len(set(involvement))
    news = (
        count("register:news")
        + count("register:reporting")
        + min(count("register:public_role"), 3)
        + (len(_QUOTE.findall(text, 0, 20_000)) >= 2)
    )
    reference = (
        count("register:encyclopaedic")
        + 2 * bool(_BIOGRAPHY.search(text, 0, 20_000))
        + (len(set(_BARE_YEAR.findall(text, 0, 20_000))) >= 4)  # a history: 1956, 1960...
    )
    return Register(
        casework=case >= 1,
        involved=involved,
        news=(news >= 4 or count("register:news") >= 3) and news > case,
        encyclopaedic=reference >= 3 and reference + news > case,
        fiction=count("register:fiction") >= 1
        and not involved
        and (case <= 2 or hits.near("register:fiction", 0, 0, 0, FICTION_LEAD_CHARS)),
        # code words alone ("put the answer in JSON for my python script") make no
        # programming task: the text must hold code or a code fence
        code_task=count("register:code_task") >= 2
        and case <= 2
        and bool(_CODE_SHAPE.search(text, 0, 20_000)),
        english=english(text),
    )


@dataclass(slots=True)
class Parsed:
    """spaCy analyses of parts of a text: ``(offset, Doc)`` per analysed chunk.

    With ``complete`` (parse on demand, the name finder's default), the docs hold the
    entities only, and ``complete(doc)`` (the tagger and the dependency parser) runs on a
    chunk the first time :meth:`token` asks for one of its tokens: the parse is more than
    half of spaCy's cost, and most texts ask no dependency question. Sentences then come
    from punctuation and lines (:class:`Structure`), as with ``ner.parse: false``."""

    docs: list[tuple[int, object]] = field(default_factory=list)
    complete: Callable[[object], object] | None = None
    parsed: set[int] = field(default_factory=set)

    def text_at(self, pos: int) -> str | None:
        """The text of the analysed chunk holding position ``pos`` (None outside every
        chunk), without parsing it."""
        for offset, doc in self.docs:
            if offset <= pos < offset + len(doc.text):
                return doc.text
        return None

    def token(self, pos: int):
        """The token covering text position ``pos`` (None outside every chunk); its chunk
        is parsed first when it was not yet."""
        for index, (offset, chunk_doc) in enumerate(self.docs):
            if offset <= pos < offset + len(chunk_doc.text):
                doc = chunk_doc
                if self.complete is not None and index not in self.parsed:
                    doc = self.complete(chunk_doc)
                    self.docs[index] = (offset, doc)
                    self.parsed.add(index)
                span = doc.char_span(pos - offset, pos - offset + 1, alignment_mode="expand")
                if span is not None and len(span):
                    return span[0], offset
        return None


class Structure:
    """Sentences and references of one text (parser-backed where parsed)."""

    def __init__(self, text: str, hits: Hits, parsed: Parsed | None = None) -> None:
        self.text = text
        self.hits = hits
        self.parsed = parsed
        #: the names of the text (sorted spans), set by the document rules: a reference
        #: across a paragraph break points back past none of them
        self.names: list[tuple[int, int]] = []
        self._objects: tuple[list[int], list[int], list[int]] | None = None
        bounds = {0, len(text)}
        for m in _SENTENCE_END.finditer(text):
            # a hard-wrapped prose line continues when the next line starts in lower case
            if m.group().endswith("\n") and m.group().strip() == "":
                nxt = text[m.end() : m.end() + 1]
                if nxt.islower():
                    continue
            bounds.add(m.end())
        if parsed is not None and parsed.complete is None:  # an eager parse's sentences
            for offset, doc in parsed.docs:
                for sent in doc.sents:
                    bounds.add(offset + sent.start_char)
        # "Darren M. (EO) has...", "Mr. Evans": an initial or an abbreviated title ends
        # no sentence; a blank line always does (paragraphs, and the parts of a request,
        # joined by blank lines: "... Owner team B." | "She has MS", RT-64)
        self.bounds = sorted(
            b
            for b in bounds
            if b in (0, len(text))
            or not _ABBREVIATION_END.search(text, max(0, b - 8), b)
            or _BLANK_LINE_BEFORE.search(text, max(0, b - 8), b)
        )

    # -- JSON objects ----------------------------------------------------------------
    def json_object(self, pos: int) -> tuple[int, int] | None:
        """The innermost JSON object (``{...}``, balanced, strings skipped) holding ``pos``,
        when it is at most :data:`JSON_RECORD_CHARS` long: one record, whatever its field
        count, key shapes or nesting (red team RT-66)."""
        if self._objects is None:
            self._objects = _json_objects(self.text)
        starts, ends, parents = self._objects
        i = bisect.bisect_right(starts, pos) - 1
        while i >= 0 and ends[i] <= pos:
            i = parents[i]
        if i < 0 or ends[i] - starts[i] > JSON_RECORD_CHARS:
            return None
        return starts[i], ends[i]

    # -- sentences -------------------------------------------------------------------
    def sentence(self, pos: int) -> int:
        """Index of the sentence holding ``pos``."""
        return max(0, bisect.bisect_right(self.bounds, pos) - 1)

    def span(self, index: int) -> tuple[int, int]:
        """Bounds of sentence ``index`` (a run-on "sentence" is cut to 2,000 chars)."""
        index = min(index, len(self.bounds) - 2)
        lo, hi = self.bounds[index], self.bounds[index + 1]
        return lo, min(hi, lo + 2_000)

    # -- relations -------------------------------------------------------------------
    def tied(self, name: tuple[int, int], ctx: tuple[int, int], *, record: bool) -> bool:
        """Is the context span about the named person (not only near the name)?"""
        ns, cs = self.sentence(name[0]), self.sentence(ctx[0])
        if ns == cs:
            return not self._reported_only(name, ctx)
        if record and name[0] - RECORD_CHARS <= ctx[0] <= name[1] + RECORD_CHARS:
            lo, hi = min(name[1], ctx[0]), max(name[0], ctx[1])
            gap = self.text[lo:hi]
            if "\n\n" not in gap or (name[1] <= ctx[0] and field_run(self.text[name[1] : ctx[0]])):
                # a record's fields, or a table's header and rows; a record whose fields
                # were scanned as separate parts (the leaves of one JSON object, rendered
                # ``key: value``, are joined by blank lines)
                return True
        if name[1] <= ctx[0] and self._field_of_only_name(name, ctx):
            return True
        if record and "{" in self.text:
            obj = self.json_object(name[0])
            if obj is not None and obj[0] <= ctx[0] < obj[1]:
                return True  # a field of the name's object, or of an object nested in it
        if abs(cs - ns) <= CARRY_SENTENCES and self.introduced_by_role(name):
            # "The officer concerned is Patricia Lamb. Please draft the disciplinary
            # letter.": the person the text introduces by a casework role is whom the
            # sentences around are about, unless someone else is named in between
            lo, hi = (name[1], ctx[0]) if name[1] <= ctx[0] else (ctx[1], name[0])
            if not self.named_between(lo, hi):
                return True
        speaker = self.speaker(name)
        if speaker is not None and self._speaks_of(speaker, name, ctx):
            return True
        if 0 < cs - ns <= CARRY_SENTENCES and name[1] <= ctx[0]:
            lo, hi = self.span(cs)
            if (
                _PRONOUN.search(self.text, lo, hi) is None
                and not (self.coordinated(name) and _PLURAL_PRONOUN.search(self.text, lo, hi))
                and not self._role_back_reference(name, lo, hi)
                and not self._note_line(name, lo, hi)
            ):
                return False
            between = self.text[name[1] : lo]
            if "\n\n" not in between:
                return True
            # across a paragraph break or a message boundary ("The claimant is Jane Smith."
            # | "She has MS; draft her letter."): the reference points back to the name
            # when nobody else is named in between
            return not self.named_between(name[1], lo)
        if CARRY_SENTENCES < cs - ns <= TURN_CARRY_SENTENCES and name[1] <= ctx[0]:
            return self._turn_opening_reference(name, cs)
        return False

    def _note_line(self, name: tuple[int, int], lo: int, hi: int) -> bool:
        """A case note's subjectless line ("Hx MH (anx/dep), DV disclosed last wk"; red team
        RT-132): in casework, a sentence opening with a note abbreviation is about the one
        person named before it in its paragraph."""
        return (
            _NOTE_OPENER.match(self.text, lo, hi) is not None
            and bool(self.hits.starts.get("casework") or self.hits.starts.get("framing"))
            and "\n\n" not in self.text[name[1] : lo]
            and not self.named_between(name[1], lo)
        )

    def _field_of_only_name(self, name: tuple[int, int], ctx: tuple[int, int]) -> bool:
        """A labelled field on a later line holds the context ("Letter for Jane Smith." |
        "Condition: multiple sclerosis."): it is about the only person the text names before
        it (RT-64), in the name's paragraph or message or the next one, within
        :data:`TURN_CARRY_CHARS`."""
        line = self.text.rfind("\n", 0, ctx[0]) + 1
        if line <= name[1] or ctx[0] - name[1] > TURN_CARRY_CHARS:
            return False
        if self.text.count("\n\n", name[1], line) > 1 and not self._title_then_metadata(name, line):
            return False  # a paragraph of its own lies between: the field is no longer hers
        if (
            _FIELD_LABEL.fullmatch(self.text, line, ctx[0]) is None
            and not self._under_header(line, ctx)
            and not self._under_part_heading(line, ctx)
        ):
            return False
        if _AND_AFTER.match(self.text, name[1], name[1] + 12) or _AND_BEFORE.search(
            self.text[max(0, name[0] - 40) : name[0]]
        ):
            return False  # "X and Y are in my team": not the only person
        # the only person named in the name's paragraph and up to the field (a later
        # mention of the same person may be): names in earlier paragraphs or parts (a
        # document's author in its properties, before its body) do not compete
        words = set(self.text[name[0] : name[1]].lower().split())
        paragraph = self.text.rfind("\n\n", 0, name[0]) + 1
        lo = bisect.bisect_left(self.names, (paragraph, -1))
        hi = bisect.bisect_left(self.names, (ctx[0], -1))
        return all(words & set(self.text[s:e].lower().split()) for s, e in self.names[lo:hi])

    def _title_then_metadata(self, name: tuple[int, int], line: int) -> bool:
        """The name is a part of its own (a workbook's sheet name, a document's title, as
        extracted: RT-121) and only short lines with no sentence (a file's properties:
        application, version, dates) lie between it and the field's part: the file is
        about that person."""
        lo = self.text.rfind("\n\n", 0, name[0])
        lo = 0 if lo < 0 else lo + 2
        hi = self.text.find("\n\n", name[1])
        if hi < 0 or self.text[lo:hi].strip() != self.text[name[0] : name[1]].strip():
            return False
        between = self.text[hi:line].split("\n")
        return all(
            len(x) <= _METADATA_LINE_CHARS and not _SENTENCE_IN_LINE.search(x) for x in between
        )

    def _under_part_heading(self, line: int, ctx: tuple[int, int]) -> bool:
        """The context opens a line under the short heading lines of a part of its own (a
        slide as extracted: "Title 1" | "Health" | "Content Placeholder 2" | "Multiple
        sclerosis; ..."; red team RT-88), in casework: a deck or workbook is one document
        for whoever reads it, so the next slide's fact is the case's."""
        if line != ctx[0] or not (
            self.hits.starts.get("casework")
            or self.hits.starts.get("framing")
            or self.hits.starts.get("involvement")
        ):
            return False
        part = self.text.rfind("\n\n", max(0, line - _PART_HEADING_CHARS), line)
        if part < 0:
            return False
        lines = self.text[part + 2 : line].split("\n")[:-1]
        return 1 <= len(lines) <= 3 and all(
            0 < len(x.strip()) <= 40 and not _SENTENCE_IN_LINE.search(x) for x in lines
        )

    def _under_header(self, line: int, ctx: tuple[int, int]) -> bool:
        """The context is a cell under a column header of a spreadsheet as extracted (a
        header row of tab-separated cells, then the value alone on its line: "Condition\t"
        | "multiple sclerosis", a second sheet of the same workbook)."""
        if line != ctx[0] or line < 2:
            return False
        end = self.text.find("\n", ctx[1])
        if (end if end >= 0 else len(self.text)) - line > _CELL_CHARS:
            return False
        header = self.text[self.text.rfind("\n", 0, line - 1) + 1 : line - 1]
        return "\t" in header and _HEADER_ROW.fullmatch(header) is not None

    def _turn_opening_reference(self, name: tuple[int, int], cs: int) -> bool:
        """A later message or paragraph opens with a reference to the person ("She has
        MS ...", "This person ..."), more than :data:`CARRY_SENTENCES` after the name: a
        chat's assistant reply, a tool result or a long turn lies in between (RT-64). It
        points back to the name when nobody else is named in between, within
        :data:`TURN_CARRY_CHARS`."""
        lo, hi = self.span(cs)
        if lo - name[1] > TURN_CARRY_CHARS:
            return False
        if not self.text[:lo].rstrip(" \t").endswith("\n\n"):
            # inside a paragraph: a sentence whose subject is "she" / "he" ("She has asked
            # whether her endometriosis ...") after sentences about other things, in casework
            # (minutes, a one-to-one's notes: RT-111)
            return (
                _SUBJECT_PRONOUN.match(self.text, lo, hi) is not None
                and bool(self.hits.starts.get("casework") or self.hits.starts.get("framing"))
                and not self.named_between(name[1], lo)
            )
        if _PRONOUN.search(self.text, lo, hi) is None and not self._role_back_reference(
            name, lo, hi
        ):
            return False
        return not self.named_between(name[1], lo)

    def speaker(self, name: tuple[int, int]) -> str | None:
        """``"addressee"`` for a name the text's letter or e-mail is addressed to ("Dear Ms
        Smith,", "Hi Jane,", "To: Kevin Walsh"), ``"writer"`` for the writer's own name of two
        or more words ("My name is Jane Smith", or a signature under a closing line), else
        None."""
        s, e = name
        words = self.text[s:e].replace("_", " ").split()
        if not words or " ".join(words).lower().strip(".,") in _NOT_ADDRESSEES:
            return None
        nl = self.text.rfind("\n", max(0, s - SALUTATION_CHARS), s)
        near_line_start = nl >= 0 or s <= SALUTATION_CHARS
        if near_line_start and _SALUTATION_BEFORE.search(self.text[nl + 1 : s] or "\0"):
            return "addressee"
        field = _NAME_FIELD.search(self.text, max(0, s - 40), s)
        if field is not None and re.search(r"[._\-]", self.text[s:e]):
            # "user: jane.smith" (the sender), "filename: Jane_Smith_OH_report.txt" (what
            # the document is about): a request's or a file's own name field (RT-121)
            return "writer" if field.group(1).lower() in _SENDER_KEYS else "subject"
        if len(words) < 2:
            return None
        if _SELF_INTRODUCTION.search(self.text, max(0, s - 24), s):
            return "writer"
        if (
            "_" in self.text[s:e]
            and _ALONE_ON_LINE.match(self.text, s, e)
            and _line_is(self.text, s, e)
        ):
            # "Jane_Smith" alone on its line or part: a chat message's ``name`` field, the
            # sender's name (red team RT-90)
            return "writer"
        before = self.text[max(0, s - 200) : s]
        gap = _SIGNATURE_GAP.search(before)
        if gap is not None and _CLOSING.search(before, 0, gap.start() + 1):
            closing = list(_CLOSING.finditer(before, 0, gap.start() + 1))
            if closing and before[closing[-1].end() : gap.start()].strip() == "":
                return "writer"
        return None

    def _speaks_of(self, speaker: str, name: tuple[int, int], ctx: tuple[int, int]) -> bool:
        """The context is said of the letter's addressee ("your multiple sclerosis", in a
        later paragraph, before the closing) or of its self-named writer ("I have multiple
        sclerosis", before or after the name): a second- or first-person pronoun stands
        before the context in its sentence."""
        if abs(ctx[0] - name[0]) > LETTER_CHARS:
            return False
        lo, _ = self.span(self.sentence(ctx[0]))
        lo = max(lo, ctx[0] - PRONOUN_BEFORE_CHARS)
        if speaker == "subject":
            return True  # the file is named after the person: its content is about them
        if speaker == "addressee":
            if ctx[0] < name[1] or _CLOSING.search(self.text, name[1], ctx[0]):
                return False
            return _SECOND_PERSON.search(self.text, lo, ctx[0]) is not None
        return _FIRST_PERSON.search(self.text, lo, ctx[0]) is not None

    def named_between(self, start: int, end: int) -> bool:
        """Is another person named in ``text[start:end]`` (:attr:`names`)?"""
        i = bisect.bisect_left(self.names, (start, -1))
        return i < len(self.names) and self.names[i][0] < end

    def introduced_by_role(self, name: tuple[int, int]) -> bool:
        """The sentence introduces the person by a casework role: "The claimant is X",
        "The officer concerned is X", "X is our new apprentice" (roles in ``document.yaml:
        back_reference_roles``)."""
        ns_lo, ns_hi = self.span(self.sentence(name[0]))
        before = _INTRODUCED_BY_ROLE.search(self.text[max(ns_lo, name[0] - 60) : name[0]])
        after = _INTRODUCES_ROLE_AFTER.match(self.text, name[1], min(ns_hi, name[1] + 60))
        return before is not None or after is not None

    def _role_back_reference(self, name: tuple[int, int], lo: int, hi: int) -> bool:
        """The later sentence refers back to the person by the role they were introduced
        with: "The officer is Dawn Whitlock. ... The officer was late ..."; "the directors,
        A and B, ... The directors are accused ..."."""
        ns_lo, ns_hi = self.span(self.sentence(name[0]))
        introduced = {
            m.group(1).lower().split()[-1].rstrip("s")
            for m in _ROLE_NOUN.finditer(self.text, ns_lo, ns_hi)
        }
        # "The new starter is Priya Natarajan", "Priya Natarajan is our new starter": the
        # sentence itself says what the later one will call the person
        before = _INTRODUCED_BEFORE.search(self.text[max(ns_lo, name[0] - 48) : name[0]])
        after = _INTRODUCED_AFTER.match(self.text, name[1], min(ns_hi, name[1] + 48))
        nouns = [m.group(1).lower() for m in (before, after) if m is not None]
        introduced |= {n.rstrip("s") for n in nouns if n not in _FUNCTION_WORDS}
        if not introduced:
            return False
        for m in _DEFINITE_NOUN.finditer(self.text, lo, hi):
            for word in m.groups():
                if word is not None and word.lower().rstrip("s") in introduced:
                    return True
        return False

    def _role_starts(self, pos: int) -> bool:
        """A role title starts the appositive at ``pos`` ("the Labour Party leader"), not
        a later item of a list ("Dev Anand (chair)")."""
        starts = self.hits.starts.get("register:public_role", [])
        i = bisect.bisect_left(starts, pos)
        while i < len(starts) and starts[i] <= pos + APPOSITIVE_CHARS:
            if not any(c in ",;()[]" for c in self.text[pos : starts[i]]):
                return True
            i += 1
        return False

    def coordinated(self, name: tuple[int, int]) -> bool:
        """The name is given together with another ("X and Y"): "they" may point back."""
        s, e = name
        return bool(
            _COORDINATED_AFTER.match(self.text, e, e + 12)
            or _COORDINATED_BEFORE.search(self.text[max(0, s - 40) : s])
        )

    def _reported_only(self, name: tuple[int, int], ctx: tuple[int, int]) -> bool:
        """The name is the subject of a reporting verb whose complement holds the context
        ("the minister said that benefit sanctions ..."): the context is what the person
        said, not a fact about them (unless a pronoun in it points back: "he said he was
        sanctioned")."""
        if self.parsed is None or not self._may_report(name[0]):
            return False
        found = self.parsed.token(name[0])
        found_ctx = self.parsed.token(ctx[0])
        if found is None or found_ctx is None or found[1] != found_ctx[1]:
            return False
        tok, ctok = found[0], found_ctx[0]
        head = tok
        while head.dep_ in ("compound", "flat", "appos") and head.head is not head:
            head = head.head
        reporting = [v for v in _shared_subject_verbs(head.head) if _reporting(v)]
        if head.dep_ not in ("nsubj", "nsubjpass") or not reporting:
            return False
        for verb in reporting:
            for anc in ctok.ancestors:
                if anc.head is verb and anc.dep_ in ("ccomp", "xcomp", "parataxis", "advcl"):
                    return not any(t.lower_ in _CARRY_PRONOUNS for t in anc.subtree)
                if anc is verb:
                    break
        return False

    def _may_report(self, pos: int) -> bool:
        """Whether the analysed chunk holding ``pos`` has a word that can be a reporting verb
        (:func:`_reporting` accepts only those forms and lemmas): a chunk without one is not
        parsed for a reporting question, whose answer there is no anyway."""
        chunk = self.parsed.text_at(pos) if self.parsed is not None else None
        return chunk is not None and not _REPORTING_WORDS.isdisjoint(_WORD.findall(chunk.lower()))

    def _speaks_of_self(self, s: int, e: int) -> bool:
        """After the name, its sentence holds a carry pronoun and a special-category term."""
        hi = self.span(self.sentence(s))[1]
        if hi <= e or not _PRONOUN.search(self.text, e, hi):
            return False
        return any(
            self.hits.near(g, e, e, 0, hi - e) for g in self.hits.groups_with_prefix("special:")
        )

    def public(self, name: tuple[int, int], *, reporting: bool = True) -> bool:
        """A public figure in a public role: a role title before the name ("Treasury
        Secretary X", "CEO X") or in apposition after it ("X, the chief executive"), or
        (``reporting``: outside casework, where "the claimant says" is no public statement)
        the subject of a reporting verb ("X said", "said X", "according to X")."""
        s, e = name
        before = self.text[max(0, s - 48) : s]
        after = self.text[e : e + 48]
        roles = self.hits
        if roles.near("register:public_role", s, s, 48, -1) and _only_title_words(
            self.text, roles, s
        ):
            return True
        appositive = _APPOSITION.match(after)
        if appositive and self._role_starts(e + appositive.end()):
            role_at = e + appositive.end()
            # "Gemma Shaw, our PCS branch secretary, ...": the writer's own colleague; and,
            # in casework, "X, the PCS branch secretary": a union role is membership (a
            # special-category fact about them), not a public office
            colleague = _OUR.match(self.text, role_at) is not None
            union_role = not reporting and self.hits.near(
                "special:TRADE_UNION", role_at, role_at, 0, APPOSITIVE_CHARS
            )
            if not (colleague or union_role):
                return True
        if _BYLINE.search(before):
            return True  # an author's byline: the writer of a published piece
        if not reporting:
            return False
        if roles.near("register:reporting", e, e, 0, 14) or _REPORTED_BY.search(before):
            # "X says that as the only Black woman in the team she is ...": what someone
            # says of their own life (a he/she/his/her and a special-category term after
            # the name in the sentence) is a fact about them, not a public statement
            # (red team RT-142)
            return not self._speaks_of_self(s, e)
        if self.parsed is not None and self._may_report(s):
            found = self.parsed.token(s)
            if found is not None:
                tok = found[0]
                head = tok
                while head.dep_ in ("compound", "flat") and head.head is not head:
                    head = head.head
                if head.dep_ in ("nsubj",) and any(
                    _reporting(v) and _states_something(v) for v in _shared_subject_verbs(head.head)
                ):
                    # "X said" with X a subject and the verb in the past: public statements
                    return not _PRONOUN.search(self.text, *self.span(self.sentence(s)))
        return False


def _inflections(lemma: str) -> set[str]:
    """The regular forms of a verb: say → says, sayed...; deny → denies, denied."""
    forms = {lemma, lemma + "s", lemma + "ed", lemma + "d", lemma + "es"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    return forms


#: the forms of the reporting verbs as written: the shipped parse has no lemmatizer, so a
#: token's lemma is often empty (irregular pasts from ``document.yaml: reporting_past``)
_REPORTING_FORMS = frozenset(
    form for lemma in _REPORTING_LEMMAS for form in _inflections(lemma)
) | frozenset(_VOCAB.list("document.yaml", "reporting_past"))
#: every word :func:`_reporting` can accept, as written or as a lemma (lower case)
_REPORTING_WORDS = frozenset(w.lower() for w in _REPORTING_FORMS | _REPORTING_LEMMAS)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def _reporting(verb) -> bool:
    """A statement made: a reporting verb in the past or the present third person ("said",
    "tells", "has announced"; by lemma where the parse has one). "What can X claim?" (a
    bare verb after a modal) reports nothing."""
    if verb.tag_ and verb.tag_ not in _STATEMENT_TAGS:
        return False
    return (verb.lemma_ or verb.lower_).lower() in _REPORTING_LEMMAS or (
        verb.lower_ in _REPORTING_FORMS
    )


#: dependants that carry what a reporting verb reports: a clause ("said that ...", a quote
#: parsed as a clause) or an object ("announced the cuts")
_STATEMENT_DEPS = frozenset({"ccomp", "parataxis", "xcomp", "dobj", "obj"})


def _states_something(verb) -> bool:
    """The reporting verb reports a statement: it has a clause or an object, or a colon or a
    quotation follows it. "X argues with colleagues" (only a preposition) reports nothing
    about a public statement; "X argued that ...", "..., X said" do."""
    if any(child.dep_ in _STATEMENT_DEPS for child in verb.children):
        return True
    following = verb.doc.text[verb.idx + len(verb.text) : verb.idx + len(verb.text) + 3]
    return following.lstrip()[:1] in (":", '"', "\u201c", "'")


#: Penn tags of a verb that states something made: past, present third person, participle
_STATEMENT_TAGS = frozenset({"VBD", "VBZ", "VBN"})


def _shared_subject_verbs(verb) -> list:
    """``verb`` and the verbs coordinated with it that share its subject ("X visited the
    hospital and said ...": "said" is X's too)."""
    return [verb] + [
        c for c in verb.conjuncts if not any(ch.dep_ in ("nsubj", "nsubjpass") for ch in c.children)
    ]


#: the writer's own organisation opens an appositive ("X, our branch secretary")
_OUR = re.compile(r"(?i)(?:our|my)\b")
_APPOSITION = re.compile(r"\s*(?:,|\()\s*(?:the |a |an |former |then |current )?")
_REPORTED_BY = re.compile(r"(?i)(?:\bsaid|\bsays|\baccording to|\bquoted)\s*$")
_BYLINE = re.compile(
    r"(?im)(?:^|\n)[ \t]*(?:written |posted |words |photos? )?by[ \t]+$|\bauthor:[ \t]*$"
)
_TITLE_GAP = re.compile(r"^[\s,]*(?:(?:[A-Z][\w.'\-]*|of|the|for|and)\s+)*$")


def _only_title_words(text: str, hits: Hits, start: int) -> bool:
    """Between the role word and the name there are only capitalised words ("Treasury
    Secretary Janet Yellen", "Prime Minister of Japan Fumio Kishida")."""
    ends = hits.ends.get("register:public_role", [])
    i = bisect.bisect_right(ends, start) - 1
    while i >= 0 and ends[i] >= start - 48:
        gap = text[ends[i] : start]
        if _TITLE_GAP.match(gap) and "\n" not in gap:
            return True
        i -= 1
    return False
