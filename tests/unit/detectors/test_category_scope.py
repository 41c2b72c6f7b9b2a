"""Which category a text about a person gets (red team RT-144, RT-142): the category
decides which approval suffices (PS3: a DPIA for PERSONAL_DATA; PS4: an Equality Analysis
for SPECIAL_CATEGORY), so a special-category term in a text about an identified person is
reported even when no tie rule gives it to that person, and the protected characteristics
are recognised as staff write them (pregnancy, a same-sex spouse, belief, race, age, sex).
Each test pins one rule, both sides. Texts written here, independently of the evaluation
corpora."""

from __future__ import annotations

import pytest

PERSONAL = ["PERSONAL_DATA", "SPECIAL_CATEGORY"]

_NOTE_FILL = (
    "The work coach went through the claimant commitment with the claimant and agreed the "
    "job search steps for the coming fortnight. The claimant brought the payslips asked for "
    "at the last appointment and the copies were scanned to the case. "
)


def categories(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: in a text that counts as about an identified person, a special-category term that
# no tie rule gives to that person (a case file's `Claimant:` header kilobytes above "the
# claimant's multiple sclerosis") is still SPECIAL_CATEGORY (fail closed on the category,
# at a lower score). The same note with no one identified, and a person's data with no
# special term, get no SPECIAL_CATEGORY.
@pytest.mark.parametrize("repeat", [3, 12, 30])
def test_header_name_and_a_condition_far_below(engine, repeat) -> None:
    text = (
        "Please tidy this note for the decision maker.\n\nCASE RECORD\nClaimant: Marcus "
        "Fielding\nSite: Wakefield\n\n"
        + _NOTE_FILL
        * repeat
        + "\n\nLatest: the claimant's epilepsy is less controlled and the DVLA has taken his "
        "licence, so he cannot drive to interviews.\n"
    )
    found = engine.scan(text)
    assert found.categories == PERSONAL
    untied = [f for f in found.findings if f.detector == "special_category.untied"]
    assert all(f.score < 0.7 for f in untied)


def test_no_one_identified_no_special_category(engine) -> None:
    text = (
        "Please tidy this guidance for work coaches.\n\n"
        + _NOTE_FILL * 12
        + "\n\nWhere a claimant's epilepsy stops them driving, the travel-to-work area can "
        "be reduced.\n"
    )
    assert "SPECIAL_CATEGORY" not in categories(engine, text)


def test_personal_data_without_a_special_term(engine) -> None:
    text = "Claimant: Marcus Fielding, NI number AB 12 34 56 C. Draft the appointment letter."
    assert categories(engine, text) == ["PERSONAL_DATA"]


def test_a_format_example_is_no_one_s_condition(engine) -> None:
    text = (
        "Claimant: Marcus Fielding, NI number AB 12 34 56 C.\n\n" + _NOTE_FILL * 12 + "\n\nIn "
        "the health field write the condition as free text, e.g. diabetes.\n"
    )
    assert categories(engine, text) == ["PERSONAL_DATA"]


# Rule: the protected characteristics as staff write them about a named colleague or
# claimant are special category: pregnancy (hyperemesis, "expecting in <month>", mat
# leave), a same-sex spouse or partner and being out or not, widowhood and divorce, a
# philosophical belief (ethical veganism), race in a complaint ("because she is Black",
# "the only Black woman in the team"), age and sex singled out in a team.
@pytest.mark.parametrize(
    "text",
    [
        "Note for the attendance panel: Priya Nair is expecting in April and has been off "
        "three times with hyperemesis.",
        "Plan the cover: Joanne Pike goes back from mat leave in September on a phased return.",
        "Send a card from the team to Helen Marsh, whose wife died at the weekend.",
        "Update the contact form: Owen Price wants his husband named as next of kin.",
        "Rewrite: Daniel Frost said his boyfriend can collect the laptop; he is not out at work.",
        "Draft the grievance outcome: Lucy Ward says her ethical veganism was ridiculed in the "
        "canteen.",
        "Reply to the complaint: Mrs Abena Mensah believes the clerk refused her form "
        "because she is Black.",
        "Summarise the complaint: Abena Mensah is the only Black woman in the team and is left "
        "off every project.",
        "Explain to Chloe Bennett why, as the youngest on the team at 18, she starts on the "
        "lower pay point.",
        "Note: Peter Hale was refused the overtime because he is the only man in the post room.",
    ],
)
def test_protected_characteristics_as_staff_write_them(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "What is hyperemesis gravidarum and how long does it usually last?",
        "How has the Equality Act been applied to ethical veganism as a philosophical belief?",
        "Who was the first Black woman elected to the House of Commons?",
        "My wife and I are planning a week in Porto in May. What should we see?",
        "Write a short poem about being the youngest on the team at a new job.",
    ],
)
def test_the_same_words_with_no_person(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: a departmental reference after its label (prison number, Home Office reference,
# benefit claim reference, crime reference number) stands for one person, like a staff
# number: with a special-category term or case detail in its sentence it is personal data
# although no name is given. The reference alone, a label with a count or a year, and
# guidance with no reference stay allowed.
@pytest.mark.parametrize(
    "text",
    [
        "Write the handover: prisoner B4821KD was moved to the healthcare wing after an "
        "overdose on Sunday.",
        "Summarise the appeal: the appellant (Home Office ref M7340021) fears persecution "
        "because she is a lesbian.",
        "Draft the reconsideration: claim ref 8841 2207 63, sanction applied in error while "
        "the claimant was in hospital with pre-eclampsia.",
        "Note for the victim care unit: crime reference 14/220931/25 - victim disclosed "
        "depression after the burglary.",
    ],
)
def test_a_labelled_reference_stands_for_a_person(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "Please find the prisoner number format in the attached NOMIS guide.",
        "Our crime reference is 14/220931/25 for the stolen van; please chase the insurer.",
        "Prisoner 2019 statistics: how many self-harm incidents were recorded across the estate?",
        "What does a Home Office reference number look like and where is it printed?",
    ],
)
def test_a_reference_with_no_personal_context(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: a case list's "SURNAME, Forename" (the surname in capitals, a known forename, then
# a dash, colon, bracket or the line's end) is a name, so the entry's condition is about
# that person; an acronym before a forename in running prose ("MIT, Ruby gem ...") is not.
@pytest.mark.parametrize(
    "text",
    [
        "Summarise: OKAFOR, Daniel - detained under section 3 MHA on 2/12, benefit to be "
        "suspended.",
        "Caseload:\nWHITTAKER, Susan: epilepsy, reasonable adjustments agreed\n",
    ],
)
def test_surname_in_capitals_comma_forename(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


def test_an_acronym_before_a_forename_in_prose(engine) -> None:
    text = (
        "Licences: MIT, Ruby gem and Apache are all fine for the prototype; the claimant "
        "journey is unchanged."
    )
    assert "PERSONAL_DATA" not in categories(engine, text)


# Rule: a bracket, dash or colon right after a name opens what the writer states about the
# person ("the adjustments for X (menopause, anxiety)"), so a question-form request about a
# private person's conditions is no general-knowledge question; a figure asked about with
# a possessive ("Summarise Stephen Hawking's ALS") and a bracketed role stay allowed.
@pytest.mark.parametrize(
    "text",
    [
        "Describe the adjustments for Paula Whitfield (menopause, migraines).",
        "What support is there for Declan Moss (epilepsy)?",
    ],
)
def test_a_bracketed_fact_after_a_name(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "Summarise Stephen Hawking's ALS and how it affected his work.",
        "Who was Stephen Hawking (physicist) and what did he discover?",
    ],
)
def test_a_figure_asked_about(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: in casework, initials in capitals followed by an age ("GH, 42, ...") at a line
# start or after a request's colon stand for the person, so the conditions in that entry
# are about someone; the same shape outside casework ("UK, 42, ...") names no one.
@pytest.mark.parametrize(
    "text",
    [
        "Write the referral: KT, 37, single parent, anxiety and depression, wants help with "
        "her PIP claim.",
        "Handover notes:\nRB, 58, lives alone, COPD, missed his last two appointments.\n",
    ],
)
def test_initials_and_an_age_in_casework(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


def test_initials_and_a_number_outside_casework(engine) -> None:
    text = "Explain: UK, 42, is the answer in the quiz; depression era questions come next."
    assert categories(engine, text) == []


# Rule: in casework, a case note's subjectless line opening with a note abbreviation ("Hx
# ...", "Cx ...", "PMH ...") is about the one person named before it in its paragraph; a
# note line in another paragraph is not tied to that name.
def test_a_case_note_line_after_the_named_client(engine) -> None:
    text = (
        "Summarise for the handover: Cx Mrs Okonjo phoned at 09:40, upset. Hx MH (anx/dep), "
        "self-harm last yr. Cx asking for a call back from the duty worker."
    )
    assert categories(engine, text) == PERSONAL


def test_a_note_line_in_another_paragraph(engine) -> None:
    text = (
        "Summarise for the handover: Cx Mrs Okonjo phoned at 09:40 about the rota.\n\n"
        "Hx: anxiety awareness training is booked for all staff in March."
    )
    assert "SPECIAL_CATEGORY" not in categories(engine, text)
