"""A question's opening word does not clear data pasted under it (red team RT-139).

Rule: the general-knowledge exemption (a question asked about a figure) covers only names and
special-category terms in the question itself, its first line or sentence after any lead-in.
Rows of name and condition after "Summarise:" or "Who should be seen first?", or a fact stated
after the question ("... Alan Hughes? He was diagnosed with epilepsy"), are a person dealt
with: blocked. A question about a figure, with a follow-up question on the same line or an
instruction that names no one, stays allowed. Texts written here."""

from __future__ import annotations

import pytest

from detectors.engine import ScanEngine


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine()


ROWS = "Jane Smith, multiple sclerosis\nAlan Hughes, epilepsy\nPriya Patel, bipolar disorder"

BLOCKED = [
    f"Summarise:\n{ROWS}",
    f"Summarise by condition:\n{ROWS}",
    f"Can you summarise these for me?\n{ROWS}",
    f"Who should be seen first?\nname,condition\n{ROWS.replace(', ', ',')}",
    "List the adjustments each person needs:\n- Jane Smith: multiple sclerosis\n- Alan Hughes: epilepsy",
    f"Compare these cases:\n{ROWS}",
    "What is the prognosis for Alan Hughes? He was diagnosed with epilepsy last year.",
]

ALLOWED = [
    "Who was Winston Churchill? Was he depressed?",
    "Did Winston Churchill suffer from depression?",
    "Quick question: Write a short biography of Stephen Hawking, including his illness. Keep it brief.",
    "Summarise:\nThe committee met on Tuesday and agreed the budget for next year.",
    "What is bipolar disorder? How is it usually treated?",
    "Explain how Theresa May handled Brexit. Use plain English.",
]


@pytest.mark.parametrize("text", BLOCKED)
def test_data_under_a_question_is_blocked(engine: ScanEngine, text: str) -> None:
    assert {"PERSONAL_DATA", "SPECIAL_CATEGORY"} & set(engine.scan(text).categories)


@pytest.mark.parametrize("text", ALLOWED)
def test_a_question_about_a_figure_or_a_term_stays_allowed(engine: ScanEngine, text: str) -> None:
    assert not set(engine.scan(text).categories)
