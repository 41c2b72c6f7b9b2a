"""Special-category data written as people write it (red team RT-80, RT-91): names in
scripts without capitals, conditions implied by the service or the medicine, misspelt
condition words, party membership. Both sides; each test states the rule it pins.
Written here, independently of the evaluation corpora."""

from __future__ import annotations

import pytest


def _scan(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: a name in a script without capitals (Arabic, Han, Urdu...) opening a sentence,
# with a special-category fact right after, is a person (RT-80).
@pytest.mark.parametrize(
    "text",
    [
        "محمد أحمد has HIV and asked for flexible hours; draft a reply.",
        "张伟 has multiple sclerosis and needs a ground-floor desk; draft his adjustment letter.",
        "عائشہ بیگم is pregnant and has asked about maternity pay.",
    ],
)
def test_name_in_another_script_with_a_condition_blocks(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in _scan(engine, text)


# Rule (other side): such a run with no special-category fact about it is no finding.
def test_other_script_without_a_fact_stays_allowed(engine) -> None:
    assert _scan(engine, "张伟 has joined the Leeds team; please update the rota.") == []
    assert _scan(engine, "Translate 'مرحبا' into English. It is a greeting.") == []


# Rule: the clinic, support group or medicine that reveals a condition is health data
# about the person it is tied to (RT-80).
@pytest.mark.parametrize(
    "text",
    [
        "Tom Hughes has weekly appointments at the GUM clinic; draft a note to his manager.",
        "Sarah Collins is going through treatment at the fertility clinic; draft a reply.",
        "Daniel Reed takes PrEP daily; draft a note.",
        "Gary Thompson attends AA meetings on Tuesdays; draft a note to his manager.",
        "Priya Shah is on clozapine and needs a late start; update her record.",
    ],
)
def test_service_or_medicine_implies_a_condition(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in _scan(engine, text)


# Rule (other side): the same services named with nobody tied to them, and "prep" as an
# ordinary word, are no one's health data.
@pytest.mark.parametrize(
    "text",
    [
        "What does a GUM clinic offer, and how do I find the nearest one?",
        "Gary Thompson will prep the slides for the AA route planning meeting.",
        "Write a poster about the fertility clinic's new opening hours.",
    ],
)
def test_services_without_a_person_stay_allowed(engine, text: str) -> None:
    assert _scan(engine, text) == []


# Rule: a common misspelling of a long condition word is the condition.
def test_misspelt_condition_blocks(engine) -> None:
    text = "Kevin Walsh has skitsophrenia and asked for leave; draft a reply."
    assert "SPECIAL_CATEGORY" in _scan(engine, text)


# Rule: a named person's party membership is a political opinion (RT-91 regression).
@pytest.mark.parametrize(
    "text",
    [
        "Jane Smith is a Reform UK member and argues with colleagues; draft a warning.",
        "Jane Smith is a Labour Party member and argues with colleagues; draft a warning.",
    ],
)
def test_named_party_membership_blocks(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in _scan(engine, text)


# Rule (other side): a party named in a general question is nobody's opinion.
def test_party_in_a_general_question_stays_allowed(engine) -> None:
    assert _scan(engine, "When was the Labour Party founded, and who led it first?") == []


# Rule: a brand-name medicine that names the condition it treats (Triumeq: HIV; Tecfidera:
# multiple sclerosis) is health data when it is about a named person (RT-80 addendum).
@pytest.mark.parametrize(
    "text",
    [
        "Priya Shah takes Triumeq every morning; draft a note for her line manager.",
        "Our colleague Tom Evans started Tecfidera last month and needs a later start time.",
    ],
)
def test_brand_medicine_about_a_person_blocks(engine, text: str) -> None:
    assert _scan(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


# Rule (other side): the same medicine names in a pharmacology question, a leaflet task or
# business news, with nobody behind them, are no finding.
@pytest.mark.parametrize(
    "text",
    [
        "Compare the mechanism of action of Tecfidera and Ocrevus for a pharmacology revision sheet.",
        "Biktarvy sales rose 12% last quarter, the company said in its results.",
        "Write a patient leaflet explaining common side effects of Keppra.",
    ],
)
def test_brand_medicine_without_a_person_allowed(engine, text: str) -> None:
    assert _scan(engine, text) == []


# Rule: a list entry "Surname, I. - condition" (a caseload or ward list: surname and
# initials, then a dash or colon opening the notes) names a person (RT-58 addendum).
@pytest.mark.parametrize(
    "text",
    [
        "Ward list: Okafor, T. - schizophrenia, depot injection due Monday.",
        "Follow-up re Hughes, D.J.: epilepsy, seizure plan to update.",
    ],
)
def test_surname_initial_list_entry_with_a_condition_blocks(engine, text: str) -> None:
    assert _scan(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


# Rule (other side): a citation "Surname, I. (year) Title" has no dash after the initials,
# and a document part ("Appendix, B. - ...") is no surname.
@pytest.mark.parametrize(
    "text",
    [
        "Okafor, T. (2021) Schizophrenia and employment. Br J Psych 4(2).",
        "Appendix, B. - diagnosis codes used in the survey.",
    ],
)
def test_citation_and_document_part_allowed(engine, text: str) -> None:
    assert _scan(engine, text) == []


# Rule: "sectioned" (detained under the Mental Health Act) about a named person is health
# data; a question about what sectioning means is not (RT-58 addendum).
def test_sectioned_about_a_person_blocks_question_allowed(engine) -> None:
    assert _scan(engine, "Write up: Megan Doyle, 41, sectioned on Tuesday, her sister knows.") == [
        "PERSONAL_DATA",
        "SPECIAL_CATEGORY",
    ]
    assert _scan(engine, "What does being sectioned under the Mental Health Act mean?") == []
