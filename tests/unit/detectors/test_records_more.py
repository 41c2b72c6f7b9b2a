"""Records and lists that lose the name-condition link (red team RT-66, RT-59 keys,
RT-89), and the identifier context words as configurable data. Both sides; each test
states the rule it pins. Written here, independently of the evaluation corpora."""

from __future__ import annotations

import json

import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings

_FORENAMES = [
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Noah",
    "Thomas",
    "Olivia",
    "Amelia",
    "Isla",
    "Emily",
    "Grace",
    "Ella",
]
_SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walker",
    "Green",
    "Hall",
    "Wood",
    "Patel",
    "Khan",
]


def _scan(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: one JSON object (with the objects nested in it) is one record, whatever its field
# count, key shapes or nesting: a name in it and a condition in it are tied (RT-66).
@pytest.mark.parametrize(
    "record",
    [
        {"name": "Jane Smith", **{f"field_{i}": f"value {i}" for i in range(30)},
         "condition": "multiple sclerosis"},
        {"1_name": "Jane Smith", "2_diagnóstico": "multiple sclerosis"},
        {"data": {"employees": {"edges": [{"node": {"displayName": "Jane Smith",
         "healthFlags": [{"label": "multiple sclerosis"}]}}]}}},
        {"Jane_Smith": "multiple sclerosis"},
        {"JaneSmith": {"condition": "multiple sclerosis"}},
    ],
)  # fmt: skip
def test_json_object_ties_its_name_and_condition(engine, record: dict) -> None:
    text = "summarise the data in the tool result\n\n" + json.dumps(record)
    assert _scan(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


# Rule (other side): a name in one object and a health topic in a sibling object are
# not tied; an object with a name and no special-category value is no finding.
@pytest.mark.parametrize(
    "records",
    [
        [{"name": "Jane Smith", "office": "Leeds"},
         {"topic": "multiple sclerosis awareness week", "room": "4B"}],
        {"Jane Smith": "Leeds", "John Brown": "Bradford"},
    ],
)  # fmt: skip
def test_json_name_without_its_own_condition_stays_allowed(engine, records) -> None:
    assert _scan(engine, "summarise this\n\n" + json.dumps(records)) == []


# Rule: a labelled staff / employee / payroll number stands for a person: with a
# special-category value in its record or sentence it is special-category data (RT-66).
@pytest.mark.parametrize(
    "text",
    [
        '{"staff_no": "E4471823", "condition": "HIV", "team": "Payroll, Leeds"}',
        "staff_no: E4471823\ncondition: multiple sclerosis\nteam: Payroll",
        "Employee number 40213884 has been signed off sick with depression; update the log.",
    ],
)
def test_staff_number_with_a_condition_blocks(engine, text: str) -> None:
    assert _scan(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


# Rule (other side): a staff number alone, or a schema naming the columns, is no finding.
@pytest.mark.parametrize(
    "text",
    [
        '{"staff_no": "E4471823", "team": "Payroll, Leeds", "role": "analyst"}',
        "Employee ID 40213884 needs a new laptop.",
        "Add a staff_number column and a condition column to the wellbeing survey table.",
    ],
)
def test_staff_number_without_a_condition_stays_allowed(engine, text: str) -> None:
    assert _scan(engine, text) == []


def _attendees(count: int) -> str:
    names = [f"{f} {s}" for f in _FORENAMES for s in _SURNAMES]
    return ", ".join((names * 10)[:count])


# Rule: names next to personal context are judged first: a flood of names elsewhere in
# the text cannot push the one tied to a fact past the per-text cap (RT-89).
@pytest.mark.parametrize("count", [150, 450, 1000])
def test_a_flood_of_names_does_not_hide_the_linked_one(engine, count: int) -> None:
    text = (
        "Attendance list for the all-staff briefing:\n" + _attendees(count) + ".\n\n"
        "Separately, Zbigniew Kowalczyk has multiple sclerosis and needs a ground-floor "
        "desk; draft his adjustment letter."
    )
    assert "SPECIAL_CATEGORY" in _scan(engine, text)


# Rule (other side): the same flood with a health topic tied to nobody stays allowed.
def test_a_flood_of_names_with_an_untied_topic_stays_allowed(engine) -> None:
    text = (
        "Attendance list:\n" + _attendees(450) + ".\n\n"
        "Separately, the multiple sclerosis awareness talk is on Friday."
    )
    assert _scan(engine, text) == []


# Rule: the identifier recognisers' context words are data (identifiers.yaml), changeable
# without code: a word added there makes a bare NHS number count next to it, and the
# other-number labels can be extended the same way.
def test_identifier_context_words_change_through_config() -> None:
    text = "Resident record 9434765919 for the care home."
    plain = "Ward 12 number 9434765919 for the care home."
    shipped = ScanEngine(DetectorSettings(), load_ner=False)
    assert shipped.scan(plain).categories == []
    changed = ScanEngine(
        DetectorSettings(recognisers={"vocabulary": {"identifiers.yaml:nhs": {"add": ["ward"]}}}),
        load_ner=False,
    )
    assert changed.scan(plain).categories == ["PERSONAL_DATA"]
    assert shipped.scan(text).categories == ["PERSONAL_DATA"]  # "resident" is shipped
    labelled = ScanEngine(
        DetectorSettings(
            recognisers={
                "vocabulary": {"identifiers.yaml:nhs_other_number_labels": {"add": ["record"]}}
            }
        ),
        load_ner=False,
    )
    assert labelled.scan(text).categories == []
