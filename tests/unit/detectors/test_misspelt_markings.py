"""Red team RT-151: a protective marking with one slip in a word, or broken by a hyphen at
a line end, is still a marking (a reader recognises it); near misses that are other words,
plurals and questions about the scheme stay allowed. The slips are read in the joined view
(``misspelt_markings`` in ``detectors/data/normalise.yaml``); the markings recogniser then
decides by position as for the marking written correctly."""

from __future__ import annotations

import pytest

from detectors.joined import _slips

MISSPELT = [
    "OFFICAL-SENSITIVE\nThe minister's brief on the reorganisation follows.",  # dropped
    "OFFICIAL-SENSITVE\nBrief follows.",
    "OFFICIAL-SENSTIVE: draft submission on the reorganisation",
    "OFFCIAL SENSITIVE\nBrief follows.",
    "OFFICIALL-SENSITIVE\nBrief follows.",  # doubled
    "OFFIICAL-SENSITIVE\nBrief follows.",  # swapped
    "OFFICIAL-SEBSITIVE\nBrief follows.",  # mistyped
    "This brief is OFFI-\nCIAL-SENSITIVE and must not be shared.",  # hyphenated line end
    "This brief is OFFICIAL-SENSI-\n  TIVE and must not be shared.",
    "T0P SECRET\nPlease summarise the attached brief on the operation.",  # zero for O
    "TOP SECERT\nPlease summarise the attached brief on the operation.",
]

NOT_MARKINGS = [
    "TOP SECRETS OF SUCCESSFUL TEAMS\nHere are ten tips for managers.",  # a plural
    "OFFICE SENSITIVE AREAS\nKeep the doors locked.",  # another word (two slips)
    "TOY SECRET\nA short story for children.",  # a short word must be as written
    "OFFICIAL SENSITIVITY ANALYSIS\nThe model's parameters are varied in turn.",
    "SPECIAL SENSITIVE SKIN CARE\nA product review.",
    "Offical sensitive data is a common typo in emails, isn't it?",  # prose, any case
    "What does OFFICAL SENSITIVE mean?",  # a question about the scheme
]


@pytest.mark.parametrize("text", MISSPELT)
def test_a_misspelt_marking_is_a_marking(engine, text: str) -> None:
    assert "OFFICIAL_SENSITIVE" in engine.scan(text).categories, text


@pytest.mark.parametrize("text", NOT_MARKINGS)
def test_near_misses_and_questions_are_allowed(engine, text: str) -> None:
    assert "OFFICIAL_SENSITIVE" not in engine.scan(text).categories, text


@pytest.mark.parametrize(
    ("word", "target", "slips"),
    [
        ("OFFICIAL", "OFFICIAL", 0),
        ("OFFICAL", "OFFICIAL", 1),
        ("OFFIICAL", "OFFICIAL", 1),  # two neighbours swapped: one slip
        ("OFFICE", "OFFICIAL", 3),
        ("SENSTIVE", "SENSITIVE", 1),
        ("SECERT", "SECRET", 1),
    ],
)
def test_slips_count_one_edit_each(word: str, target: str, slips: int) -> None:
    assert _slips(word, target) == slips


@pytest.mark.parametrize(
    "text", ["OFFICIAL\t\tSENSITIVE\nThe brief follows.", "OFFICIAL\tSENSITIVE: the brief"]
)
def test_tabs_between_the_words_still_make_the_marking(engine, text: str) -> None:
    assert "OFFICIAL_SENSITIVE" in engine.scan(text).categories, text
