"""Person names: honorific / label / salutation patterns, and spaCy NER (PERSON).

Names are :data:`~detectors.base.Tier.PERSON`: they count only together with personal
context (see ``detectors/combine.py``). spaCy runs only on the windows the engine
chooses (where a name could change the decision), never over the whole input.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult

from detectors import vocabulary
from detectors.base import Recogniser, ShapedPattern, Tier
from detectors.namesets import SHIPPED, NameSets, name_sets
from detectors.ner_ops import use_numpy_gemm
from detectors.ner_settings import NerSettings
from detectors.spacy_model import model_path
from detectors.subjects import Parsed

if TYPE_CHECKING:
    from collections.abc import Sequence

    from detectors.settings import DetectorSettings

_VOCABULARY = vocabulary.load()
_PERSON = "person.yaml"
#: ``person.yaml`` keys only the name patterns read: a ``detectors.recognisers.vocabulary``
#: change to one of them rebuilds the patterns of the engine's own recogniser instances
PATTERN_KEYS = (
    "honorifics",
    "particles",
    "labels",
    "roles",
    "greetings",
    "workplace_units",
    "cues",
    "subject_verbs",
    "grades",
    "contact_verbs",
    "lower_subject_verbs",
)


def _name_word(lu: str, ll: str) -> str:
    """A capitalised name word ("Smith", "McDonald", "O'Neill", "Jones-Evans") of the
    capital ``lu`` and the lower-case letter ``ll`` (a pattern or its shape)."""
    return rf"(?:Mc|Mac|O'|D'|Fitz)?{lu}{ll}+(?:['\-]{lu}?{ll}+)?"


_NAME_WORD = _name_word(r"\p{Lu}", r"\p{Ll}")
#: what separates the two cells of a split name (``split_cell_name``)
_CELL_BREAK = re.compile(r"</t[dh]>\s*<t[dh][^<>]{0,40}>|[ \t]*[|\t][ \t]*")
#: Common UK forenames (``detectors/data/names.yaml``). "Forename Surname" is a name even
#: where the small NER model misses it; it still only counts with personal context.
#: The shipped sets; an engine with ``names.yaml`` vocabulary changes has its own
#: :class:`~detectors.namesets.NameSets` (its recognisers' ``names``).
FORENAMES = SHIPPED.forenames


class _NameWords:
    """The regex alternations the name patterns are made of (``person.yaml``)."""

    def __init__(self, vocab: vocabulary.Vocabulary) -> None:
        def alt(key: str) -> str:
            return vocabulary.alternation(vocab.list(_PERSON, key))

        particles = vocab.list(_PERSON, "particles")
        roles = vocab.list(_PERSON, "roles")
        units = vocab.list(_PERSON, "workplace_units")
        #: lower-case particles inside a name ("Cerys ap Gruffydd", "Siobhán Ní Bhriain"),
        #: and the same with a capital
        self.particle = (
            "(?:" + vocabulary.alternation([*particles, *(p.title() for p in particles)]) + ")"
        )
        self.honorific = f"(?:{alt('honorifics')})"
        self.label = f"(?i:{alt('labels')})"
        self.forename_label = f"(?i:{alt('forename_labels')})"
        self.surname_label = f"(?i:{alt('surname_labels')})"
        self.roles = vocabulary.alternation(roles)
        self.roles_title = vocabulary.alternation(r.title() for r in roles)
        self.greetings = alt("greetings")
        #: where a known forename works ("Kerry in payroll"); lower case: "paul from finance"
        self.units = vocabulary.alternation(units)
        self.units_lower = vocabulary.alternation(u.lower() for u in units)
        self.cue = f"(?:{alt('cues')})"
        self.grades = alt("grades")
        self.subject_verbs = alt("subject_verbs")
        self.contact_verbs = f"(?i:{alt('contact_verbs')})"
        #: what a lower-case forename opening a sentence does ("kyle rang again, ...")
        self.lower_subject_verbs = vocabulary.alternation(
            [*vocab.list(_PERSON, "subject_verbs"), *vocab.list(_PERSON, "lower_subject_verbs")]
        )
        #: forenames and non-names (``names.yaml``)
        self.names = name_sets(vocab)


#: a word in a script with no capitals, in which names are written (Arabic, Hebrew, Han,
#: kana, Hangul, Indic scripts, Thai, Ethiopic, Georgian, Armenian)
_SCRIPT_WORD = (
    r"[\p{Arabic}\p{Hebrew}\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}\p{Devanagari}"
    r"\p{Bengali}\p{Gurmukhi}\p{Gujarati}\p{Tamil}\p{Telugu}\p{Kannada}\p{Malayalam}"
    r"\p{Sinhala}\p{Thai}\p{Ethiopic}\p{Georgian}\p{Armenian}"
    "\u0640\u200c\u200d]+"
)
#: the keys of a request's or a file's own name fields ("user: jane.smith")
_FIELD_KEYS = "user|username|user_name|name|display_name|sender|author|filename|file_name"
_UPPER_WORD = r"(?:MC|MAC|O'|D')?[A-Z]{2,}(?:['\-][A-Z]{2,})?"
#: forenames that are not also English words, in lower case ("kelly brannigan"): a name
#: typed in lower case in casework
_LOWER_WORD = r"(?:mc|mac|o'|d')?[a-z]{2,}(?:-[a-z]{2,})?"
#: words after a lower-case forename that make it no name ("kelly said")
NOT_SURNAMES_LOWER = frozenset(_VOCABULARY.list("names.yaml", "not_surnames_lower"))

#: Words spaCy (small model) sometimes tags PERSON that are not names in our prompts.
_NOT_NAMES = SHIPPED.not_names

#: Capitalised words that are never names (a window with nothing else skips NER; a
#: "Forename Surname" match whose surname is one of these is dropped).
NOT_NAME_WORDS = SHIPPED.not_name_words


class NamePatternRecogniser(Recogniser):
    """``Mrs J. Patel``, ``Name: John Smith``, ``Dear Aisha,``: names given away by
    their form, found without NER."""

    ENTITY = "PERSON"
    TIER = Tier.PERSON
    PATTERNS = ()  # set below: name_patterns(the shipped vocabulary)
    #: forenames and non-names (an instance from a changed vocabulary has its own)
    names: NameSets = SHIPPED

    @classmethod
    def from_vocabulary(cls, vocab: vocabulary.Vocabulary) -> NamePatternRecogniser:
        """An instance whose patterns use ``vocab`` (``detectors.recognisers.vocabulary``)."""
        words = _NameWords(vocab)
        rec = cls._with_patterns(name_patterns(words))
        rec.names = words.names
        return rec

    def invalidate_result(self, pattern_text: str) -> bool:
        names = self.names
        # a name over two table cells ("Jane</td><td>Smith", "Jane<TAB>Smith") is judged
        # as the words it is
        pattern_text = _CELL_BREAK.sub(" ", pattern_text)
        words = [w.strip(".,") for w in pattern_text.split()]
        if len(words) == 1 and words[0].lower() in _NOT_LONE_NAMES:
            return True  # "spoke to Payroll about her ...", "met with everyone": no one named
        if pattern_text.islower():  # "kelly said", "rachel from finance": no surname
            last = words[-1]
            if words[0].rstrip(".") in _LOWER_HONORIFICS:
                # "mr form", "ms teams", "miss payments": an honorific needs a surname, and
                # a context, topic or special-category word is none
                return (
                    last in NOT_SURNAMES_LOWER
                    or last in names.not_names
                    or last in _NOT_SURNAMES_AFTER_HONORIFIC
                )
            return last in NOT_SURNAMES_LOWER or last in names.not_names
        if pattern_text.isupper():
            if len(words) == 1:  # "SURNAME: SMITH" (not "NAME: UNKNOWN", "NAME: REDACTED")
                return names.not_name(words[0].title()) or words[0].lower() in _LONE_UPPER_NON_NAMES
            # "MRS SMITH", "JOHN SMITH": the words after the first must not be common
            # capitalised non-names ("MARK SCHEME", "MS SOCIETY")
            return any(
                w.title() in names.not_name_words or w.lower() in names.not_names for w in words[1:]
            )
        if "," in pattern_text:  # "Surname, Forename": the surname is the doubtful word
            return names.not_name(words[0])
        if words[0] == "Master" and words[1] not in names.forenames:
            return True  # "Master" (a boy) is followed by his forename: "Master Card" is not
        if words[0] in _TITLE_HONORIFICS and all(_role_or_common(w, names) for w in words[1:]):
            return True  # "Lord Chancellor", "Lady Chief Justice", "Master Card": titles
        if any(w.lower() in _SPECIAL_WORDS for w in words[1:]):
            return True  # "the Sophia Jewish community": an adjective, not a surname
        last = words[-1:]
        if last and last[0].lower() in _INSTITUTION_WORDS:
            return True  # "Anna University", "Grace Academy": an institution
        return all(names.not_name(w) for w in last)


def _all_lower(w: _NameWords) -> str:
    """Every listed forename in lower case (also those that are words: "sue", "bev")."""
    return "|".join(re.escape(n.lower()) for n in sorted(w.names.forenames, key=len, reverse=True))


class _Parts(NamedTuple):
    """The pieces the name patterns are built of: as matched (:func:`_exact_parts`), or
    their shapes (:func:`_shape_parts`), each matching at least what the exact piece does,
    so a pattern built of shapes matches wherever the pattern built of exact pieces does
    (:class:`detectors.base.ShapedPattern`)."""

    #: what opens the value group: the group itself, or (a shape) no group
    v: str
    lu: str
    ll: str
    name_word: str
    script_word: str
    forename: str
    forename_upper: str
    forename_lower: str
    all_lower: str


#: a capital and a lower-case letter as a shape: an ASCII one or any non-ASCII character
#: (``\p{Lu}`` and ``\p{Ll}`` hold no other ASCII characters), a few instructions where
#: the Unicode classes compile to ~800 each
_LU_SHAPE = "[A-Z\u0080-\U0010ffff]"
_LL_SHAPE = "[a-z\u0080-\U0010ffff]"


def _exact_parts(w: _NameWords) -> _Parts:
    return _Parts(
        v="(?P<v>",
        lu=r"\p{Lu}",
        ll=r"\p{Ll}",
        name_word=_NAME_WORD,
        script_word=_SCRIPT_WORD,
        forename=w.names.forename_rx,
        forename_upper=w.names.forename_upper_rx,
        forename_lower=w.names.forename_lower_rx,
        all_lower=_all_lower(w),
    )


def _shape_parts(w: _NameWords) -> _Parts:
    names = w.names
    return _Parts(
        v="(?:",
        lu=_LU_SHAPE,
        ll=_LL_SHAPE,
        name_word=_name_word(_LU_SHAPE, _LL_SHAPE),
        script_word="[\u0080-\U0010ffff]+",  # every script letter listed is non-ASCII
        forename=names.forename_shape,
        forename_upper=names.forename_upper_shape,
        forename_lower=names.forename_lower_shape,
        all_lower=names.forename_all_lower_shape,
    )


#: name patterns searched as they are: the shape of "lower-case forename, lower-case
#: word" is any two lower-case words (dev corpus: 8,829 shape starts for 7 matches)
_UNSHAPED = frozenset({"forename_surname_lower"})


def _shaped(exact: tuple[Pattern, ...], shapes: tuple[Pattern, ...]) -> tuple[Pattern, ...]:
    """``exact``'s patterns, each with the shape built the same way when that holds more
    than the value group's opening changed (a pattern of no word list and no Unicode
    class is searched as it is)."""
    return tuple(
        ShapedPattern(x.name, x.regex, x.score, s.regex)
        if s.regex != x.regex.replace("(?P<v>", "(?:") and x.name not in _UNSHAPED
        else x
        for x, s in zip(exact, shapes, strict=True)
    )


def name_patterns(w: _NameWords) -> tuple[Pattern, ...]:
    """The name-form patterns, made of ``w``'s vocabulary (shaped: the engine searches
    their shapes, :class:`detectors.base.ShapedPattern`)."""
    return _shaped(_name_patterns(w, _exact_parts(w)), _name_patterns(w, _shape_parts(w)))


def _name_patterns(w: _NameWords, p: _Parts) -> tuple[Pattern, ...]:
    """The name-form patterns of ``w``'s vocabulary, built of ``p``."""
    return (
        Pattern(
            "honorific_name",
            rf"\b{p.v}{w.honorific}\.? (?:[A-Z]\.? ){{0,3}}{p.name_word}(?: {p.name_word}){{0,2}})",
            0.8,
        ),
        Pattern(
            "labelled_name",
            rf"\b{w.label} ?(?:name)?[ \t]*[:\-][ \t]*{p.v}{p.name_word}(?: (?:[A-Z]\.? )?{p.name_word}){{1,3}}"
            rf"|(?:[A-Z]\.? ?){{1,2}} ?{p.name_word})",
            0.8,
        ),
        # a name held in two fields, forename then surname, on one line or the next ("First
        # name: Tomasz\nLast name: Nowak", YAML "forename: X\n  surname: Y", JSON
        # "first_name": "X", "last_name": "Y"): the two values and what joins them
        Pattern(
            "split_field_name",
            rf"\b{w.forename_label}[\"']?[ \t]*[:=][ \t]*[\"']?{p.v}{p.name_word}[\"']?,?"
            rf"[ \t]*\r?\n?[ \t]*(?:- )?[\"']?{w.surname_label}[\"']?[ \t]*[:=][ \t]*[\"']?"
            rf"{p.name_word})\b",
            0.8,
        ),
        # a table row holding a known forename and a surname in two cells, TSV, pipes or
        # HTML ("Tomasz<TAB>Nowak<TAB>epilepsy", "<td>Jane</td><td>Smith</td>"; red team
        # RT-140): the two cells and what separates them
        Pattern(
            "split_cell_name",
            rf"(?:^|\n|\t|\|[ \t]*|<t[dh][^<>]{{0,40}}>){p.v}(?:{p.forename})"
            rf"(?:[ \t]*\|[ \t]*|\t|</t[dh]>[ \t\r\n]*<t[dh][^<>]{{0,40}}>){p.name_word})"
            r"(?:[ \t]*(?:\||\t|\r?\n|$)|</t[dh]>)",
            0.6,
        ),
        # a printed form's or a mainframe screen's field in capitals ("SURNAME: MCDONALD",
        # "FORENAME: MORWENNA    SURNAME: TREGEAR"): the value ends its line or field
        Pattern(
            "labelled_name_upper",
            rf"\b{w.label}(?i:s)? ?(?i:names?)?[ \t]*:[ \t]*"
            rf"{p.v}{_UPPER_WORD}(?: {_UPPER_WORD}){{0,3}})(?:[ \t]*(?:$|\n|\t|[,;|])| {{2,}})",
            0.7,
        ),
        Pattern(
            "role_name",
            rf"\b(?:{w.roles}) {p.v}{p.name_word} (?:[A-Z]\.? )?{p.name_word})\b",
            0.7,
        ),
        # a capitalised role word starts a Title Case run as often as a name ("Customer
        # Relationship Management", "Patient Counseling"): then the name must start with
        # a known forename
        Pattern(
            "role_name",
            rf"\b(?:{w.roles_title}) {p.v}(?:{p.forename}) (?:[A-Z]\.? )?{p.name_word})\b",
            0.7,
        ),
        Pattern(
            "forename_surname",
            rf"\b{p.v}(?:{p.forename})(?:-[A-Z][a-z]+)? (?:[A-Z]\.? )?{p.name_word})\b",
            0.6,
        ),
        Pattern(
            "forename_surname_upper",
            rf"\b{p.v}(?:{p.forename_upper})(?:-[A-Z]{{2,}})? (?:[A-Z]\.? )?{_UPPER_WORD})\b",
            0.6,
        ),
        Pattern(
            "honorific_name_upper",
            rf"\b{p.v}(?:MR|MRS|MISS|MS|MX)\.? (?:[A-Z]\.? ){{0,3}}{_UPPER_WORD}(?: {_UPPER_WORD})?)\b",
            0.7,
        ),
        Pattern(
            "surname_comma_forename",
            rf"\b{p.v}{p.name_word}(?:-{p.name_word})?, (?:{p.forename}))\b",
            0.6,
        ),
        # a case list's "PATEL, Anjali - detained ..." (red team RT-132): the surname in
        # capitals, a known forename (and a middle name), then what ends an entry's name: a
        # dash, colon, bracket, field separator or the line's end ("MIT, Ruby gem for ..."
        # goes on as prose)
        Pattern(
            "surname_comma_forename",
            rf"\b{p.v}{_UPPER_WORD}(?:-{_UPPER_WORD})?, (?:{p.forename})(?: {p.name_word})?)"
            r"[ \t]*(?:[-–—:;,(|\t\n]|$)",
            0.6,
        ),
        # a referral's "GH, 42, ex-forces, PTSD ..." (red team RT-132): initials in
        # capitals, then an age, opening a line or a request's data after its colon
        Pattern(
            "initials_age",
            r"(?:^|\n|:[ \t]+)(?P<v>[A-Z]{2,3}),[ \t]+(?:aged[ \t]+)?\d{1,2}(?:[ \t]*(?:yrs|y/o|yo))?,",
            0.5,
        ),
        # a list entry "Surname, I. - condition" / "Surname, I.J.: ..." (red team RT-58
        # addendum): a surname and initials, then a dash or colon opening the entry's
        # notes (a citation's "Surname, I. (2019)" has no dash)
        Pattern(
            "surname_comma_initial",
            rf"(?:^|[\n;:(]\s*|\b(?:on|re|for|about) )"
            rf"{p.v}{p.name_word}(?:-{p.name_word})?, [A-Z]\.(?: ?[A-Z]\.)?) ?[-–—:] ",
            0.5,
        ),
        # a JSON key or value gluing a known forename to a surname ("Jane_Smith",
        # "JaneSmith"; red team RT-59): quoted, as a record names a person
        Pattern(
            "glued_name",
            rf"[\"']{p.v}(?:{p.forename})(?:_{p.name_word}|(?:Mc|Mac|O)?{p.lu}{p.ll}{{2,}}))[\"']",
            0.5,
        ),
        # ... and a part or line that is only such a name (an OpenAI message's ``name``
        # field, "Jane_Smith", scanned as a part of its own; red team RT-90)
        Pattern(
            "glued_name",
            rf"(?:^|\n)[ \t]*{p.v}(?:{p.forename})_{p.name_word})[ \t]*(?:\n|$)",
            0.5,
        ),
        # a request's or a file's own name field holding a glued name ("user: jane.smith",
        # "filename: Jane_Smith_OH_report.txt", "name: Jane_Smith"; red team RT-121): the
        # sender, or the document's subject (detectors/subjects.py: Structure.speaker)
        Pattern(
            "field_name",
            rf"(?m)^[ \t]*(?i:{_FIELD_KEYS})[ \t]*:[ \t]*[\"']?"
            rf"{p.v}(?:{p.forename}|{p.forename_lower})[._\-](?:{p.name_word}|{_LOWER_WORD}))"
            r"(?:[._\-][\w.\-]{0,60})?[\"']?[ \t]*$",
            0.5,
        ),
        # a handle or a URL slug made of a known forename and a surname ("@JaneSmith71",
        # ".../claimants/jane-smith-1971"; RT-121)
        Pattern(
            "handle_name",
            rf"@{p.v}(?:{p.forename})(?:Mc|Mac|O)?{p.lu}{p.ll}{{2,}})\d{{0,4}}\b",
            0.5,
        ),
        Pattern(
            "slug_name",
            rf"/{p.v}(?:{p.forename_lower})-[a-z]{{2,}}(?:-[a-z]{{2,}})?)(?:-\d{{1,4}})?(?:[/?#.\s]|$)",
            0.5,
        ),
        Pattern("salutation_name", rf"\bDear {p.v}{p.name_word}(?: {p.name_word}){{0,2}})\b", 0.6),
        # "Hi Aaron, your attendance ...": a known forename greeted at the start of a line,
        # an email or a quotation
        Pattern(
            "greeting_name",
            rf"(?:^|[\n\"'“:>\-–]\s*)(?i:{w.greetings}) {p.v}(?:{p.forename}))(?: {p.name_word})?"
            r"\s*[,!\n]",
            0.6,
        ),
        # "Kerry in payroll has ...": a known forename with where the person works
        Pattern(
            "workplace_name",
            rf"\b{p.v}(?:{p.forename}))(?: [A-Z]\.?)? (?:from|in|on|at) (?:the |our |my )?"
            rf"(?:[A-Z]?[a-z]+ ){{0,2}}(?:{w.units})\b",
            0.6,
        ),
        # "Imran (EO)", "Darren M. (HEO, Bolton)": a known forename, or a full name, with a
        # staff grade in brackets
        Pattern(
            "graded_name",
            rf"\b{p.v}{p.name_word}(?: [A-Z]\.| {p.name_word})?) \((?:{w.grades})[,)]",
            0.6,
        ),
        # ... and in lower case ("paul from finance has been diagnosed ...")
        Pattern(
            "workplace_name_lower",
            rf"\b{p.v}(?:{p.forename_lower})) (?:from|in|on|at) (?:the |our |my )?"
            rf"(?:[a-z]+ )?(?:{w.units_lower})\b",
            0.5,
        ),
        # "spoke to bev about her back problems", "email to Kez - she told me ...": the
        # writer's dealings with someone named by a forename (listed or not when
        # capitalised; listed when in lower case), then what is about them
        Pattern(
            "contacted_name",
            rf"\b{w.contact_verbs}(?: (?i:to|with))? {p.v}{p.lu}{p.ll}+|{p.all_lower})"
            r"(?: (?i:about|re|regarding|over|and) (?i:her|his)\b|[ \t]*[,\-–:;]?[ \t]+"
            r"(?i:she|he)(?:'s|’s)?\b)",
            0.5,
        ),
        # "claimant: tom briggs", "name - aisha khan": a labelled name typed in lower case,
        # a listed forename first
        Pattern(
            "labelled_name_lower",
            rf"\b{w.label} ?(?i:name)?[ \t]*[:\-][ \t]*{p.v}(?:{p.all_lower}) {_LOWER_WORD}"
            rf"(?: {_LOWER_WORD})?)\b",
            0.5,
        ),
        # "kyle rang again, says his ...": a listed forename in lower case opening a
        # sentence or a line as its subject (a lone name: counted in casework only)
        Pattern(
            "subject_name_lower",
            rf"(?:^|\n|[.!?:\"“][ \t]+){p.v}{p.forename_lower}) (?:{w.lower_subject_verbs})\b",
            0.5,
        ),
        # "mr and mrs patel", "mrs o'neill" typed in lower case: an honorific and a surname
        # (a couple, or "mrs", is a private form; "mr"/"ms"/"miss" alone count only in
        # casework, detectors/combine.py: "ms teams", "miss payments")
        Pattern(
            "honorific_name_lower",
            rf"\b{p.v}(?:(?:mr|mrs|ms|miss|dr)\.? (?:and|&) (?:mr|mrs|ms|miss|dr)|mrs)\.? {_LOWER_WORD})\b",
            0.5,
        ),
        Pattern(
            "honorific_name_lower_single",
            rf"(?:^|[^\w.]){p.v}(?:mr|ms|miss)\.? {_LOWER_WORD})\b",
            0.5,
        ),
        # "spoke to kelly brannigan": a forename that is no English word, with a surname,
        # typed in lower case (counts only in casework, see detectors/combine.py)
        Pattern(
            "forename_surname_lower",
            rf"\b{p.v}(?:{p.forename_lower})(?:-[a-z]{{2,}})? {_LOWER_WORD})\b",
            0.5,
        ),
    )


