"""Backtracking review of the Python ``re`` patterns of the document rules (combine.py,
subjects.py) and the people / markings / address recognisers' helpers (issue 12).

The recognisers' PATTERNS run on RE2. A few helper patterns still use Python ``re`` (they
need look-arounds, or run on short slices). Each is listed in :data:`REVIEWED` with why
it cannot backtrack super-linearly: it runs on a bounded slice (the bound is a constant of
the module), it is anchored, or its repeated parts are disjoint (each character can be
taken by one branch only, so a failed match gives up in linear time). A new module-level
pattern fails :func:`test_every_re_pattern_is_reviewed` until it is added here.

Found in this review: ``combine._STATED_BETWEEN`` is quadratic when *searched* over a long
whitespace run; the code only ever ``match``es it at a name's end (anchored: linear).
"""

from __future__ import annotations

import re

from detectors import combine, lexicon, subjects
from detectors.recognisers import address, dob, markings, nhs, person

MODULES = (combine, subjects, person, markings, address, lexicon, nhs, dob)

#: pattern name → why it is linear (``bounded:`` the slice it runs on; ``anchored``;
#: ``disjoint``: its repeated parts cannot share a character)
REVIEWED = {
    # combine.py
    "combine._QUESTION_START": "anchored (match at 0); lead-in words and separators disjoint",
    "combine._HISTORICAL_YEAR": "disjoint: fixed-length digits",
    "combine._INVOLVED": "disjoint: an alternation of literal phrases between \\b",
    "combine._SPECIFIC_AMOUNT": "disjoint: literals and digit runs",
    "combine._STATEMENT_BEFORE": "disjoint: one character class",
    "combine._QUESTION_HEAD_END": "one character, a class or a newline, with a one-character lookahead",
    "combine._STATED_BETWEEN": "anchored (match at the name's end): whitespace then literals",
    "combine._BRACKETED_AFTER": "anchored (fullmatch between a name and a term), bounded repeats {0,3}",
    "combine._WHO_HAS": "bounded: 24 chars before a term",
    "combine._LABELLED_LINE": "bounded: 40 chars before a name",
    "combine._SURNAME_FIELD": "disjoint: literal phrases",
    "combine._FIELD_SEPARATORS": "disjoint: one character class",
    "combine._PERSON_REF": "disjoint: literal phrases, bounded: one sentence (<= 2,000)",
    "combine._CASEWORK_APPOSITION": "anchored (match at a name's end), bounded: 64 chars",
    "combine._SUBJECT_OPENING": "anchored (match at a word's end): literals",
    # subjects.py
    "subjects._SUBJECT_PRONOUN": "anchored (match at a sentence start): one class, literals",
    "subjects._OUR": "anchored (match at an appositive's start): literals",
    "subjects._NAME_FIELD": "bounded: 40 chars before a name; anchored at a line start",
    "subjects._SENTENCE_IN_LINE": "disjoint: one punctuation mark and a space or the end",
    "subjects._BLANK_LINE_BEFORE": "bounded: 8 chars before a sentence bound",
    "subjects._ALONE_ON_LINE": "anchored (match at the name's start, ends at its end); letter runs and underscores disjoint",
    "subjects._WORD": "disjoint: one character class",
    "subjects._ABBREVIATION_END": "bounded: 8 chars before a sentence end",
    "subjects._PLURAL_PRONOUN": "disjoint: literal words",
    "subjects._COORDINATED_AFTER": "bounded: 12 chars after a name",
    "subjects._COORDINATED_BEFORE": "bounded: 40 chars before a name",
    "subjects._PRONOUN": "disjoint: literal words",
    "subjects._NOTE_OPENER": "anchored (match at a sentence start): one class, literal words",
    "subjects._SENTENCE_END": "disjoint: punctuation, closers, whitespace",
    "subjects._ROLE_NOUN": "disjoint: literal words",
    "subjects._DEFINITE_NOUN": "disjoint: determiners, then letters between spaces",
    "subjects._INTRODUCED_BEFORE": "bounded: 48-60 chars before a name",
    "subjects._INTRODUCED_AFTER": "bounded: 48 chars after a name",
    "subjects._INTRODUCED_BY_ROLE": "bounded: 60 chars before a name",
    "subjects._INTRODUCES_ROLE_AFTER": "bounded: 60 chars after a name",
    "subjects._SALUTATION_BEFORE": "bounded: SALUTATION_CHARS (60) of the name's line",
    "subjects._CLOSING": "anchored at line starts: separators then literal phrases",
    "subjects._SECOND_PERSON": "bounded: 40 chars before a term",
    "subjects._FIRST_PERSON": "bounded: 40 chars before a term",
    "subjects._SELF_INTRODUCTION": "bounded: 24 chars before a name",
    "subjects._SIGNATURE_GAP": "bounded: 200 chars before a name",
    "subjects._BRACE": "disjoint: one character class",
    "subjects._FIELD_LABEL": "anchored (fullmatch from a line start); bounded {0,40}",
    "subjects._HEADER_ROW": "anchored (fullmatch on a header line); cells {0,40}, {1,20} of them",
    "subjects._NUMBERED_NAME": "bounded: 6 chars after a keyword hit; anchored (match)",
    "subjects._AND_AFTER": "bounded: 12 chars after a name",
    "subjects._AND_BEFORE": "bounded: 40 chars before a name",
    "subjects._FIELD_LINE": "bounded quantifiers ({0,40}, {0,200}); fullmatch per field",
    "subjects._BIOGRAPHY": "bounded quantifier {4,60}; searched in 20,000 chars",
    "subjects._BARE_YEAR": "disjoint: fixed-length digits",
    "subjects._CODE_SHAPE": "disjoint: [^()\\n]* stops at the next bracket; 20,000 chars",
    "subjects._QUOTE": "bounded quantifier {12,400}; 20,000 chars",
    "subjects._APPOSITION": "anchored (match after a name): whitespace then literals",
    "subjects._REPORTED_BY": "bounded: 48 chars before a name",
    "subjects._BYLINE": "bounded: 48 chars before a name",
    "subjects._TITLE_GAP": "bounded: the gap between a role word and a name (<= 48 chars)",
    # person.py (NER masking and window gating)
    "person._CAPITALISED": "disjoint: one capital then letters",
    "person._FENCE": "lazy .*? to the next fence or the end: each fence scanned once",
    "person._TABLE_ROW": "anchored at line starts; .* to the line end",
    "person._HEADING": "anchored at line starts; .* to the line end",
    "person._BOLD": "bounded quantifier {1,80}",
    "person._LABEL_KEY": "anchored at line starts; bounded {0,30}",
    "person._TITLE_LINE": "anchored at line starts; words separated by single spaces",
    # markings.py (a marking's line: at most 240 chars either side)
    "markings._PREFIX": "anchored (^...$) on a label",
    "markings._KEY_PREFIX": "bounded: a marking's line (240 chars)",
    "markings._IS_MARKED": "bounded: a marking's line (240 chars)",
    "markings._SUBJECT_PREFIX": "bounded: a marking's line (240 chars)",
    "markings._ASKS": "disjoint: literal phrases",
    "markings._THIS_DOC": "bounded: a marking's line (240 chars)",
    "markings._MODIFIER_BEFORE": "bounded: a marking's line (240 chars)",
    "markings._DOC_NOUN": "anchored (^) after a marking",
    "markings._PAGE_FOOTER": "disjoint: literals and digits",
    "markings._OPEN_TAGS": "bounded: a marking's line (240 chars); tag and \\s disjoint",
    "markings._CLOSE_TAG": "anchored (^)",
    "markings._DESCRIPTOR": "anchored (^)",
    "markings._ABOUT": "disjoint: literal phrases",
    "markings._QWORD": "anchored (^)",
    "markings._INTRODUCES": "bounded: a marking's line (240 chars)",
    "markings._INTRODUCED_AFTER": "bounded: a marking's line (240 chars)",
    "markings._IT_IS": "bounded: a marking's line (240 chars)",
    "markings._SCHEME_NOUN": "anchored (^)",
    "markings._AS_KEY": "disjoint: quotes, whitespace, a colon",
    "markings._MARKED_NOTE": "bounded: a marking's line (240 chars)",
    "markings._DESCRIPTOR_ONLY": "fullmatch on a matched token (a few chars)",
    "markings._SEPARATED_DESCRIPTOR": "anchored (^); separators then literal phrases",
    "markings._SHORT": "fullmatch on a matched token (a few chars)",
    "markings._FOREIGN": "fullmatch on a matched token (a few chars)",
    "markings._LABELLED_ONLY": "fullmatch on a matched token (a few chars)",
    "markings._TITLE_DESCRIPTOR": "anchored (^); separators, literal phrases, separators disjoint",
    "markings._HANDLING": "anchored (^)",
    "markings._MARKING_COLUMN": "anchored (^...$) on a column name",
    "person._CELL_BREAK": "bounded: the text of one name match (two table cells)",
    "dob._TOKENS": "disjoint: letter runs or digit runs",
    "dob._DOB_CELL": "anchored: a line start or right after one cell separator (lookbehind); spaces, literal labels, a one-character lookahead",
    "markings._VALUE_OPEN": "disjoint: each branch opens with a literal (a quote, '[', '?'/'&') and walks only the blank run after it; {1,40} bounded; searched on one line",
    "markings._VALUE_CONTENT": "anchored (match at a value's start): \\S+ / \\s+ runs disjoint, three repeats",
    "markings._SCHEME_COLUMN": "anchored (^...$) on a column name",
    "markings._QUALIFIER_BEFORE": "bounded: a marking's line (240 chars)",
    # address.py, lexicon.py, nhs.py
    "address._SECTION_BEFORE": "bounded: 3 chars before a street line",
    "address._COUNTED_AFTER": "bounded: 30 chars after a street line",
    "address._ORG_ADDRESS": "bounded: 60 chars before a street line; {0,40}",
    "lexicon._SPLIT": "disjoint: one character class",
    "lexicon._SPACES": "anchored (match at a run of two spaces found by str.find); one character",
    "lexicon._GLUED_BEFORE": "bounded: the chars before a keyword hit",
    "lexicon._POSSESSED": "bounded: the chars before a keyword hit",
}


def _patterns() -> dict[str, re.Pattern[str]]:
    found: dict[str, re.Pattern[str]] = {}
    for module in MODULES:
        short = module.__name__.rsplit(".", 1)[-1]
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found[f"{short}.{name}"] = value
    return found


def test_every_re_pattern_is_reviewed() -> None:
    """Rule: every module-level Python ``re`` pattern of these modules has a review entry
    (and no entry names a pattern that no longer exists)."""
    found = set(_patterns())
    assert found - set(REVIEWED) == set(), "review the new pattern and add it to REVIEWED"
    assert set(REVIEWED) - found == set(), "remove the entry of a pattern that is gone"
