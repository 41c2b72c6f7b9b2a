"""Case-note shorthand as staff write it is special category when tied to a named person
(red team RT-132). Rule: detention under the Mental Health Act (s.2 / s.3 MHA), a history of
mental health (Hx MH, anx/dep), deliberate self-harm (DSH), disclosed suicidal ideation
(reports SI) count like the words in full; about the Act or the terms with no one behind them,
they count for nothing. Texts written here."""

from __future__ import annotations

import pytest

from detectors.engine import ScanEngine


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine()


@pytest.mark.parametrize(
    "text",
    [
        "Anjali Patel - detained s.2 MHA, review next week.",
        "Mr Darren Cole - reports SI, hx DSH, CPN visit booked",
        "Claimant Lena Morris was detained under section 3 MHA in March.",
        "Mrs Farah Begum - Hx MH (anx/dep), struggling with the claim.",
    ],
)
def test_shorthand_about_a_named_person_is_special_category(engine: ScanEngine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in engine.scan(text).categories


@pytest.mark.parametrize(
    "text",
    [
        "What does detained under section 2 of the Mental Health Act mean?",
        "The Mental Health Act 1983 says when people can be detained s.2 or s.3 MHA.",
        "Our DV clearance renewals are due in March; DSH and MH codes are in the appendix.",
    ],
)
def test_shorthand_with_no_one_behind_it_counts_for_nothing(engine: ScanEngine, text: str) -> None:
    assert not set(engine.scan(text).categories)