NamePatternRecogniser.PATTERNS = name_patterns(_NameWords(_VOCABULARY))


#: Honorifics that are also the first word of a title ("Lord Chancellor", "Master Card").
_TITLE_HONORIFICS = frozenset(_VOCABULARY.list(_PERSON, "title_honorifics"))
#: One-word role titles (``detectors/data/register.yaml`` public_role).
_ROLE_WORDS = frozenset(
    w.lower() for w in _VOCABULARY.list("register.yaml", "public_role") if " " not in w
)
#: One-word special-category terms ("Jewish", "Protestant"): never a surname.
_SPECIAL_WORDS = frozenset(
    t.lower()
    for terms in _VOCABULARY.group("special.yaml", "special").values()
    for t in terms
    if " " not in t and "'" not in t
)


#: Special-category phrases ("Yom Kippur", "Rosh Hashanah"): never a person's name.
_SPECIAL_PHRASES = frozenset(
    t.lower() for terms in _VOCABULARY.group("special.yaml", "special").values() for t in terms
)


#: One-word context terms ("assessment", "referral"): a cued "name" holding one is a heading.
_CONTEXT_WORDS = frozenset(
    t.lower()
    for key in ("personal", "casework")
    for t in _VOCABULARY.list("context.yaml", key)
    if " " not in t
)


