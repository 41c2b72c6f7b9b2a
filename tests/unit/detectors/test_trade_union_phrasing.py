"""Red team RT-154: trade-union membership said the other way round ("a member of Unite")
or as union activity ("joined the union", "on the picket line") is special-category data
when it is about a named person; news about a strike and questions about a union stay
allowed (the phrases are data: ``TRADE_UNION`` in ``detectors/data/special.yaml``)."""

from __future__ import annotations

import pytest

ABOUT_A_PERSON = [
    "Kevin Brown is a member of Unite and attends the branch meetings.",
    "Our caseworker Amy Lee joined the union last month and goes to union meetings.",
    "Dave Hughes was on the picket line outside the depot on Monday.",
    "Please note Sian Morgan is a member of the PCS, so invite her rep.",
]

GENERAL = [
    "Thousands of nurses joined the picket line across England, the RCN said.",
    "Unite is the UK's largest union; what does being a member of Unite involve?",
    "Draft a notice about the union meeting room being moved to the second floor.",
]


@pytest.mark.parametrize("text", ABOUT_A_PERSON)
def test_union_membership_of_a_named_person_is_special_category(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in engine.scan(text).categories, text


@pytest.mark.parametrize("text", GENERAL)
def test_unions_in_general_stay_allowed(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" not in engine.scan(text).categories, text
