"""A person named in one sentence, message or field and the personal fact about them in
the next (issue 12; red team RT-33, RT-54): the parts of one request are scanned as one
document joined by blank lines, so the document rules must follow a reference or a
record across a paragraph break or a part boundary. Each test pins one rule, both sides.
Texts written here, independently of the evaluation corpora."""

from __future__ import annotations

import json

import pytest

from proxy.extract import extract
from proxy.transport.metadata import prompt_end
from tests.unit.extract.extract_helpers import request

CHAT = "https://api.openai.com/v1/chat/completions"


def blocked(engine, text: str) -> list[str]:
    return engine.scan(text).categories


def through_proxy_extraction(engine, body: dict, url: str = CHAT) -> list[str]:
    """The categories of a request body as the proxy scans it: extracted into parts,
    joined, with its seams and the prompt/metadata split."""
    extraction = extract(request(url, body))
    return engine.scan(extraction.text, extraction.seams, prompt_end(extraction)).categories


def chat(*contents: str, role: str = "user") -> dict:
    return {"model": "gpt-4o", "messages": [{"role": role, "content": c} for c in contents]}


# Rule: a pronoun opening the next message (or paragraph) points back to the person named
# in the one before, when nobody else is named in between.
def test_person_in_one_message_condition_in_the_next(engine) -> None:
    body = chat(
        "The claimant is Imogen Thwaite.",
        "She has multiple sclerosis; draft her reasonable adjustments letter.",
    )
    assert through_proxy_extraction(engine, body) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_warning_letter_with_the_facts_in_the_next_paragraph(engine) -> None:
    text = (
        "Please draft a first written warning.\n\nThe officer is Dawn Whitlock.\n\n"
        "She was repeatedly late in March and is under investigation for misconduct."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA"]


def test_meeting_note_then_a_paragraph_about_her_child(engine) -> None:
    text = (
        "Notes from my one-to-one with Karen Doyle.\n\n"
        "She told me her son has autism and she needs to leave early on Tuesdays."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_public_figure_across_paragraphs_stays_allowed(engine) -> None:
    text = (
        "Write a short news summary.\n\nPrime Minister Keir Starmer visited a hospital "
        "in Leeds.\n\nHe said waiting lists for cancer treatment would fall this year."
    )
    assert blocked(engine, text) == []


def test_fiction_across_paragraphs_stays_allowed(engine) -> None:
    text = (
        "Continue my short story.\n\nChapter 3\n\nElizabeth Hartley walked to the window."
        "\n\nShe had been ill with a fever for a week, her mother said."
    )
    assert blocked(engine, text) == []


def test_general_knowledge_question_across_paragraphs_stays_allowed(engine) -> None:
    text = (
        "Who was Florence Nightingale?\n\n"
        "She nursed soldiers with cholera and typhus in the Crimean War."
    )
    assert blocked(engine, text) == []


def test_a_pronoun_does_not_reach_back_past_another_named_person(engine) -> None:
    # "He" is the minister named in between (a public figure in a public role), not the
    # colleague named first
    text = (
        "Rosalind Fenwick wrote our guidance on the intranet.\n\n"
        "Health Secretary Wes Streeting launched it in Leeds.\n\n"
        "He said staff with diabetes can ask for extra breaks."
    )
    assert blocked(engine, text) == []


# Rule: a later sentence that calls the person by the role they were introduced with ("The
# claimant is X. ... The claimant has ...") is about them, across paragraphs too.
def test_role_back_reference_across_paragraphs(engine) -> None:
    text = (
        "Can you help me write a letter for a claimant?\n\nThe claimant is Tom Harding.\n\n"
        "The claimant has been sanctioned twice and is in rent arrears."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA"]


def test_role_introduced_by_the_sentence_itself(engine) -> None:
    text = (
        "The new starter is Priya Natarajan. The starter has epilepsy and needs a "
        "personal evacuation plan."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_role_word_without_the_introduction_does_not_tie(engine) -> None:
    text = (
        "Priya Natarajan chaired the wellbeing forum. The starter pack now explains "
        "epilepsy first aid for all staff."
    )
    assert blocked(engine, text) == []


# Rule: the fields of one record stay one record when its leaves were scanned as separate
# parts (a JSON object's leaves are rendered ``key: value`` and joined by blank lines).
@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            {"name": "Jane Okafor", "condition": "multiple sclerosis", "office": "Leeds"},
            ["PERSONAL_DATA", "SPECIAL_CATEGORY"],
        ),
        (
            {"employee_name": "Marcus Obi", "start_year": "2019", "absence_reason": "depression"},
            ["PERSONAL_DATA", "SPECIAL_CATEGORY"],
        ),
        ({"name": "Jane Okafor", "dob": "1961-03-12", "postcode": "HG1 2AB"}, ["PERSONAL_DATA"]),
    ],
)
def test_json_record_fields_are_one_record(engine, record: dict, expected: list[str]) -> None:
    body = {"records": [record], "task": "summarise"}
    assert through_proxy_extraction(engine, body, "https://example-ai.test/api/run") == expected


def test_json_record_in_a_tool_result_is_one_record(engine) -> None:
    rows = [
        {"name": "Jane Okafor", "condition": "multiple sclerosis", "office": "Leeds"},
        {"name": "Callum Reid", "condition": "HIV", "office": "York"},
    ]
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "summarise the caseload"},
            {"role": "tool", "tool_call_id": "call_1", "content": json.dumps(rows)},
        ],
    }
    assert through_proxy_extraction(engine, body) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_record_template_and_placeholder_record_stay_allowed(engine) -> None:
    template = {"name": "<full name>", "condition": "<condition>", "office": "<office>"}
    placeholder = {"name": "John Doe", "condition": "asthma", "office": "Anytown"}
    for record in (template, placeholder):
        body = {"records": [record], "task": "validate this schema"}
        assert through_proxy_extraction(engine, body, "https://example-ai.test/api/run") == []


