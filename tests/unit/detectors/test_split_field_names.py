"""A name held in two fields, forename then surname, is one name (red team RT-132, RT-140).

Rule: "First name: X" followed on the same line or the next by "Last name: Y" (a form, YAML
``forename:`` / ``surname:``, JSON ``first_name`` / ``last_name``) names the person of that
record, so a condition in the record's next field is special category about them. The labels
with no values, or the fields with nothing sensitive in the record, are not blocked. The
label lists are data (person.yaml: forename_labels, surname_labels). Texts written here."""

from __future__ import annotations

import pytest

from detectors.engine import ScanEngine


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine()


@pytest.mark.parametrize(
    "text",
    [
        "First name: Tomasz\nLast name: Nowak\nDisability: Yes - epilepsy",
        "- forename: Tomasz\n  surname: Nowak\n  health: epilepsy",
        '{"first_name": "Tomasz", "last_name": "Nowak", "diagnosis": "epilepsy"}',
        "Given name: Amina\nFamily name: Yusuf\nCondition: bipolar disorder",
    ],
)
def test_split_name_fields_with_a_condition_are_blocked(engine: ScanEngine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in engine.scan(text).categories


@pytest.mark.parametrize(
    "text",
    [
        "The form asks for First name: and Last name: then Disability: yes or no.",
        "user = User(first_name='Ada', last_name='Lovelace')\nprint(user.team)",
        "First name: Tomasz\nLast name: Nowak\nTeam: Finance\nStart date: Monday",
    ],
)
def test_labels_alone_or_a_record_with_nothing_sensitive_pass(
    engine: ScanEngine, text: str
) -> None:
    assert not set(engine.scan(text).categories)
