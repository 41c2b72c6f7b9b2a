"""Names, special category and the combination rules."""

from __future__ import annotations

import pytest

BLOCK = [
    ("John Smith has been sanctioned on his Universal Credit claim.", {"PERSONAL_DATA"}),
    ("Draft a letter to Mrs Aisha Khan about her housing benefit overpayment.", {"PERSONAL_DATA"}),
    ("Name: Peter Jones\nDOB: 04/07/1979\nClaim: PIP", {"PERSONAL_DATA"}),
    (
        "My customer Stuart Phillips told me he is trans. How should I record it?",
        {"PERSONAL_DATA", "SPECIAL_CATEGORY"},
    ),
    (
        "Write a referral for Mr Daniel Hughes, who was diagnosed with schizophrenia last year.",
        {"PERSONAL_DATA", "SPECIAL_CATEGORY"},
    ),
    (
        "Claimant Sarah Ahmed, NINO JC123456D, is pregnant and asks about maternity allowance.",
        {"PERSONAL_DATA", "SPECIAL_CATEGORY"},
    ),
    ("My customer Julia Brown is of Bangladeshi origin.", {"PERSONAL_DATA", "SPECIAL_CATEGORY"}),
    (
        "Sarah has been off sick with depression for 3 weeks, how do I manage her absence?",
        {"PERSONAL_DATA", "SPECIAL_CATEGORY"},
    ),
    ("Did Tom Hughes get his PIP award letter?", {"PERSONAL_DATA"}),
    (
        "Help me write a return-to-work plan for Chelsea Ward. She is trans.",
        {"PERSONAL_DATA", "SPECIAL_CATEGORY"},
    ),
]
ALLOW = [
    "Who was Winston Churchill?",
    "Did Winston Churchill suffer from depression?",
    "Tell me about Florence Nightingale's work in Scutari hospital.",
    "What are the symptoms of diabetes?",
    "How many people claimed Universal Credit in 2023?",
    "Ask Sarah to send me the updated slides before Friday.",
    "Rewrite this job advert so it's more inclusive. Aim for a reading age of 9.",
    "Explain how PIP assessments work for someone with multiple sclerosis.",
    "Write a short biography of Stephen Hawking, including his motor neurone disease.",
    "Alan Turing was prosecuted in 1952. Summarise the case and its impact.",
    "How did Frida Kahlo's disability influence her art?",
    "Can you check the grammar: Emily will lead the sprint review on Tuesday.",
]


@pytest.mark.parametrize(("text", "categories"), BLOCK)
def test_personal_blocks(engine, text: str, categories: set[str]) -> None:
    assert set(engine.scan(text).categories) == categories


@pytest.mark.parametrize("text", ALLOW)
def test_harmless_allowed(engine, text: str) -> None:
    result = engine.scan(text)
    assert result.categories == []
    assert result.findings == []


def test_strong_identifier_alone_blocks_and_name_counts_with_it(engine) -> None:
    text = "Tom Hughes JC123456D"
    result = engine.scan(text)
    assert result.categories == ["PERSONAL_DATA"]
    assert {f.entity_type for f in result.findings} >= {"UK_NINO"}


def test_checksum_failure_does_not_count(engine) -> None:
    assert engine.scan("Order ref 943 476 5918 shipped").categories == []
    assert engine.scan("Card 4539 5787 6362 1487 declined in the test suite").categories == []
