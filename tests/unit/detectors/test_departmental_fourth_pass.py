"""Departmental prompts, fourth pass (issue 12 classes; red team RT-44, RT-111, RT-121):
a union role in apposition to a named colleague, a forename (short, lower case or unlisted)
that the sentence shows is a person, candidate / applicant labels, form fields in
capitals, a workbook's sheet named after the person, a pronoun back to the named person
across unrelated sentences, and a private person's health in news-like register. Each test
pins one rule, both sides. Texts written here, independently of the evaluation corpora."""

from __future__ import annotations

import io

import pytest

from proxy.extract import extract
from proxy.transport.metadata import prompt_end
from tests.unit.extract.extract_helpers import request

PERSONAL = ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def categories(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: a union role in apposition to a named person ("X, our PCS branch secretary",
# "X (Unison steward)") is their trade-union membership: "our" makes a colleague, and in a
# text about work a union role is no public office. A union leader reported in the news
# and a question about the role stay allowed.
@pytest.mark.parametrize(
    "text",
    [
        "Gemma Shaw, our PCS branch secretary, has asked for time off to attend the union "
        "conference. Can you draft a reply approving it?",
        "Gemma Shaw, the PCS branch secretary, has asked for time off to attend conference.",
        "Dev Okafor (Unison steward) raised the rota at the team meeting and asked for "
        "facility time - can you minute it?",
    ],
)
def test_union_role_in_apposition_to_a_colleague(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "Mark Serwotka, the PCS general secretary, said the strike would go ahead next month.",
        "Can you explain what a PCS branch secretary does and how much facility time they get?",
        "Draft a notice inviting staff to meet the PCS branch secretary in the canteen on Friday.",
    ],
)
def test_union_roles_without_a_colleagues_membership_stay_allowed(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: the writer's dealings with someone ("spoke to bev about her ...", "email to sue -
# she ...", "had a chat with Kez re his ...") name a person by a forename: short forms
# and lower case included; an unlisted capitalised word only in a text about work. A
# workplace unit, a pronoun or "everyone" there names no one.
@pytest.mark.parametrize(
    "text",
    [
        "spoke to bev about her back problems, she's going to be off for another 2 weeks. "
        "can you write up a note for her file",
        "can you help me word an email to sue - she told me she's pregnant and wants to know "
        "about maternity pay",
        "Had a chat with Kez re his anxiety, he wants to move to the late shift. Draft a note?",
        "I phoned Rivka about her hospital appointment and she wants to take it as annual "
        "leave. Draft the leave request.",
    ],
)
def test_forename_the_writer_dealt_with(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "spoke to payroll about her overpayment query, can you draft a reply to the customer?",
        "Spoke to everyone about the new rota. Can you draft an announcement?",
        "spoke to them about her complaint, draft a reply",
        "spoke to Boots about her prescription delivery being late, can you draft a complaint?",
        "I spoke to Sarah about the new rota, she is happy with it. Draft a thank you note.",
    ],
)
def test_dealings_with_no_one_or_without_personal_facts_stay_allowed(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: "Candidate:", "Applicant:", "Claimant:" label a person's record; a blank template
# of the same labels names no one.
@pytest.mark.parametrize(
    "text",
    [
        "Candidate: Morwenna Trelawney\nInterview score: 28/40\nNotes: disclosed dyslexia, "
        "requested extra time. Summarise for the panel.",
        "Applicant: Rivka Goldberg\nReasonable adjustments: requires a BSL interpreter "
        "(profoundly deaf).\nPlease draft the invitation to interview.",
        "Claimant: Aled Pritchard. He has told us he is bipolar and struggles with phone "
        "calls. Summarise his needs for the work coach.",
    ],
)
def test_candidate_applicant_claimant_labels(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


def test_blank_template_of_the_labels_stays_allowed(engine) -> None:
    text = "Candidate: (name)\nInterview score:\nNotes:\nMake me a blank template like this."
    assert categories(engine, text) == []


# Rule: a forename the list does not hold is the person's when the text also names them in
# full and the earlier sentence has the forename as its subject ("Rivka has been off ...
# Draft the welfare meeting invite to Rivka Adler"); a question about the name is not.
def test_unlisted_forename_used_before_the_full_name(engine) -> None:
    text = (
        "Rivka has been off with stress since March and her GP has signed her off again. "
        "Draft the welfare meeting invite to Rivka Adler."
    )
    assert categories(engine, text) == PERSONAL


def test_question_about_an_unlisted_forename_stays_allowed(engine) -> None:
    text = "Rivka is a Hebrew name meaning 'to bind'. What other names have similar meanings?"
    assert categories(engine, text) == []


# Rule: a printed form's fields in capitals ("SURNAME: MCDONALD", "FORENAME: MORWENNA
# SURNAME: TREGEAR" on one line) are a person's record (RT-121); field labels alone, or a
# value that is no name ("UNKNOWN"), are not.
@pytest.mark.parametrize(
    "text",
    [
        "SURNAME: MCDONALD\nFORENAME: CALLUM\nCONDITION: TYPE 1 DIABETES\nSummarise this.",
        "FORENAME: MORWENNA    SURNAME: TREGEAR\nDISABILITY: HEARING LOSS\nMake it a sentence.",
    ],
)
def test_form_fields_in_capitals(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "SURNAME:\nFORENAME:\nDATE OF BIRTH:\nCONDITION:\nDesign a form with these fields.",
        "NAME: UNKNOWN\nCONDITION: NOT RECORDED\nWhat does this record mean?",
    ],
)
def test_form_labels_without_a_name_stay_allowed(engine, text) -> None:
    assert categories(engine, text) == []


# Rule: a labelled field's value may open with a few words before the term
# ("Diagnosis<TAB>relapsing-remitting multiple sclerosis") and is still the field's fact
# about the person the sheet or record names above it.
def test_field_value_with_words_before_the_term(engine) -> None:
    text = (
        "Jane Smith\nDiagnosis\tRelapsing-remitting multiple sclerosis\nAdjustments\tHome "
        "working two days\nSummarise this sheet for the manager."
    )
    assert categories(engine, text) == PERSONAL


FILES = "https://api.openai.com/v1/files"
BOUNDARY = "b0undaryFourth"


def _workbook_upload(sheet: str, rows: list[list[str]]) -> list[str]:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="case.xlsx"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + out.getvalue()
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    return extract(request(FILES, body, headers=headers))


# Rule: a workbook's sheet named after a person (the sheet name is a part of its own, then
# the file's properties, then the cells) makes the sheet's labelled cells about them
# (RT-121, through the proxy's real extraction); a sheet named after an office does not.
def test_sheet_named_after_the_person(engine) -> None:
    ex = _workbook_upload(
        "Jane Smith", [["Diagnosis", "multiple sclerosis"], ["Adjustments", "ground-floor desk"]]
    )
    assert engine.scan(ex.text, ex.seams, prompt_end(ex)).categories == PERSONAL


@pytest.mark.parametrize(
    ("sheet", "rows"),
    [
        ("Leeds Office", [["Diagnosis", "epilepsy"], ["Cases", "4"]]),
        ("Jane Smith", [["Budget", "2000"], ["Spend", "1500"]]),
    ],
)
def test_sheet_named_after_an_office_or_without_facts_stays_allowed(engine, sheet, rows) -> None:
    ex = _workbook_upload(sheet, rows)
    assert engine.scan(ex.text, ex.seams, prompt_end(ex)).categories == []


FILL = (
    " We also discussed the office move, the new rota, parking at the Leeds site, and who "
    "covers the Friday post. Nothing else was agreed."
) * 3


# Rule: "She has ..." opening a later paragraph (a later turn, RT-111) or, in casework, a
# later sentence of the same paragraph, points back to the one person named before it
# across unrelated sentences (within 1,500 chars); a general question after them does not.
@pytest.mark.parametrize(
    "text",
    [
        "The claimant is Jane Smith from the Leeds office."
        + FILL
        + "\n\nShe has multiple sclerosis; draft her adjustment letter.",
        "Notes from today's one to one with Priya Desai. We went through the new rota and "
        "the move to the second floor. Parking permits are being reissued next month. The "
        "team social is on the 14th. Training on the new case system starts in June. She has "
        "asked whether her endometriosis can be covered by a reasonable adjustment.",
    ],
)
def test_pronoun_back_to_the_named_person_across_filler(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


def test_general_question_after_filler_stays_allowed(engine) -> None:
    text = (
        "The claimant is Jane Smith from the Leeds office."
        + FILL
        + "\n\nWhat adjustments are usual for multiple sclerosis in general?"
    )
    assert "SPECIAL_CATEGORY" not in categories(engine, text)


# Rule: a casework role in apposition ("X, a benefits claimant,", "X, 47, a Universal
# Credit claimant") makes a private individual even in news-like register (RT-44: the
# register is the writer's to imitate); a minister's statement in the news stays allowed.
@pytest.mark.parametrize(
    "text",
    [
        "LEEDS (Reuters) - Jane Smith, a benefits claimant, told reporters on Monday that her "
        'multiple sclerosis had worsened, a spokesperson said. "It is hard," she said.',
        "MANCHESTER, March 3 (PA) - Tariq Hussain, 47, a Universal Credit claimant from "
        "Salford, said his bipolar disorder meant he missed two appointments, officials said.",
    ],
)
def test_private_person_in_news_register(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


def test_public_figure_in_news_stays_allowed(engine) -> None:
    text = (
        "LONDON (Reuters) - Health Secretary Wes Streeting said on Monday that NHS waiting "
        "lists had fallen and that cancer treatment targets would be met, a spokesperson said."
    )
    assert categories(engine, text) == []


# Rule: a labelled name typed in lower case ("claimant: tom briggs", "name: aisha khan"),
# a listed forename first, is a record's name; a user record of a programming task is not
# tied to any personal fact.
@pytest.mark.parametrize(
    "text",
    [
        "claimant: tom briggs. says he cant attend WCA on 12th as his anxiety is really bad "
        "at the moment. rearrange pls and note on file",
        "name: aisha khan\ncondition: sickle cell\nWrite a risk assessment summary for her.",
    ],
)
def test_labelled_name_in_lower_case(engine, text) -> None:
    assert categories(engine, text) == PERSONAL


def test_lower_case_user_record_without_facts_stays_allowed(engine) -> None:
    text = "name: john smith\nrole: admin\nGenerate a YAML schema for this user record."
    assert categories(engine, text) == []


# Rule: a listed forename in lower case opening a sentence as its subject ("kyle rang
# again, ... his depression") names the person when a special-category fact is tied to
# it; the same form with no such fact, or a forename that is also a word ("will", "mark"),
# names no one.
def test_lower_case_forename_as_subject_with_a_fact(engine) -> None:
    text = (
        "Could you rewrite this more formally: kyle rang again, still waiting on his UC "
        "payment, says his depression is getting worse and he has no food."
    )
    assert categories(engine, text) == PERSONAL


@pytest.mark.parametrize(
    "text",
    [
        "Summary: kyle rang to confirm the venue. Draft a reminder for the team about Friday.",
        "tom said the build is broken again, can you explain what a segmentation fault is?",
        "mark is the unit of currency used in the old German system. Explain its history.",
    ],
)
def test_lower_case_forename_without_a_fact_stays_allowed(engine, text) -> None:
    assert categories(engine, text) == []