def test_separate_paragraphs_of_prose_are_not_one_record(engine) -> None:
    # a field-like line after a paragraph of prose is no field of a record started by a
    # name two paragraphs earlier
    text = (
        "Name: Harriet Combe\n\nThe wellbeing team met on Monday and agreed the plan "
        "for the spring, including a new intranet page.\n\nTopic: cancer screening awareness"
    )
    assert blocked(engine, text) == []


def test_condition_next_to_a_field_on_its_own_line_is_no_topic(engine) -> None:
    # "multiple sclerosis" followed on the next field by "office: ..." is not the topic
    # phrase "multiple sclerosis office"
    text = "name: Jane Okafor\n\ncondition: multiple sclerosis\n\noffice: Leeds"
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


# Rule: the person the text introduces by a casework role ("The officer concerned is X")
# is whom the sentences around are about: the request's casework word ties to them.
def test_person_introduced_by_role_ties_the_request_around_it(engine) -> None:
    text = (
        "The officer concerned is Patricia Lamb. Please draft the disciplinary invitation "
        "letter.\n\nShe was found to have accessed her neighbour's records."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA"]


def test_person_introduced_by_a_non_casework_role_stays_allowed(engine) -> None:
    for text in (
        "The guest speaker is Patricia Lamb. Please draft the invitation to our "
        "disciplinary policy workshop.",
        "The winner is Patricia Lamb. Please draft a press release about the award for "
        "cancer research.",
    ):
        assert blocked(engine, text) == []


# Rule: the writer's own note or reference about someone ("tidy up this note for the file",
# "worked with us") is involvement, not a general-knowledge question, even when it opens
# with "Can you ...".
def test_note_for_the_file_is_involvement(engine) -> None:
    text = (
        "Can you tidy up this note for the file? Spoke with Mrs Okonkwo this morning. Her "
        "daughter Tia (7) has been diagnosed with ADHD and she is asking about DLA."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_note_for_the_file_without_a_person_stays_allowed(engine) -> None:
    text = "Can you tidy up this note for the file? The team discussed ADHD awareness training."
    assert blocked(engine, text) == []


def test_reference_for_someone_who_worked_with_us(engine) -> None:
    text = (
        "Can you rewrite this reference more formally? Ellie Marchetti worked with us for 3 "
        "years. She was on maternity leave in 2022 and came back part time."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


# Rule: religious observance ("refused to let him pray") and suicidal ideation ("thinking of
# ending his life") are special-category facts about the named person; with nobody named
# they are not.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Can you help me reply to a complaint? The complainant, Mr Ibrahim Yusuf, says the "
            "jobcentre refused to let him pray during his appointment.",
            ["PERSONAL_DATA", "SPECIAL_CATEGORY"],
        ),
        (
            "Give me bullet points for the welfare call. Amir Qureshi, UC claimant, said he has "
            "not eaten for 3 days and is thinking of ending his life.",
            ["PERSONAL_DATA", "SPECIAL_CATEGORY"],
        ),
        ("The jobcentre has a quiet room where anyone can pray during Ramadan.", []),
        (
            "The Samaritans help people who are thinking of ending their life; add their "
            "number to the poster.",
            [],
        ),
    ],
)
def test_observance_and_suicidal_ideation(engine, text: str, expected: list[str]) -> None:
    assert blocked(engine, text) == expected


# Rule: a knighthood or damehood ("Sir", "Dame") makes no private individual by its form, and
# outside casework marks a public figure; a reporting verb coordinated with another verb
# ("visited ... and said") is still the subject's statement. In casework "Mr" still counts.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sir Keir Starmer visited the hospital and said cancer waiting times are too long.", []),
        ("Dame Deborah James raised millions for bowel cancer research before she died.", []),
        (
            "Mr Derek Ashworth came to the jobcentre and said his cancer treatment means he "
            "cannot attend.",
            ["PERSONAL_DATA", "SPECIAL_CATEGORY"],
        ),
    ],
)
def test_public_honorifics_and_coordinated_reporting(engine, text: str, expected) -> None:
    assert blocked(engine, text) == expected


