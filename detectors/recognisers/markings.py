"""Protective markings: OFFICIAL-SENSITIVE and above, caveats, legacy markings.

A marking is told from a mention by its position and form:

* after a ``Classification:`` / ``Protective marking:`` prefix (any case);
* on a line of its own (any case for OFFICIAL-SENSITIVE; capitals for the others);
* in capitals at the start of a line, followed by a separator, a descriptor or a
  caveat (``OFFICIAL-SENSITIVE: PERSONAL``, ``SECRET//UK EYES ONLY``) or by text that
  is not about markings;
* in capitals in brackets (``[OFFICIAL-SENSITIVE]``) or at the end of a short
  footer-like line.

A sentence asking what a marking means or how to handle it is a mention, not a
marking. Plain OFFICIAL is allowed and never matched.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from presidio_analyzer import Pattern

from detectors import vocabulary
from detectors.base import Candidate, Recogniser, Tier

if TYPE_CHECKING:
    from collections.abc import Iterator

_S = r"[ \-_.:/]{0,3}"
#: between the words of OFFICIAL-SENSITIVE: also tabs, markdown emphasis and one line break
#: ("**OFFICIAL**-**SENSITIVE**", "OFFICIAL-\nSENSITIVE")
_S_WIDE = r"(?:[ \t\-_.:/*]{0,6}|[ \t\-_.:/*]{0,3}\n[ \t\-_.:/*]{0,3})"
#: OFFICIAL and SENSITIVE with the digit/letter look-alikes a reader sees through
#: (0 for O, 1/l for I, 4 for A, 5 for S, 3 for E)
_OFFICIAL = r"[o0]ff[i1l]c[i1l][a4][l1]"
_SENSITIVE = r"[s5][e3]n[s5][i1l]t[i1l]v[e3]"
#: how far a marking's "line" reaches either side of it
LINE_REACH = 240
#: one marking decides the category: stop refining a pattern after this many
MAX_FOUND = 8
#: a line that introduces content: at least this much of it on the next lines (chars), read
#: up to FOLLOWING_CHARS
MIN_FOLLOWING = 80
FOLLOWING_CHARS = 400

_DECOR = " \t*#_=-~[](){}<>|\"'`:.,;!"
_VOCABULARY = vocabulary.load()


def _words(key: str) -> str:
    """An alternation of the phrases of ``data/markings.yaml: key`` (longest first; a
    space matches any run of spaces)."""
    phrases = sorted(_VOCABULARY.list("markings.yaml", key), key=len, reverse=True)
    return "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases)


_PREFIX = re.compile(rf"(?i)^(?:(?:{_words('label_qualifiers')})\s+)?(?:{_words('label_words')})$")
#: a classification key at the end of what precedes: "marking=", '"classification": "'
_KEY_PREFIX = re.compile(
    r"(?i)(?:classification|classified|marking|protective_marking|security_classification|"
    r"sensitivity|sensitivity_label|gsc|label)[\"']?\s*[:=]\s*[\"']?$"
)
#: "This document is marked OFFICIAL-SENSITIVE": a statement that the text is marked
_IS_MARKED = re.compile(rf"(?i)\b(?:{_words('marked_verbs')})(?: as)?\s*$")
_SUBJECT_PREFIX = re.compile(
    r"(?i)^(?:(?:e-?mail )?(?:subject(?: line)?|re|fw|fwd|title|header|footer|heading)"
    r"[\s:\[\]()*_-]*)+$"
)
#: a narrow "asking about the marking" test for strong positions (brackets, subject
#: lines, labels), where words like "policy" or "handling" are just the topic
_ASKS = re.compile(rf"(?i)\b(?:{_words('asks')})\b")
#: "this email is OFFICIAL-SENSITIVE": the sentence is about the document at hand
_THIS_DOC = re.compile(
    r"(?i)\b(?:this|the attached|attached|the following|following|enclosed|below)\s+"
    rf"(?:{_words('document_nouns')})\b"
)
#: "the attached OFFICIAL-SENSITIVE report": the marking modifies the text at hand
_MODIFIER_BEFORE = re.compile(rf"(?i)\b(?:{_words('modifier_before')})\s*$")
_DOC_NOUN = re.compile(rf"(?i)^\s*(?:[:(\[-]\s*)?(?:{_words('document_nouns')})\b")
_PAGE_FOOTER = re.compile(r"(?i)\bpage \d+(?: of \d+)?\b")
_OPEN_TAGS = re.compile(r"(?:<[A-Za-z][A-Za-z0-9]{0,10}(?: [^<>]{0,80})?>\s*)+$")
_CLOSE_TAG = re.compile(r"^\s*</[A-Za-z][A-Za-z0-9]{0,10}>")
_DESCRIPTOR = re.compile(rf"^(?:\[?(?:{_words('descriptors')})\b)")
_ABOUT = re.compile(rf"(?i)\b(?:{_words('about')})\b")
_QWORD = re.compile(rf"(?i)^\W*(?:{_words('question_words')})\b")

#: a verb or phrase that introduces content, right before the marking ("pasting the
#: official-sensitive brief below", "here's the official sensitive report")
_INTRODUCES = re.compile(
    rf"(?i)\b(?:{_words('introduces')})"
    rf"(?:\s+(?:you|u))?(?:\s+(?:{_words('introduces_determiners')}))?\s*$"
)
#: what follows a marking that introduces content: a document noun, or "below"/"attached"
_INTRODUCED_AFTER = re.compile(
    r"(?i)^[\s:\-\[\]()]*(?:(?:commercial|personal|locsen|policy|hr|legal|security)"
    rf"[\s:\-\]\)]*)?(?:{_words('document_nouns')}|{_words('introduced_nouns')})\b"
)
#: "it's OFFICIAL-SENSITIVE", "this is official sensitive": the content at hand is marked
_IT_IS = re.compile(rf"(?i)(?:^|[\s,;(])(?:{_words('it_is')})\s*$")
#: a noun after the marking that makes it a mention of the scheme ("it's official
#: sensitive status", "this is official-sensitive level")
_SCHEME_NOUN = re.compile(rf"(?i)^[\s\-]*(?:{_words('scheme_nouns')})\b")
#: the marking is a key: a closing quote then a colon ('"OFFICIAL_SENSITIVE": ...')
_AS_KEY = re.compile(r"[\"']\s*:\s*[\"'\[{]")
#: "(marked official sensitive)": a note in brackets that the text is marked
_MARKED_NOTE = re.compile(r"(?i)[\[(]\s*(?:marked|classified|classed|graded)(?: as)?\s*$")
#: a handling instruction after a marking at a line start ("- pls dont forward")
_HANDLING = re.compile(rf"(?i)^[\s:\-|/]*(?:{_words('handling')})\b")
#: header cells of a column that holds markings ("Marking", "Classification")
_MARKING_COLUMN = re.compile(rf"(?i)^(?:{_words('marking_columns')})$")
#: header cells of a table that describes the scheme rather than labels data
_SCHEME_COLUMN = re.compile(rf"(?i)^(?:{_words('scheme_columns')})$")
#: a scheme qualifier in capitals right before the marking ("UK OFFICIAL-SENSITIVE"):
#: case-sensitive, so "the uk" or "eu" in prose is no qualifier
_QUALIFIER_BEFORE = re.compile(
    rf"(?:^|(?<=[\s\[(]))(?:{'|'.join(map(re.escape, _VOCABULARY.list('markings.yaml', 'scheme_qualifiers')))})[ \t]+$"
)

_DELIMITERS = ",;\t|"


def _forms(key: str) -> str:
    """An alternation of the marking forms of ``data/markings.yaml: key`` (longest first; a
    ``-`` is any dash, a space any run of spaces)."""
    forms = sorted(_VOCABULARY.list("markings.yaml", key), key=len, reverse=True)
    return "|".join(
        r"\s+".join(
            "[\\-\u2010-\u2014]".join(re.escape(p) for p in w.split("-")) for w in f.split()
        )
        for f in forms
    )


#: short forms of OFFICIAL-SENSITIVE ("OFF-SEN", "OS-C"), other schemes' markings in their
#: own words ("RESTREINT UE"), and the shortest form counted only after a label ("OS")
_SHORT_FORMS = _forms("short_forms")
_FOREIGN_FORMS = _forms("foreign_markings")
_LABELLED_SHORT = _forms("short_forms_labelled")
_SHORT = re.compile(rf"(?i)(?:{_SHORT_FORMS}|{_LABELLED_SHORT})")
_FOREIGN = re.compile(rf"(?i)(?:{_FOREIGN_FORMS})")
_LABELLED_ONLY = re.compile(rf"(?i)(?:{_LABELLED_SHORT})")
_DESCRIPTOR_ONLY_FORMS = _forms("descriptor_only_markings")
_DESCRIPTOR_ONLY = re.compile(rf"(?i)(?:{_DESCRIPTOR_ONLY_FORMS})")
#: "PROTECT - STAFF": a separator, then a descriptor in capitals
_SEPARATED_DESCRIPTOR = re.compile(
    rf"^[ \t*_]*[:\-\u2013\u2014|/][ \t*_]*\[?(?:{_words('descriptors')})\b"
)
#: "Restricted - Management": a legacy marking in Title Case with a separator and a
#: descriptor in capitals or Title Case, then the end of the line or another separator
_TITLE_DESCRIPTOR = re.compile(
    rf"^[ \t*_]*[:\-\u2013\u2014|/][ \t*_]*\[?(?P<d>(?i:{_words('descriptors')}))\]?[ \t*_]*(?:$|[:\-\u2013\u2014|/])"
)

_ENTITIES = (
    ("TOP_SECRET", re.compile(r"(?i)^top")),
    ("TOP_SECRET", re.compile(r"(?i)^tr[eè]s")),
    ("OFFICIAL_SENSITIVE", re.compile(r"(?i)^(?:[o0]ff|[\[(]\s*o-s|o\W?s\b|swyddogol)")),
    ("UK_EYES_ONLY", re.compile(r"(?i)^uk")),
    ("SECRET", re.compile(r"(?i)^secret")),
    ("RESTRICTED", re.compile(r"(?i)^restr")),
    ("CONFIDENTIAL", re.compile(r"(?i)^confidenti")),
)


def _entity(token: str) -> str:
    for name, rx in _ENTITIES:
        if rx.match(token):
            return name
    return "MARKING"


def _bracketed(text: str, start: int, end: int) -> bool:
    """``[OFFICIAL-SENSITIVE]``, ``(Official Sensitive: Commercial)``, ``{SECRET}``: an
    opening bracket right before, and only separators/descriptors up to the closing one."""
    i = start
    while i > 0 and text[i - 1] in " *_":
        i -= 1
    if i == 0 or text[i - 1] not in "[({<":
        return False
    tail = text[end : end + 48]
    closes = [j for j in (tail.find(c) for c in "])}>") if j >= 0]
    if not closes:
        return False
    if "!" in tail[: min(closes)]:
        return False  # "(top secret!)": an aside, not a marking
    inner = tail[: min(closes)].strip(_DECOR)
    return not inner or bool(_DESCRIPTOR.match(inner.upper()))


def _cells(line: str, delimiter: str) -> list[str]:
    return [c.strip(" \t\"'`*") for c in line.split(delimiter)]


def _marking_cell(text: str, start: int, end: int, line_start: int, line_end: int) -> bool:
    """The marking is a whole cell of a delimited row (CSV, TSV, pipe table) whose header
    row names a marking column ("Marking", "Classification"), in a table that labels data
    rather than describes the scheme."""
    line = text[line_start:line_end]
    for delimiter in _DELIMITERS:
        if line.count(delimiter) < 2:
            continue
        pad = " \"'`*" if delimiter == "\t" else " \t\"'`*"
        left = text[line_start:start].rstrip(pad)
        right = text[end:line_end].lstrip(pad)
        if not (left == "" or left.endswith(delimiter)) or not (
            right == "" or right.startswith(delimiter)
        ):
            continue
        # the header: the first earlier line (within 2,000 chars) with a marking column
        lo = max(0, line_start - 2000)
        for header in reversed(text[lo:line_start].splitlines()[-40:]):
            cells = _cells(header, delimiter)
            if len(cells) < 3:
                continue
            if any(_MARKING_COLUMN.match(c) for c in cells):
                return not any(_SCHEME_COLUMN.match(c) for c in cells)
    return False


#: what opens a value the marking then heads: a JSON string value or array element (also
#: JSON inside a JSON string: ``\\"note\\": \\"``), a URL query value (red team RT-133)
_VALUE_OPEN = re.compile(r'(?:(\\?")\s*:\s*\\?"|\[\s*(\\?")|[?&][\w.\-]{1,40}(=))$')
#: a value's content after its marking: a few words, or a separator and content
_VALUE_CONTENT = re.compile(r"^\s*(?:[:\-|/]\s*\S|(?:\S+\s+){3}\S)")


def _value_after(
    text: str, line_start: int, raw_before: str, end: int, line_end: int
) -> str | None:
    """When the marking begins a value (a JSON string value or array element, a URL query
    value, or a cell of a delimited row under a header row of at least three short cells):
    the rest of that value after the marking; else None."""
    after = text[end:line_end]
    m = _VALUE_OPEN.search(raw_before)
    if m:
        if m.group(3):  # a query value ends at the next parameter
            return unquote_plus(after.split("&", 1)[0].split("#", 1)[0])
        quote = m.group(1) or m.group(2) or '"'
        return after.split(quote, 1)[0]
    delimiter = raw_before[-1:]
    if delimiter not in _DELIMITERS or raw_before.count(delimiter) > 40:
        return None
    header_end = text.rfind("\n", 0, max(0, line_start - 1))
    cells = _cells(text[header_end + 1 : max(0, line_start - 1)], delimiter)
    if len(cells) < 3 or not all(0 < len(c) <= 40 for c in cells):
        return None
    return after.split(delimiter, 1)[0]


def _is_upper(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


class MarkingRecogniser(Recogniser):
    """OFFICIAL-SENSITIVE (any dash/space/case form) and above, in marking position."""

    ENTITY = "PROTECTIVE_MARKING"
    CATEGORY = "OFFICIAL_SENSITIVE"
    TIER = Tier.DIRECT
    IGNORE_CASE = True
    PATTERNS = (
        Pattern("official_sensitive", rf"\b{_OFFICIAL}{_S_WIDE}{_SENSITIVE}\b", 0.9),
        # "OFFICIAL (SENSITIVE)", and the Welsh form of bilingual markings
        Pattern("official_paren_sensitive", rf"\b{_OFFICIAL}\s*\(\s*{_SENSITIVE}\s*\)", 0.9),
        Pattern("swyddogol_sensitif", rf"\bswyddogol{_S_WIDE}sensitif\b", 0.9),
        # the standard short form ("OFFSEN"), and "O-S" (counted only in brackets)
        Pattern("offsen", r"\b[o0]ff[s5][e3]n\b", 0.9),
        Pattern("o_s_short", r"[\[(]\s*O-S\s*[\])]", 0.8),
        # other short forms ("OFF-SEN", "OS-C"; capitals only, see refine) and the
        # shortest one only after a classification label ("Security classification: OS")
        Pattern("short_form", rf"\b(?:{_SHORT_FORMS})\b", 0.8),
        Pattern(
            "short_form_labelled",
            rf"\b(?:{_words('short_form_labels')})[ \t]*[:=][ \t]*[\"'\[(]?(?P<v>{_LABELLED_SHORT})\b",
            0.8,
        ),
        # a legacy marking that is also a word, with its descriptor ("PROTECT - STAFF")
        Pattern("descriptor_only", rf"\b(?:{_DESCRIPTOR_ONLY_FORMS})\b", 0.7),
        # other schemes' markings in their own words ("RESTREINT UE"; capitals only)
        Pattern("foreign_marking", rf"\b(?:{_FOREIGN_FORMS})\b", 0.8),
        Pattern("top_secret", rf"\btop{_S}secret\b", 0.9),
        Pattern("secret", r"\bsecret\b", 0.7),
        Pattern("restricted", r"\brestricted\b", 0.6),
        Pattern("confidential", r"\bconfidential\b", 0.6),
        Pattern("uk_eyes_only", rf"\buk{_S}eyes{_S}only\b", 0.9),
    )

    def candidates_for(self, index: int, text: str, data: bytes, b2c) -> Iterator[Candidate]:
        for n, c in enumerate(super().candidates_for(index, text, data, b2c), 1):
            yield c
            if n >= MAX_FOUND:
                return

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        token = text[start:end]
        entity = _entity(token)
        upper = _is_upper(token)
        # the line, at most LINE_REACH chars either side (a 1 MB line stays linear)
        line_start = text.rfind("\n", max(0, start - LINE_REACH), start) + 1
        if line_start == 0 and start > LINE_REACH:
            line_start = start - LINE_REACH
        line_end = text.find("\n", end, end + LINE_REACH)
        if line_end < 0:
            line_end = min(len(text), end + LINE_REACH)
        raw_before = text[line_start:start]
        # a short form ("OFF-SEN") or another scheme's own words ("RESTREINT UE") counts
        # only in capitals, and then in the positions OFFICIAL-SENSITIVE does
        short = _SHORT.fullmatch(token) is not None
        foreign = _FOREIGN.fullmatch(token) is not None
        if (short or foreign) and not upper:
            return None
        if _DESCRIPTOR_ONLY.fullmatch(token):
            # "PROTECT - STAFF" at a line start or after a label, in capitals, with a
            # separator and a descriptor after it; never alone or inside a sentence
            head = raw_before.strip(_DECOR)
            if not upper or (head and not _PREFIX.match(head)):
                return None
            after_line = text[end : text.find("\n", end) if "\n" in text[end:] else len(text)]
            if _SEPARATED_DESCRIPTOR.match(after_line) is None or _ASKS.search(after_line):
                return None
            return start, end, "PROTECT"
        qualifier = _QUALIFIER_BEFORE.search(raw_before)
        lead = start  # where the marking (with its qualifier) begins
        if qualifier:  # "UK OFFICIAL-SENSITIVE", "NATO RESTRICTED": the qualifier is the marking's
            raw_before = raw_before[: qualifier.start()]
            lead = line_start + qualifier.start()
        tags = _OPEN_TAGS.search(raw_before)
        if tags:  # "<p>OFFICIAL-SENSITIVE</p>": markup around it is not text
            raw_before = raw_before[: tags.start()]
        before = raw_before.strip(_DECOR)
        after = text[end:line_end]
        close = _CLOSE_TAG.match(after)
        if close:
            after = ""
        after_core = after.strip(_DECOR)
        line = text[line_start:line_end]
        # a marking heading a value with content after it (a JSON string, a CSV cell, a URL
        # query value) is read as a marking heading its line
        if before and after_core:
            rest = _value_after(text, line_start, raw_before, end, line_end)
            if rest is not None and _VALUE_CONTENT.match(rest):
                # the value is the marking's line: its content is what is judged
                before = raw_before = ""
                line = token + rest
        # the part before may be another marking ("TOP SECRET//UK EYES ONLY")
        if before and entity == "UK_EYES_ONLY" and _is_upper(before):
            before = ""
        # "NATO RESTRICTED", "EU CONFIDENTIAL" in capitals heading a line: a scheme's
        # marking, never a word (inside a line, "not available for UK SECRET" is the level)
        qualified = qualifier is not None and upper and not before
        lenient = (
            entity in ("OFFICIAL_SENSITIVE", "TOP_SECRET", "UK_EYES_ONLY")
            or short
            or foreign
            or qualified
        )
        # 1. "Classification: OFFICIAL-SENSITIVE"
        if before and _PREFIX.match(before):
            return start, end, entity
        if before and _KEY_PREFIX.search(raw_before):
            return start, end, entity
        if _LABELLED_ONLY.fullmatch(token):
            return None  # "OS" counts only after a label
        asks = bool(_ASKS.search(line)) or "?" in line
        if token[:1] in "[(":  # "[O-S]": the short form counts only in its brackets
            return None if asks else (start, end, entity)
        # "(marked official sensitive)": a bracketed note that the text is marked
        if lenient and _MARKED_NOTE.search(raw_before) and text[end : end + 2].lstrip()[:1] in ")]":
            return None if asks else (start, end, entity)
        # a whole cell of a table's marking column: "1,Budget plan,OFFICIAL_SENSITIVE,finance"
        if lenient and _marking_cell(text, start, end, line_start, line_end) and not asks:
            return start, end, entity
        # the marking's line introduces content that follows it ("Explain this
        # OFFICIAL-SENSITIVE briefing:", "From the SECRET annex - reword for the deck:", "Can
        # you shorten this? OFFICIAL-SENSITIVE", then a paragraph): whatever the opening
        # word, the marked text is pasted below (red team RT-146); a line about the scheme,
        # or discussion of it below, stays a mention
        if before and (upper or lenient):
            following = text[line_end : line_end + FOLLOWING_CHARS].strip()
            table = line.lstrip().startswith("|")  # a markdown table's cell is no heading
            introduces = not table and line.rstrip(_DECOR.replace(":", "")).endswith(":")
            heads = upper and not table and not after.strip()
            # ("Explain this OFFICIAL-SENSITIVE briefing:" asks for work on a document;
            # "Explain the OFFICIAL-SENSITIVE marking:" asks about the scheme)
            on_document = introduces and bool(_DOC_NOUN.match(after.lstrip(" *_")))
            if (
                len(following) >= MIN_FOLLOWING
                and (introduces or heads)
                and (on_document or not _ABOUT.search(line))
                and not _ABOUT.search(following)
                and not _QWORD.match(following)
            ):
                return start, end, entity
        # content introduced by the sentence: "pasting the official-sensitive brief below"
        if lenient and before:
            sentence = re.split(r"[.!?\n]", text[max(0, lead - 200) : lead])[-1]
            rest = re.split(r"[.!?\n]", text[end : end + 200])[0]
            if (
                _INTRODUCES.search(sentence)
                and _INTRODUCED_AFTER.match(text[end : end + 80])
                # "pasting the official sensitive brief below, can you shorten it?": a
                # request after a comma asks for work on the content, not about the marking
                and "?" not in _clause(text, end, line_end)
                and not _QWORD.match(sentence)
                and not _ASKS.search(sentence + " " + rest)
            ):
                return start, end, entity
        if (upper or lenient) and _bracketed(text, start, end) and not asks:
            return start, end, entity
        if before and _SUBJECT_PREFIX.match(before) and upper:
            if not after_core or not _ABOUT.search(line):
                return start, end, entity
            return None
        if before and _SUBJECT_PREFIX.match(before) and lenient and not asks:
            sep = after[:3].strip(" ")[:1]
            if not after_core or sep in ":-|/[(" or _DESCRIPTOR.match(after_core.upper()):
                return start, end, entity
            return None
        if before and lenient and _PAGE_FOOTER.search(line) and not asks:
            return start, end, entity
        if before and lenient:
            sentence = re.split(r"[.!?\n]", text[max(0, lead - 200) : lead])[-1]
            rest = re.split(r"[.!?\n]", text[end : end + 200])[0]
            whole = sentence + " " + rest
            # "pls summarise, it's official sensitive so keep it short": the writer says
            # the content at hand is marked
            if (
                _IT_IS.search(sentence)
                and not _SCHEME_NOUN.match(rest)
                and "?" not in _clause(text, end, line_end)
                and not _QWORD.match(sentence)
                and not _ASKS.search(whole)
            ):
                return start, end, entity
            if (
                _IS_MARKED.search(sentence)
                and _THIS_DOC.search(whole)
                and "?" not in text[end:line_end]
                and not _QWORD.match(sentence)
                and not _ASKS.search(whole)
            ):
                return start, end, entity
            if (
                upper
                and _MODIFIER_BEFORE.search(sentence)
                and _DOC_NOUN.match(rest)
                and not _QWORD.match(sentence)
                and not _ASKS.search(whole)
            ):
                return start, end, entity
        if before:
            # 4. "[OFFICIAL-SENSITIVE]" in capitals anywhere; 5. footer-like line end
            bracketed = (
                start > 0 and text[start - 1] in "[(" and end < len(text) and text[end] in "])"
            )
            if (upper or lenient) and bracketed and not _ABOUT.search(line):
                return start, end, entity
            footer = (not after_core or _DESCRIPTOR.match(after_core)) and len(line) <= 80
            footer = footer and "?" not in line
            if upper and lenient and footer and not _ABOUT.search(line):
                return start, end, entity
            sentence = re.split(r"[.!?\n]", text[max(0, lead - 200) : lead])[-1]
            rest = re.split(r"[.!\n]", text[end : end + 200])[0]
            if (
                upper
                and lenient
                and _IS_MARKED.search(sentence)
                and "?" not in rest
                and not _ABOUT.search(sentence + " " + rest)
                and not _QWORD.match(sentence)
            ):
                return start, end, entity
            # after a speaker / label ("[10:32] Jo Bloggs: OFFICIAL-SENSITIVE - ...")
            labelled = raw_before.rstrip().endswith(":")
            sep = after[:3].strip(" ")[:1]
            separated = not after_core or sep in ":-|/[("
            if upper and lenient and labelled and separated and not asks:
                return start, end, entity
            # after a short title on its line ("Briefing note OFFICIAL-SENSITIVE: the ...",
            # "note - OFFICIAL-SENSITIVE - the minister ..."): a heading's marking, in
            # capitals, with a separator after it
            titled = len(before.split()) <= 4 and not re.search(r"[.!?,;\"“”]", before)
            if (
                upper
                and lenient
                and titled
                and after_core
                and sep in ":-|/"
                and not asks
                and not _ABOUT.search(line)
                and not _QWORD.match(line)
            ):
                return start, end, entity
            return None
        # at the start of its line from here on
        # 2. the whole line
        if not after_core:
            return (start, end, entity) if (upper or lenient) else None
        if not upper and token[:1].isupper() and token[1:].islower() and not lenient:
            # "Restricted - Management" in Title Case: a separator, a descriptor in capitals
            # or Title Case, then the end of the line or another separator
            m = _TITLE_DESCRIPTOR.match(after)
            if m and m.group("d")[:1].isupper() and not asks:
                return start, end, entity
        if not upper:
            # any case on a marking line: only separators and descriptors follow
            if lenient and _DESCRIPTOR.match(after_core.upper()) and not _ABOUT.search(after):
                return start, end, entity
            # ... or a handling instruction: "official-sensitive - pls dont forward"
            # (the marking's own sentence is judged: "summary of the restructure" after
            # it is the content)
            own = re.split(r"[.!?\n]", after, maxsplit=1)[0]
            if lenient and _HANDLING.match(after) and not asks and not _ABOUT.search(own):
                return start, end, entity
            # ... or a separator and the content: "Official Sensitive - Briefing for ..."
            # (TOP SECRET in lower case only before a document noun: "top secret - my
            # recipe" is a joke)
            sep = after.lstrip(" *_")[:1]
            if lenient and sep in ":-|/" and not asks and not _ABOUT.search(own):
                content = after.lstrip(" *_:-|/")
                if entity != "TOP_SECRET" or _INTRODUCED_AFTER.match(content):
                    return start, end, entity
            return None
        # a JSON/YAML key holding the content: {"OFFICIAL_SENSITIVE": "The Department ..."}
        if _AS_KEY.match(after) and not asks:
            return start, end, entity
        # 3. capitals at the start of a line
        if _DESCRIPTOR.match(after_core) or after.lstrip(" ")[:2] == "//":
            return start, end, entity
        sep = after.lstrip(" *_")[:1]  # ("**OFFICIAL-SENSITIVE** - ...": emphasis)
        if _ABOUT.search(line) or (_QWORD.match(line) and "?" in line):
            return None
        if sep in (":", "-", "|", "/", "[", "(") or (sep in "])" and raw_before.strip() in "[("):
            return start, end, entity
        if lenient and after[:1] in (" ", "\t"):
            return start, end, entity
        return None


def _clause(text: str, start: int, end: int) -> str:
    """``text[start:end]`` up to its first comma or semicolon (the marking's own clause)."""
    part = text[start:end]
    cut = min((i for i in (part.find(","), part.find(";")) if i >= 0), default=len(part))
    return part[:cut]