#: one word that names no one after "spoke to" / "met with": a workplace unit, a role, a
#: pronoun or function word, or everyone
_NOT_LONE_NAMES = frozenset(
    w.lower()
    for key, file in (
        ("workplace_units", _PERSON),
        ("roles", _PERSON),
        ("english_function_words", "register.yaml"),
        ("lone_non_names", _PERSON),
    )
    for w in _VOCABULARY.list(file, key)
)


#: a form field's value in capitals that is no name ("NAME: UNKNOWN")
_LONE_UPPER_NON_NAMES = frozenset(
    w.lower() for w in _VOCABULARY.list(_PERSON, "lone_non_names")
) | frozenset({"unknown", "redacted", "withheld", "none", "null", "tbc", "tba", "various"})


#: honorifics of the lower-case honorific patterns
_LOWER_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr"})
#: words that are no surname after a lower-case honorific: context, topic and
#: special-category words ("mr decision", "ms teams", "miss appointments"), and the
#: lower-case non-names
_NOT_SURNAMES_AFTER_HONORIFIC = (
    _CONTEXT_WORDS
    | _SPECIAL_WORDS
    | frozenset(w.lower() for w in _VOCABULARY.list("context.yaml", "topic_next"))
    | frozenset(_VOCABULARY.list("names.yaml", "not_surnames_lower"))
)