# Rule: a forename used before the full name ("Need an email to Sophie about her ...
# Sophie Delaney, band 5") is the same person; an earlier word that is no known forename,
# or an earlier mention of a name only NER found, is not ("Aurora ... Aurora Global ...").
def test_forename_before_the_full_name_refers_to_them(engine) -> None:
    text = (
        "Need an email to Sophie about her return-to-work after her miscarriage. "
        "Sophie Delaney, band 5, ward 7."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_product_word_before_a_tagged_name_is_no_mention(engine) -> None:
    text = (
        "Our patients book through Aurora. Aurora has had downtime during GP surgery hours.\n\n"
        "## Findings\n\nAurora Global Database replicates across regions."
    )
    assert blocked(engine, text) == []


# Rule: a staff grade in brackets after a known forename ("Imran (EO)") marks a member of
# staff: a lone forename then counts.
def test_forename_with_a_grade_is_a_member_of_staff(engine) -> None:
    text = (
        "Meeting notes 3/6: Discussed Imran (EO). He disclosed he has bipolar disorder and "
        "would like adjustments to his targets."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_option_letters_and_grades_without_a_name_stay_allowed(engine) -> None:
    text = "Meeting notes: the EO (Band 3) role profile was agreed; bipolar awareness session next."
    assert blocked(engine, text) == []


# Rule: a conduct allegation about a colleague in minutes ("drinking at work") is casework
# detail; a greeting after a dash ("- Hi Grace, ...") is still a greeting.
def test_minutes_with_a_conduct_allegation(engine) -> None:
    text = (
        "Write up the minutes. Present: Tony Blakemore (chair), Ruth Iqbal, Wes Carter. AOB: "
        "Ruth raised that Wes has been drinking at work; HR to advise."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA"]


def test_greeting_after_a_dash(engine) -> None:
    text = (
        "pls can u check this for typos - Hi Grace, as discussed your probation is extended "
        "3 months due to your absences (migraines) - thanks, Mel"
    )
    assert "PERSONAL_DATA" in blocked(engine, text)


# Rule: in a fiction or training-scenario text a lone name is a character, even at work.
def test_lone_name_in_a_training_scenario_is_a_character(engine) -> None:
    text = (
        "Create a training scenario: a fictional employee, 'Sam', discloses dyslexia to their "
        "manager. What should the manager do?"
    )
    assert blocked(engine, text) == []


# Rule: in published news a family or work relation before a name ("his wife X", "campaign
# manager X") is no casework form: the public-text exemption applies; a casework role
# ("the claimant X") still marks a private individual.
NEWS = (
    "WASHINGTON (Reuters) - The president said on Tuesday that the new law would pass, "
    "according to officials. Senators reported that the vote, announced by the White House "
    'press secretary, was close. "We will win," the senator told reporters. "It is a '
    'historic day," a spokesman said in a statement. '
)


def test_relation_of_a_public_figure_in_news_stays_allowed(engine) -> None:
    text = NEWS + "His wife Marian Calloway, who had cancer surgery last year, attended."
    assert blocked(engine, text) == []


def test_casework_role_in_news_still_counts(engine) -> None:
    text = NEWS + "The claimant Marian Calloway, who had cancer surgery last year, attended."
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


# Rule: a forename followed by an institution word is an institution ("Anna University",
# "Grace Academy"), never a person; a surname that is also a place word still is a name.
def test_forename_and_institution_is_no_person(engine) -> None:
    text = (
        "If the project is on detecting heart attack early, now do the cover page for "
        "Anna University project report."
    )
    assert blocked(engine, text) == []


def test_surname_that_is_a_place_word_is_still_a_name(engine) -> None:
    text = (
        "My colleague Jane Hall has been signed off sick with depression; how do I cover her work?"
    )
    assert blocked(engine, text) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


# Rule: a reporting verb makes its subject's words a public statement only when it reports
# something: a clause, an object, a colon or a quotation ("X argued that ...", "..., X said").
# "X argues with colleagues" (only a preposition) is conduct, not a statement, so a named
# person's party membership in a warning request is still personal data (red team RT-91).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Jane Smith is a Reform UK member and argues with colleagues; draft a warning.",
            ["PERSONAL_DATA", "SPECIAL_CATEGORY"],
        ),
        ("Labour MP Jane Smith argued that the Reform UK policy was wrong, the paper said.", []),
        ("The economy is strong, Jane Smith said on Tuesday, defending Labour's record.", []),
    ],
)
def test_a_reporting_verb_with_nothing_reported_is_no_statement(engine, text, expected) -> None:
    assert blocked(engine, text) == expected
