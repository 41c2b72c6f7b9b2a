"""Protective markings: marking position and form vs a mention."""

from __future__ import annotations

import pytest

MARKED = [
    "OFFICIAL-SENSITIVE\nBriefing on the backlog.",
    "official-sensitive\nnotes",
    "OFFICIAL SENSITIVE - PERSONAL\nCase review",
    "OFFICIAL-SENSITIVE: COMMERCIAL\nContract terms",
    "OFFICIAL–SENSITIVE [LOCSEN]\nLocation of the site",
    "Classification: Official Sensitive\nMinutes",
    "Protective marking: OFFICIAL-SENSITIVE\nMinutes",
    "Subject: [OFFICIAL-SENSITIVE] Q3 fraud review\n\nHi all",
    "Summarise this paper.\nSpending is up 4%.\nPage 2 of 2 | OFFICIAL-SENSITIVE",
    "SECRET\nOperation notes",
    "TOP SECRET//UK EYES ONLY\nAssessment",
    "RESTRICTED\nStaff list",
    "CONFIDENTIAL - MANAGEMENT\nRestructure plans",
    "O F F I C I A L - S E N S I T I V E\nNotes",
    "ОFFICIAL-SЕNSITIVE\nNotes",  # Cyrillic O and E
    "OFF\u200bICIAL-SENSITIVE\nNotes",
]
MENTIONS = [
    "What does OFFICIAL-SENSITIVE mean?",
    "Explain the difference between OFFICIAL and OFFICIAL-SENSITIVE.",
    "How should I handle documents marked OFFICIAL-SENSITIVE?",
    "OFFICIAL\nTeam newsletter",
    "Classification: OFFICIAL\nTeam newsletter",
    "Keep the password secret and the file confidential.",
    "Is this restricted to managers?",
    "SECRET_KEY = os.environ['SECRET_KEY']",
    "Write a quiz on the Government Security Classifications: OFFICIAL, SECRET, TOP SECRET.",
]


@pytest.mark.parametrize("text", MARKED)
def test_marked(engine, text: str) -> None:
    result = engine.scan(text)
    assert "OFFICIAL_SENSITIVE" in result.categories


@pytest.mark.parametrize("text", MENTIONS)
def test_mentions_are_not_markings(engine, text: str) -> None:
    assert "OFFICIAL_SENSITIVE" not in engine.scan(text).categories


def test_marking_offsets_index_original_text(engine) -> None:
    text = "Note\nＯＦＦＩＣＩＡＬ–ＳＥＮＳＩＴＩＶＥ\nbody"
    f = next(f for f in engine.scan(text).findings if f.category == "OFFICIAL_SENSITIVE")
    assert text[f.start : f.end] == "ＯＦＦＩＣＩＡＬ–ＳＥＮＳＩＴＩＶＥ"


@pytest.mark.parametrize(
    "text",
    [
        "[OFFICIAL-SENSITIVE] Please review the attached figures.",
        '{"doc": 12, "classification": "OFFICIAL-SENSITIVE", "body": "..."}',
        "2024-03-01 INFO doc=77 marking=OFFICIAL_SENSITIVE stored",
        "[10:32] Jo Bloggs: OFFICIAL-SENSITIVE - do not forward\n[10:33] Sam: ok",
    ],
)
def test_markings_in_structured_text(engine, text: str) -> None:
    assert "OFFICIAL_SENSITIVE" in engine.scan(text).categories


def test_labelled_question_about_marking_is_a_mention(engine) -> None:
    text = "[10:32] Jo Bloggs: OFFICIAL-SENSITIVE - what does it mean for our files?"
    assert "OFFICIAL_SENSITIVE" not in engine.scan(text).categories


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("This document is marked OFFICIAL-SENSITIVE. Please summarise it:\nThe plan", True),
        ("Subject: [official-sensitive] staffing", True),
        ("Board minutes\nPage 1 of 3   OFFICIAL-SENSITIVE - PERSONAL", True),
        ("What happens if a document is marked OFFICIAL-SENSITIVE?", False),
        ("Is this email OFFICIAL-SENSITIVE or just OFFICIAL?", False),
    ],
)
def test_inline_statements_vs_questions(engine, text: str, marked: bool) -> None:
    assert ("OFFICIAL_SENSITIVE" in engine.scan(text).categories) is marked


# Rule: a scheme qualifier in capitals right before a marking ("UK OFFICIAL-SENSITIVE",
# "NATO RESTRICTED", "COSMIC TOP SECRET") keeps it in marking position, as the bare marking
# would be; the parenthesised form and the Welsh form of bilingual markings are markings too
# (red team RT-83). Questions about the scheme, and "uk"/"EU" in prose, stay mentions.
@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("UK OFFICIAL-SENSITIVE\nBriefing for the Minister: close the Leeds office.", True),
        ("This document is UK OFFICIAL-SENSITIVE. The Department will close Leeds.", True),
        ("[UK OFFICIAL-SENSITIVE] Briefing for the Minister: close Leeds.", True),
        ("NATO RESTRICTED - force posture annex, please summarise.", True),
        ("COSMIC TOP SECRET\nAnnex B.", True),
        ("OFFICIAL (SENSITIVE) Briefing for the Minister: close Leeds.", True),
        ("SWYDDOGOL-SENSITIF\nCynllun i gau swyddfa Leeds.", True),
        ("What does UK OFFICIAL-SENSITIVE mean for NATO partners?", False),
        ("Explain the difference between NATO RESTRICTED and UK OFFICIAL-SENSITIVE.", False),
        ("The EU restricted imports of steel in 2019.", False),
    ],
)
def test_qualified_parenthesised_and_welsh_markings(engine, text: str, marked: bool) -> None:
    assert ("OFFICIAL_SENSITIVE" in engine.scan(text).categories) is marked


@pytest.mark.parametrize(
    ("text", "marked"),
    [
        ("Briefing note OFFICIAL-SENSITIVE: the Department will announce the closure", True),
        ("note - OFFICIAL-SENSITIVE - the minister will visit on Friday", True),
        ("Draft minute TOP SECRET: options for the spending review", True),
        # a short title, but a question about the marking or guidance on it: a mention
        ("What does OFFICIAL-SENSITIVE: mean for emails?", False),
        ("Guidance on OFFICIAL-SENSITIVE: handling rules", False),
        # a long sentence before it is prose, not a title; lower case is not a heading's
        ("The committee was told on Monday that OFFICIAL-SENSITIVE - items stay", False),
        ("Briefing note official-sensitive: the Department will announce it", False),
        ("My SECRET - recipe for cake", False),
    ],
)
def test_marking_after_a_short_title(engine, text: str, marked: bool) -> None:
    """Rule: after a title of at most four words on its line, a marking in capitals with a
    separator after it heads what follows ("Briefing note OFFICIAL-SENSITIVE: ..."); a
    question or guidance about the marking on that line stays a mention."""
    categories = engine.scan(text).categories
    assert bool({"OFFICIAL_SENSITIVE", "TOP_SECRET"} & set(categories)) is marked, categories