def _role_or_common(word: str, names: NameSets = SHIPPED) -> bool:
    w = word.strip(".,'\"()")
    return w.lower() in _ROLE_WORDS or names.not_name(w)


#: Last words that make a capitalised pair an institution (``names.yaml``).
_INSTITUTION_WORDS = frozenset(
    w.lower() for w in _VOCABULARY.list("names.yaml", "institution_words")
)

#: Words after a capitalised pair that make it an organisation or place, not a person.
_ORG_NEXT = frozenset(w.lower() for w in _VOCABULARY.list("names.yaml", "org_next"))


class CuedNameRecogniser(Recogniser):
    """A capitalised pair after a cue word or a separator (``journal entry from Shona
    Whitfield``, ``UC journal - Shona Whitfield:``): possibly a name the forename list
    and the small NER model both miss. It counts only next to casework detail
    (``detectors/combine.py``), and organisations and places are dropped."""

    ENTITY = "PERSON"
    TIER = Tier.NAME_CUE
    PATTERNS = ()  # set below: cued_patterns(the shipped vocabulary)
    #: forenames and non-names (an instance from a changed vocabulary has its own)
    names: NameSets = SHIPPED

    @classmethod
    def from_vocabulary(cls, vocab: vocabulary.Vocabulary) -> CuedNameRecogniser:
        """An instance whose patterns use ``vocab`` (``detectors.recognisers.vocabulary``)."""
        words = _NameWords(vocab)
        rec = cls._with_patterns(cued_patterns(words))
        rec.names = words.names
        return rec

    def invalidate_result(self, pattern_text: str) -> bool:
        words = [w for w in pattern_text.split() if w[:1].isupper()]
        if not words:
            return False  # a name in a script without capitals ("张伟"): nothing to judge
        if words[0].lower().endswith("ing") or any(
            _role_or_common(w, self.names)
            or w.lower() in _CONTEXT_WORDS
            or w.lower() in _INSTITUTION_WORDS
            for w in words
        ):
            return True  # "Journaling Writing", "Special Counsel", "Money Assessment"
        return any(p.lower() in _SPECIAL_WORDS for w in words for p in w.split("-"))

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        nxt = text[end : end + 20].split()
        if nxt and nxt[0].strip(".,;:()'\"").lower() in _ORG_NEXT:
            return None
        return start, end, self.ENTITY


