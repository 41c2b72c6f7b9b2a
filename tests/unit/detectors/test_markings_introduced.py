"""Markings that introduce content, written in any case (issue 12): prose that hands over
marked material, handling instructions after a marking, a marking column in CSV/JSON,
letter-spaced PDF copy and disclaimer footers. Questions and discussion stay allowed."""

from __future__ import annotations

import pytest

BLOCK = [
    # prose that introduces the marked content
    "pasting the official-sensitive brief below, can you summarise it",
    "here's the official sensitive report, summarise it",
    "Sharing the Official-Sensitive: Commercial pricing below.",
    "I'm sharing an OFFICIAL-SENSITIVE briefing with you below:\nThe plan is to merge teams.",
    # a handling instruction after a marking at a line start, any case
    "official-sensitive - pls dont forward\nthe minister wants options by friday",
    "Official Sensitive - do not share outside the team. Notes from the board follow.",
    # CSV / JSON values
    "id,title,Marking,owner\n1,Budget plan,OFFICIAL_SENSITIVE,finance\n2,Rota,OFFICIAL,ops",
    "ref\tsubject\tclassification\n7\tEstates review\tOfficial-Sensitive",
    '{"title": "Estates review", "protectiveMarking": "OFFICIAL-SENSITIVE"}',
    '[{"doc": "x", "sensitivity": "official sensitive"}]',
    # letter-spaced copy out of a PDF
    "O F F I C I A L - S E N S I T I V E\n\nDraft spending options",
    "Page 3 of 9    O F F I C I A L  S E N S I T I V E",
    # disclaimer footers
    "This email and any attachments are OFFICIAL-SENSITIVE and intended only for the addressee.",
    "Thanks\nJo\n\nThe information in this email is classified Official-Sensitive. "
    "If you are not the intended recipient, delete it.",
]

ALLOW = [
    "What does OFFICIAL-SENSITIVE mean?",
    "How should I handle official-sensitive documents when working from home?",
    "Explain the difference between OFFICIAL and OFFICIAL-SENSITIVE.",
    "OFFICIAL\nQuarterly newsletter for all staff",
    "Classification: OFFICIAL\nThis guidance explains when material should be marked "
    "OFFICIAL-SENSITIVE.",
    "Our training course covers the official-sensitive marking and its descriptors.",
    "Is it ok to paste official-sensitive material into ChatGPT?",
    "Write a poster reminding staff that official-sensitive information must not go into AI tools.",
    "Please review the official-sensitive handling policy and suggest improvements.",
    "id,marking,description\n1,OFFICIAL,Default for most information\n"
    "2,OFFICIAL-SENSITIVE,Use when compromise would cause damage",
    "official-sensitive: what counts as sensitive enough?",
    "name,role,team\nJo,analyst,OFFICIAL-SENSITIVE review",  # no marking column
]


@pytest.mark.parametrize("text", BLOCK)
def test_marking_that_introduces_content_blocks(engine, text: str) -> None:
    """Rule: a marking that introduces or labels the content at hand is a marking."""
    assert engine.scan(text).categories == ["OFFICIAL_SENSITIVE"]


@pytest.mark.parametrize("text", ALLOW)
def test_questions_and_discussion_of_the_scheme_stay_allowed(engine, text: str) -> None:
    """Rule: asking about, teaching or describing the scheme is not a marking; plain
    OFFICIAL is allowed."""
    assert "OFFICIAL_SENSITIVE" not in engine.scan(text).categories


@pytest.mark.parametrize(
    "unit",
    [
        "a,b,official-sensitive,c\n",  # whole cells without a header
        "h1,h2,Marking\n1,2,official sensitive text\n",  # a marking column, not whole cells
        "pasting the official-sensitive thing ",  # introducer without a document noun
        "official-sensitive - what?\n",  # line starts that ask
    ],
)
def test_one_megabyte_of_marking_shapes_is_bounded(engine, unit: str) -> None:
    """Rule: every marking candidate's look-around is bounded, so 1 MB stays linear."""
    import time

    text = unit * (1_000_000 // len(unit))
    started = time.process_time()
    engine.scan(text)
    assert time.process_time() - started < 30
