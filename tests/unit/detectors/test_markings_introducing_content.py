"""A marking in the line that introduces pasted content marks that content (red team RT-146).

Rule: a marking (OFFICIAL-SENSITIVE in any case; the higher levels in capitals) on a line that
ends with a colon, or in capitals ending its line, with a paragraph of content below, is the
content's marking, whatever the line's opening word ("Explain this OFFICIAL-SENSITIVE
briefing:", "From the SECRET annex - reword for the deck:", "Can you shorten this?
OFFICIAL-SENSITIVE"). A line about the scheme ("Explain the OFFICIAL-SENSITIVE marking:"),
discussion of the scheme below it, a markdown table's cell, or a question with nothing after
it stay mentions. Texts written here."""

from __future__ import annotations

import pytest

from detectors.engine import ScanEngine

PLAN = (
    "\nThe Leeds site will close in June. 140 posts move to Bradford; staff are told on the "
    "14th. Unions are briefed the day before."
)


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


@pytest.mark.parametrize(
    "line",
    [
        "The following is classified Official Sensitive - please summarise:",
        "From the SECRET annex - reword for the deck:",
        "Explain this OFFICIAL-SENSITIVE briefing:",
        "Summarise this official-sensitive submission:",
        "Can you shorten this? OFFICIAL-SENSITIVE",
    ],
)
def test_a_marking_introducing_content_marks_it(engine: ScanEngine, line: str) -> None:
    assert engine.scan(line + PLAN).categories


@pytest.mark.parametrize(
    "text",
    [
        "Explain the OFFICIAL-SENSITIVE marking and when to use it:\n- who can see it\n"
        "- how to send it by email\n- how to store it on a laptop and in the office.",
        "When should I use OFFICIAL-SENSITIVE:\nI'm writing guidance for my team about which "
        "documents need a marking and how to handle them.",
        "| Level | Note |\n|---|---|\n| **Note** | not available for UK SECRET |\n"
        "Follow-on actions: feed the findings into the architecture diagram and the risk log.",
        "What does OFFICIAL-SENSITIVE mean?",
        "Explain this OFFICIAL-SENSITIVE briefing:",
    ],
)
def test_mentions_of_the_scheme_stay_allowed(engine: ScanEngine, text: str) -> None:
    assert not engine.scan(text).categories
