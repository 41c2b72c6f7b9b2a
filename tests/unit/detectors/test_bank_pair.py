"""A hyphenated sort code right before an eight-digit account number is bank details even
without a label ("pay 40-47-84 70872490"; red team pass, 2 Dec); a date-like group before a
reference, and the documentation's example values, stay allowed."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "text",
    ["pay 40-47-84 70872490 today please", "40-47-84 / 70872490", "details: 40-47-84, 70872490"],
)
def test_a_sort_code_and_account_pair_is_personal_data(engine, text: str) -> None:
    assert "PERSONAL_DATA" in engine.scan(text).categories, text


@pytest.mark.parametrize(
    "text",
    [
        "Order 12-05-21 ref 12345678",
        "Sort code 12-34-56 account 12345678 is the example format",
        "Version 20-24-01 build 20240131",
    ],
)
def test_look_alikes_stay_allowed(engine, text: str) -> None:
    assert "PERSONAL_DATA" not in engine.scan(text).categories, text