def cued_patterns(w: _NameWords) -> tuple[Pattern, ...]:
    """The cued-name patterns, made of ``w``'s vocabulary (shaped)."""
    return _shaped(_cued_patterns(w, _exact_parts(w)), _cued_patterns(w, _shape_parts(w)))


def _cued_patterns(w: _NameWords, p: _Parts) -> tuple[Pattern, ...]:
    """The cued-name patterns of ``w``'s vocabulary, built of ``p``."""
    return (
        Pattern(
            "cued_name",
            rf"(?:\b(?i:{w.cue})|[:\-]) {p.v}{p.name_word} {p.name_word})\b",
            0.5,
        ),
        # a capitalised name opening a sentence, then what happened to the person
        # ("Siobhán Ní Bhriain has been sectioned", "Cerys ap Gruffydd is undergoing IVF")
        Pattern(
            "subject_name",
            rf"(?:^|[.!?;]\s+|\n\s*){p.v}{p.name_word}(?: {w.particle})* {p.name_word}(?: {p.name_word})?)"
            rf"(?:'s)? (?:{w.subject_verbs})\b",
            0.5,
        ),
        # the same in a script without capitals (red team RT-80: "محمد أحمد has HIV",
        # "张伟 has multiple sclerosis"): a run of Arabic, Han, Devanagari... letters
        Pattern(
            "subject_name_script",
            rf"(?:^|[.!?;:]\s+|\n\s*){p.v}{p.script_word}(?: {p.script_word}){{0,3}})"
            rf"(?:'s)? (?:{w.subject_verbs})\b",
            0.5,
        ),
    )


