"""Departmental prompts, third pass (issue 12 classes as staff write them): a colleague's
political campaigning, religious observance by its articles and practices, a couple named
in lower case with their pensions, a marking introduced before a request, payees pasted as
table rows, sight loss. Each test pins one rule, both sides. Written here, independently
of the evaluation corpora."""

from __future__ import annotations

import pytest


def blocked(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: a political act followed by a party ("campaign for Labour", "canvass for the
# Conservatives", "leafleting for the Greens") is a political opinion; tied to a named
# colleague it is special-category data.
@pytest.mark.parametrize(
    "text",
    [
        "Please draft an email to Declan Murphy reminding him he can't campaign for Labour "
        "during office hours or use his work laptop for it.",
        "Write a reminder to Amanda Price that as a senior civil servant she can't canvass "
        "for the Conservatives in the by-election.",
        "Our AO Brian Stokes has been leafleting for the Greens at the weekend and talking "
        "about it on the phones. Draft a note to him about the civil service code.",
    ],
)
def test_political_act_and_party_about_a_named_colleague(engine, text) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "What are the rules on civil servants who want to campaign for Labour or the "
        "Conservatives in their own time?",
        "Lorna Hughes supports labour market re-entry for lone parents in the Leeds team; "
        "draft a thank-you note to her.",
    ],
)
def test_party_names_without_a_named_persons_act_stay_allowed(engine, text) -> None:
    assert "SPECIAL_CATEGORY" not in blocked(engine, text)


# Rule: the articles and practices of a faith (kirpan, kara, Shabbat, Jummah) are religion
# terms; a question about accommodating faiths in general names nobody.
def test_articles_of_faith_about_a_named_person(engine) -> None:
    text = (
        "Harpreet Kaur wants to wear her kara and kirpan at work - draft a response from "
        "the security team confirming it's fine."
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_articles_of_faith_in_a_general_question_stay_allowed(engine) -> None:
    text = "What is our security policy on staff carrying a kirpan in the building?"
    assert blocked(engine, text) == []


# Rule: sight loss and large print are disability terms.
def test_sight_loss_of_a_named_customer(engine) -> None:
    text = (
        "Draft a reply to Mr Dafydd Rhys, who has asked for correspondence in Welsh; he has "
        "sight loss and needs large print too."
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


# Rule: "mr and mrs patel" / "mrs o'neill" typed in lower case is a person's name (a couple
# or "mrs" in any text with personal context; "mr"/"ms"/"miss" alone only in casework);
# an honorific before a context or topic word ("ms teams", "mr decision") is no name.
def test_lower_case_couple_with_their_pensions(engine) -> None:
    text = (
        "work out PC for mr and mrs patel - he gets 203.85 state pension and she gets "
        "nothing as she never paid in, they have 8k savings"
    )
    assert blocked(engine, text) == ["PERSONAL_DATA"]


@pytest.mark.parametrize(
    "text",
    [
        "set up an ms teams call to go through the pension credit rates with the team",
        "how long does an mr decision on a pip claim usually take?",
    ],
)
def test_lower_case_honorific_before_an_ordinary_word_is_no_name(engine, text) -> None:
    assert blocked(engine, text) == []


# Rule: a marking introduced by the writer ("pasting the official sensitive briefing
# below") counts even when a request follows after a comma ("can you shorten it?"); a
# question about whether to share marked content is a mention.
@pytest.mark.parametrize(
    "text",
    [
        "I'm pasting the official sensitive briefing below, can you shorten it to one page?",
        "Here's the OFFICIAL SENSITIVE briefing, can you turn it into three bullets?",
    ],
)
def test_introduced_marking_with_a_request_after_a_comma(engine, text) -> None:
    assert blocked(engine, text) == ["OFFICIAL_SENSITIVE"]


def test_asking_whether_to_paste_marked_content_is_a_mention(engine) -> None:
    text = "Should I paste the official sensitive briefing below, or is that not allowed?"
    assert blocked(engine, text) == []


# Rule: a pasted table row holding a name cell, a sort code cell and an account cell is
# bank details with no header or context word (red team RT-18); digits that are a month
# and a date, and documentation's example values, are not.
@pytest.mark.parametrize(
    "text",
    [
        "Gemma Lloyd\t309911\t45872210\nRobert Finch\t401276\t90213345\nformat as a table",
        "payee,sort,acc\nMrs D Kaur,20-32-06,60418329",
    ],
)
def test_table_rows_of_payees_with_bank_details(engine, text) -> None:
    assert "PERSONAL_DATA" in blocked(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "batch\tperiod\tdate\nnorth\t202401\t20240131\nsouth\t202402\t20240229",
        "What format is a UK sort code and account number? e.g. sort code 12-34-56, "
        "account 12345678.",
    ],
)
def test_month_date_columns_and_example_values_are_no_bank_details(engine, text) -> None:
    assert blocked(engine, text) == []


# Rule: a handle or a URL slug made of a known forename and a surname ("@JaneSmith71",
# ".../claimants/jane-smith-1971") names a person (RT-121); a slug of a topic page or a
# handle thanked for training names nobody's condition; an "example" host label is no
# format-example cue.
@pytest.mark.parametrize(
    "text",
    [
        "Case link: https://cases.example.org/claimants/gillian-pascoe-1971 - she has "
        "schizophrenia; write the risk summary.",
        "@GillianPascoe71 has told the team about her bipolar diagnosis - draft the "
        "adjustments plan.",
    ],
)
def test_handles_and_slugs_name_the_person(engine, text) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "See https://www.nhs.uk/conditions/schizophrenia/ for what schizophrenia is.",
        "@GillianPascoe71 thanks for the link to the bipolar awareness training, great session",
    ],
)
def test_topic_slugs_and_thanked_handles_stay_allowed(engine, text) -> None:
    assert blocked(engine, text) == []


# Rule: a known forename with a workplace of up to two words before its unit ("Aisha in
# the Bradford benefits team") is a person (pregnancy is a protected characteristic).
def test_forename_with_a_two_word_workplace(engine) -> None:
    text = "Aisha in the Bradford benefits team is pregnant and wants her risk assessment done"
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


# Rule: a party's councillor or member ("a Labour councillor") is a political opinion about
# the person; a question about councillors in general names nobody.
def test_party_councillor_on_my_team(engine) -> None:
    text = (
        "Kevin Price on my team is a Labour councillor in Wigan - how much time off can he "
        "take for council duties?"
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_councillors_in_general_stay_allowed(engine) -> None:
    assert blocked(engine, "Is a civil servant allowed to be a Labour councillor?") == []


# Rule: "it's marked official sensitive" says the content at hand is marked.
def test_content_said_to_be_marked(engine) -> None:
    text = (
        "Can you proofread this? It's marked official sensitive.\n"
        '"The department intends to close the Widnes site in 2026."'
    )
    assert blocked(engine, text) == ["OFFICIAL_SENSITIVE"]
