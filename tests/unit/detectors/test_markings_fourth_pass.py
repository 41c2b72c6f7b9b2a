"""Markings, fourth pass (issue 12; red team RT-83): short forms of OFFICIAL-SENSITIVE
heading content, other schemes' classifications (NATO, EU institutions) and a legacy
marking with its descriptor in Title Case. The forms are data (``markings.yaml``:
short_forms, short_forms_labelled, short_form_labels, foreign_markings,
scheme_qualifiers). Questions and discussion about the scheme stay allowed. Each test
pins one rule, both sides. Texts written here, independently of the evaluation corpora."""

from __future__ import annotations

import pytest

BRIEF = "Briefing for the Minister: the Department intends to close the Halifax office in May."


def categories(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: a short form of OFFICIAL-SENSITIVE in capitals (OFF-SEN, OFFSENS, OS-C, O-S)
# counts where the full marking does: heading its line, after a label, in brackets, in a
# subject line.
@pytest.mark.parametrize(
    "text",
    [
        f"OFF-SEN {BRIEF}",
        f"OFFSENS {BRIEF}",
        f"OS-C - {BRIEF}",
        f"O-S - {BRIEF}",
        f"OFF-SEN\n{BRIEF}",
        "Marking: O-S (Personal)\nNotes of the staff restructure meeting.",
        "[OS-C] Contract pricing options for the Leeds estate.",
        "Subject: OFF-SEN - staffing plan for Q3",
    ],
)
def test_short_forms_heading_content_are_markings(engine, text) -> None:
    assert categories(engine, text) == ["OFFICIAL_SENSITIVE"]


@pytest.mark.parametrize(
    "text",
    [
        "What does OFF-SEN stand for in an email subject?",
        "Can you explain what OS-C means on a document?",
        "In our handling guide, OFF-SEN is short for OFFICIAL-SENSITIVE. Write a training slide.",
        "We upgraded the OS-C cluster firmware last week; can you write release notes?",
        "The O-S ratio in the sample was 0.42 according to Table 3.",
        "off-sen briefing notes are kept in the team drive, where do I find the template?",
    ],
)
def test_short_forms_in_questions_prose_or_lower_case_stay_allowed(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: the shortest form, OS, counts only after a classification label; "class: OS" of a
# configuration file and an OS map reference are no marking.
def test_os_after_a_classification_label_is_a_marking(engine) -> None:
    text = "Security classification: OS\nBriefing on the staff restructure."
    assert categories(engine, text) == ["OFFICIAL_SENSITIVE"]


@pytest.mark.parametrize(
    "text",
    [
        "platform:\n  class: OS\n  version: 22.04\nExplain this YAML.",
        "OS map reference: SE 123 456. The walk starts at the car park.",
    ],
)
def test_os_without_a_classification_label_stays_allowed(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: a scheme's qualifier in capitals before a marking word (NATO RESTRICTED, EU
# RESTRICTED, NATO CONFIDENTIAL) makes the pair a marking as strong as OFFICIAL-SENSITIVE,
# and the EU's own words (RESTREINT UE, CONFIDENTIEL UE, SECRET UE) are markings in capitals.
@pytest.mark.parametrize(
    "text",
    [
        f"NATO RESTRICTED {BRIEF}",
        f"EU RESTRICTED {BRIEF}",
        "NATO CONFIDENTIAL\nExercise plan for the spring deployment, annex B attached.",
        "RESTREINT UE\nNote on the negotiating position for the council meeting.",
        "CONFIDENTIEL UE - Note on the negotiating position for the council meeting.",
        "SECRET UE/EU SECRET\nCouncil negotiating mandate, draft 3.",
        "Classification: RESTREINT UE\nWorking party notes, 12 March.",
    ],
)
def test_nato_and_eu_classifications_are_markings(engine, text) -> None:
    assert categories(engine, text) == ["OFFICIAL_SENSITIVE"]


@pytest.mark.parametrize(
    "text",
    [
        "What does NATO RESTRICTED mean and how does it map to UK classifications?",
        "Is EU RESTRICTED equivalent to OFFICIAL-SENSITIVE when we receive papers from Brussels?",
        "Explain the difference between RESTREINT UE and CONFIDENTIEL UE.",
        "Which is higher, NATO CONFIDENTIAL or EU SECRET?",
        "The EU restricted the use of certain chemicals in 2020.",
        "NATO restricted its operations to the northern sector after the ceasefire, the report said.",
        "The NATO SECRET documents were leaked, the report said. What happened next?",
    ],
)
def test_nato_and_eu_markings_discussed_stay_allowed(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: a legacy marking in Title Case heading its line with a separator and a descriptor
# in Title Case or capitals ("Restricted - Management") is a marking; the same words in
# lower case or running on into a sentence are not.
@pytest.mark.parametrize(
    "text",
    [
        "Restricted - Management\nProposed headcount reductions for the Bradford site.",
        "Restricted - Management: proposed headcount reductions for the Bradford site.",
        "Restricted - Staff\nNotes of the disciplinary panel's deliberations.",
    ],
)
def test_title_case_legacy_marking_with_descriptor(engine, text) -> None:
    assert categories(engine, text) == ["OFFICIAL_SENSITIVE"]


@pytest.mark.parametrize(
    "text",
    [
        "Restricted - management only. Car park B is closed for resurfacing on Friday.",
        "Restricted - Management only, staff car park closed Friday.",
        "The restricted management area is closed on Friday for cleaning.",
        "What does Restricted - Management mean on an old file?",
    ],
)
def test_title_case_legacy_words_in_prose_stay_allowed(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: a legacy marking that is also an ordinary word (PROTECT, markings.yaml:
# descriptor_only_markings) counts only in capitals at a line start or after a label, with
# a separator and a descriptor after it ("PROTECT - STAFF"); alone, in a sentence or asked
# about it is a word.
@pytest.mark.parametrize(
    "text",
    [f"PROTECT - STAFF {BRIEF}", "PROTECT: PERSONAL\nNotes of the absence review meeting."],
)
def test_protect_with_its_descriptor_is_a_marking(engine, text) -> None:
    assert categories(engine, text) == ["OFFICIAL_SENSITIVE"]


@pytest.mark.parametrize(
    "text",
    [
        "PROTECT YOUR PASSWORD - never share it with anyone.",
        "PROTECT\nTips for keeping your laptop safe.",
        "How do we protect - personal data in transit? Explain encryption.",
        "What did PROTECT - STAFF mean under the old GPMS scheme?",
        "We must PROTECT - STAFF and visitors alike - during the building works.",
    ],
)
def test_protect_as_a_word_stays_allowed(engine, text) -> None:
    assert categories(engine, text) == []