CuedNameRecogniser.PATTERNS = cued_patterns(_NameWords(_VOCABULARY))


class SpacyPersonRecogniser(EntityRecognizer):
    """PERSON entities and the sentence structure from spaCy, on the windows the engine
    chooses. ``parse`` keeps the tagger and the dependency parser (sentences, subjects,
    possessors, reporting verbs for :mod:`detectors.subjects`); without it only ``ner``
    runs. The windows, chunking and budget come from :class:`detectors.ner_settings.NerSettings`.
    """

    ENTITIES: ClassVar[list[str]] = ["PERSON"]

    def __init__(
        self, model: str, settings: NerSettings | None = None, names: NameSets = SHIPPED
    ) -> None:
        self.model = model
        self.settings = settings or NerSettings()
        self.names = names
        self.nlp = None
        super().__init__(supported_entities=self.ENTITIES, name="SpacyPersonRecogniser")

    @classmethod
    def from_settings(cls, settings: DetectorSettings) -> SpacyPersonRecogniser | None:
        """The engine's name finder (``detectors.engine.NAME_FINDER_FACTORY``)."""
        if not settings.ner.enabled:
            return None
        vocab = vocabulary.load().changed(settings.recognisers.vocabulary)
        return cls(settings.spacy_model, settings.ner, name_sets(vocab))

    def load(self) -> None:
        if self.nlp is not None:  # presidio's __init__ loads it; the engine asks again
            return
        import spacy

        path = model_path(self.model)
        if self.settings.parse:
            nlp = spacy.load(path, exclude=["lemmatizer", "senter"])
            keep = {"tok2vec", "tagger", "attribute_ruler", "parser", "ner"}
        else:
            nlp = spacy.load(path, exclude=["parser", "tagger", "lemmatizer", "attribute_ruler"])
            keep = {"ner", "tok2vec"} if "tok2vec" in _ner_listens(nlp) else {"ner"}
        for pipe in list(nlp.pipe_names):
            if pipe not in keep:
                nlp.remove_pipe(pipe)
        use_numpy_gemm(nlp)  # detectors/ner_ops.py: BLIS packs the weights on every call
        self.nlp = nlp
        #: the pipes that run only when a dependency question is asked (Parsed.complete)
        listened = _ner_listens(nlp)
        self._parse_pipes = [p for p in nlp.pipe_names if p != "ner" and p not in listened]

    def persons(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """PERSON spans (char offsets) for each text, batched through ``nlp.pipe``."""
        return [_person_spans(doc, self.names) for doc in self.nlp.pipe(texts, batch_size=32)]

    def analyse(
        self, text: str, windows: list[tuple[int, int]]
    ) -> tuple[list[tuple[int, int]], Parsed]:
        """Plausible PERSON spans (text offsets) and the parse of the ``windows`` of
        ``text``: windows with no candidate capitalised word are skipped; the rest are
        chunked with overlap, masked where no person can be (:func:`mask`), batched, within
        the character budget."""
        cfg = self.settings
        chunks: list[tuple[int, str]] = []
        budget = cfg.budget_chars
        for lo, window_end in windows:
            if budget <= 0:
                break
            hi = min(window_end, lo + budget)
            if not any(
                m.group() not in self.names.not_name_words
                for m in _CAPITALISED.finditer(text, lo, hi)
            ):
                continue
            budget -= hi - lo
            pos = lo
            while pos < hi:
                end = min(hi, pos + cfg.chunk_chars)
                chunks.append((pos, mask(text[pos:end])))
                if end == hi:
                    break
                pos = end - cfg.chunk_overlap
        if not chunks:
            return [], Parsed()
        assert self.nlp is not None
        # the entities first; the parse (its own tok2vec, tagger, parser) on demand
        docs = list(self.nlp.pipe([c for _, c in chunks], batch_size=32, disable=self._parse_pipes))
        seen: set[tuple[int, int]] = set()
        out: list[tuple[int, int]] = []
        for (offset, chunk), doc in zip(chunks, docs, strict=True):
            for s, e in _person_spans(doc, self.names):
                key = (offset + s, offset + e)
                name = chunk[s:e]
                if key in seen or (" " not in name and sentence_initial_verb(chunk, s, e)):
                    continue
                seen.add(key)
                out.append(key)
        if not self.settings.parse:
            return out, Parsed()  # NER only: sentences come from punctuation and lines
        return out, Parsed(
            [(o, d) for (o, _), d in zip(chunks, docs, strict=True)], complete=self._parse
        )

    def _parse(self, doc):
        """Run the parse pipes (in pipeline order) on a doc that holds only the entities:
        the same tags, parse and sentences as the whole pipeline gives."""
        assert self.nlp is not None
        for name in self._parse_pipes:
            doc = self.nlp.get_pipe(name)(doc)
        return doc

    def analyze(self, text: str, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        return [RecognizerResult("PERSON", s, e, 0.85) for s, e in self.persons([text])[0]]


_CAPITALISED = re.compile(r"\b[A-Z][a-z]{1,}")


def _person_spans(doc, names: NameSets = SHIPPED) -> list[tuple[int, int]]:
    spans = []
    for ent in doc.ents:
        if ent.label_ != "PERSON" or not plausible_name(ent.text, names):
            continue
        spans.append((ent.start_char, ent.end_char))
    return spans


#: where no person can be: fenced code, markdown table rows, headings, bold labels,
#: ``Label:`` keys at a line start, and short Title Case lines (headings)
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_TABLE_ROW = re.compile(r"(?m)^[ \t]*\|.*$")
_HEADING = re.compile(r"(?m)^[ \t]*#{1,6}[ \t].*$")
_BOLD = re.compile(r"\*\*[^*\n]{1,80}\*\*|__[^_\n]{1,80}__")
_LABEL_KEY = re.compile(r"(?m)^[ \t\-*\d.]*[A-Za-z][\w /&()-]{0,30}:(?=[ \t]|$)")
_TITLE_WORD = r"(?:[A-Z][\w'&-]*|of|and|the|for|to|in|on|a|an|&|/|-)"
_TITLE_LINE = re.compile(
    rf"(?m)^[ \t\-*\d.)]*{_TITLE_WORD}(?:(?:[ \t]+{_TITLE_WORD}){{2,7}}[ \t]*:?|"
    rf"(?:[ \t]+{_TITLE_WORD}){{0,7}}[ \t]*:)[ \t]*$"
)


def mask(chunk: str) -> str:
    """``chunk`` with the regions where no person can be blanked out (same length, so
    offsets hold): NER is kept off tables, headings, code and labels."""
    out = list(chunk)

    def blank(s: int, e: int) -> None:
        for i in range(s, e):
            if out[i] not in "\n":
                out[i] = " "

    for rx in (_FENCE, _TABLE_ROW, _HEADING, _BOLD, _LABEL_KEY, _TITLE_LINE):
        for m in rx.finditer(chunk):
            blank(m.start(), m.end())
    return "".join(out)


def _ner_listens(nlp) -> set[str]:
    """Pipes the NER component listens to (shared tok2vec), if any."""
    try:
        ner = nlp.get_pipe("ner")
    except KeyError:
        return set()
    listeners = getattr(ner.model, "get_ref", None)
    try:
        tok2vec = ner.model.get_ref("tok2vec") if listeners else None
    except ValueError:
        return set()
    return {"tok2vec"} if tok2vec is not None and "Listener" in tok2vec.name else set()


_IMPERATIVE_NEXT = frozenset(w.lower() for w in _VOCABULARY.list(_PERSON, "imperative_next"))


def sentence_initial_verb(text: str, start: int, end: int) -> bool:
    """A one-word "name" opening a sentence and followed by a preposition or article is
    usually an imperative verb ("Aim for...", "Chase the...")."""
    head = text[max(0, start - 3) : start].strip(" \t\"'*-(")
    if head and head[-1] not in ".!?:\n" and start > 2:
        return False
    rest = text[end : end + 12].split()
    return bool(rest) and rest[0].lower() in _IMPERATIVE_NEXT


def plausible_name(text: str, names: NameSets = SHIPPED) -> bool:
    """Reject NER PERSON spans that are not names: no capital, digits, acronyms alone,
    or only words from a small list of benefits, verbs and months."""
    words = [w.strip(".,'\"()") for w in text.split()]
    words = [w for w in words if w]
    if not words or any(any(c.isdigit() for c in w) for w in words):
        return False
    if not any(w[0].isupper() for w in words):
        return False
    if len(words) == 1 and (words[0].isupper() or len(words[0]) < 2):
        return False
    if (
        any(w.lower() in _SPECIAL_WORDS for w in words)
        or " ".join(words).lower() in _SPECIAL_PHRASES
    ):
        return False  # "United Protestant", "Islamic State", "Yom Kippur": not a person
    if len(words) > 1 and words[-1].lower() in _ORG_NEXT:
        return False  # "Cedar Shake Building", "Anna University": a place or organisation
    return not all(names.not_name(w) for w in words)
