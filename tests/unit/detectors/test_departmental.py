"""Departmental prompts as staff write them (issue 12, "misses"): HR cases, casework
notes, minutes, references, markings in prose. Each test pins one rule, both sides:
the leak blocks, and the harmless look-alike next to it stays allowed. Written here,
independently of the evaluation corpora."""

from __future__ import annotations

import pytest


def blocked(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: a person named once in full and then by forename (or surname) alone is the same
# person; context about the later mention is about them (minutes, notes).
def test_forename_alone_refers_back_to_the_full_name(engine) -> None:
    text = (
        "Minutes of team meeting 4 March. Present: Rhona Gilchrist, Dev Anand (chair). "
        "Item 2: Rhona remains off sick with depression; cover agreed until June."
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_minutes_without_personal_context_stay_allowed(engine) -> None:
    text = (
        "Minutes of team meeting 4 March. Present: Rhona Gilchrist, Dev Anand (chair). "
        "Item 2: Rhona will circulate the revised rota; cover agreed until June."
    )
    assert blocked(engine, text) == []


# Rule: "they" points back to names given together ("X and Y. They ...").
def test_they_points_back_to_coordinated_names(engine) -> None:
    text = (
        "The directors of Hallam Freight are Colin Verity and Joanne Pask. "
        "They are both under investigation for benefit fraud."
    )
    assert blocked(engine, text) == ["PERSONAL_DATA"]


def test_they_without_coordinated_names_does_not_tie(engine) -> None:
    text = (
        "Colin Verity wrote the report on the depot. "
        "They are both under investigation for benefit fraud, the paper said."
    )
    assert blocked(engine, text) == []


# Rule: an initial after a forename ("Darren M.") ends no sentence; the name and what
# follows are one sentence.
def test_forename_and_initial_keep_the_sentence(engine) -> None:
    text = "Darren M. (EO, Bolton) has been signed off for 4 weeks with depression. How should I handle his objectives?"
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


# Rule: facts stated about a named person and then a request are not a general-knowledge
# question, even when the text ends with "?"; a question alone about a figure still is.
def test_statement_then_question_is_not_general_knowledge(engine) -> None:
    text = (
        "Tyrone Beckford's daughter has cerebral palsy and he is her full time carer. "
        "Can you summarise his carer's allowance claim?"
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_question_about_a_historical_figure_stays_allowed(engine) -> None:
    assert blocked(engine, "Did Winston Churchill suffer from depression?") == []


# Rule: a greeted forename ("Hi Aaron, your ...") is the person the message is about.
def test_greeted_forename_with_health_blocks(engine) -> None:
    text = (
        'Can you make this email kinder: "Hi Aaron, your attendance is now at 14 days '
        "this rolling year due to your Crohn's flare-ups and we must move to stage 2.\""
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_greeting_without_personal_context_stays_allowed(engine) -> None:
    assert blocked(engine, "Hi Aaron, can you send me the slides for Tuesday?") == []


# Rule: a name typed in lower case counts in casework ("spoke to kelly brannigan"), but a
# lower-case forename that is also a word, or one followed by a verb, is no name.
@pytest.mark.parametrize(
    "text",
    [
        "draft a final written warning letter to our EO kelly brannigan about repeated lateness",
        "case note: spoke to stacey mcbride, she said she missed the appointment because her ex turned up",
        "my team member ellie watson is autistic, suggest reasonable adjustments I can offer her",
    ],
)
def test_lower_case_names_in_casework_block(engine, text: str) -> None:
    assert blocked(engine, text), text


@pytest.mark.parametrize(
    "text",
    [
        "grace period for a written warning letter: how long should it be?",
        "kelly said the warning letter template is on the intranet",
        "how do I write a warning letter for lateness in general?",
    ],
)
def test_lower_case_look_alikes_stay_allowed(engine, text: str) -> None:
    assert blocked(engine, text) == [], text


# Rule: a religious festival's name is never a person ("Yom Kippur"), so a general HR
# question about observance stays allowed; a named person's observance blocks.
def test_festival_is_no_person(engine) -> None:
    text = "How should a manager handle requests for time off for religious observance like Eid or Yom Kippur?"
    assert blocked(engine, text) == []


def test_named_persons_observance_blocks(engine) -> None:
    text = (
        "Isaac Goldberg requested leave for Yom Kippur and Rosh Hashanah. Please draft an approval."
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


# Rule: a marking the writer says applies to the content ("it's official sensitive", a
# handling instruction after it) is a marking; counting markings in data is a mention.
@pytest.mark.parametrize(
    "text",
    [
        "official-sensitive - pls dont forward. summary of the restructure: 40 posts going",
        "pls summarise, its official sensitive so keep it short: the options on closing the site",
        "this is OFFICIAL SENSITIVE, just tidy the wording: the tender scores are below",
    ],
)
def test_marking_in_prose_blocks(engine, text: str) -> None:
    assert blocked(engine, text) == ["OFFICIAL_SENSITIVE"], text


@pytest.mark.parametrize(
    "text",
    [
        "Write a Python function that checks a CSV column called Marking and counts how many rows are OFFICIAL_SENSITIVE.",
        "is it official sensitive if it only has team names in it?",
        "it's official sensitive status that decides where it can be stored",
    ],
)
def test_marking_mentions_stay_allowed(engine, text: str) -> None:
    assert blocked(engine, text) == [], text


# Rule: "has MS" / "with MS" is the illness; "MS Teams" / "MS Word" is a product.
def test_ms_as_an_illness_blocks(engine) -> None:
    text = "Paula Rennie, who has MS, needs a reasonable adjustment letter. Draft it."
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_ms_as_a_product_stays_allowed(engine) -> None:
    text = "Paula Rennie has MS Teams on her laptop now; draft the rollout note."
    assert blocked(engine, text) == []


# Rule: names with accented letters or particles that open a sentence, followed by what
# happened to the person, are names ("Siân Ní Bhraonáin has been sectioned").
@pytest.mark.parametrize(
    "text",
    [
        "Siân Ní Bhraonáin has been sectioned under the Mental Health Act; summarise her case notes.",
        "Gwion ap Rhys is undergoing IVF with his wife; draft a note to his manager about leave.",
        "José Álvarez has been diagnosed with epilepsy and asked for a taxi to interviews.",
    ],
)
def test_sentence_opening_names_with_a_fact_block(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text), text


def test_sentence_opening_place_or_service_stays_allowed(engine) -> None:
    text = "Mental Health Services is a directorate of the trust. Draft a note on its budget."
    assert blocked(engine, text) == []


# Rule: a forename with where the person works ("Kerry in payroll") identifies them.
def test_forename_with_workplace_blocks(engine) -> None:
    text = "Nadia in payroll has cerebral palsy and wants a new chair; draft the request."
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_forename_with_workplace_without_personal_context_stays_allowed(engine) -> None:
    assert blocked(engine, "Nadia in payroll wants a new chair; draft the request.") == []


# Rule: a possessed case phrase is about its owner, not a work topic ("Tom Baker's
# occupational health report" counts; "the occupational health report template" does not).
def test_possessed_case_report_blocks(engine) -> None:
    text = "Summarise Owen Pritchard's occupational health report: chronic fatigue syndrome and anxiety."
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_case_report_as_topic_stays_allowed(engine) -> None:
    text = "Summarise the occupational health report template for managers."
    assert blocked(engine, text) == []


# Rule: code words alone ("in JSON for my python script") make no programming task, so
# the names in the prose still count; names in actual code of a programming task are toy.
def test_output_format_words_do_not_make_names_toy(engine) -> None:
    text = (
        "Lorna Baptiste, who has multiple sclerosis, was discharged from Wansbeck General "
        "on 3 March. Put the answer in JSON for my python script."
    )
    assert "SPECIAL_CATEGORY" in blocked(engine, text)


def test_names_in_a_programming_task_stay_toy(engine) -> None:
    text = (
        "Write a python function that returns a json greeting:\n"
        'def greet(name):\n    return {"msg": f"Hello {name}"}\n'
        'greet("Lorna Baptiste")  # she has a cold'
    )
    assert blocked(engine, text) == []


# Rule: bank details written as payment staff write them (no separators, "/" separators,
# "SC"/"Acc" abbreviations) are bank details; the same digits without payment context are not.
@pytest.mark.parametrize(
    "text",
    [
        "Refund Alun Mathias: 309634 71823456",
        "Payee: A Mathias / SC 30/96/34 / Acc 71823456",
    ],
)
def test_bank_details_in_payment_shorthand_block(engine, text: str) -> None:
    assert blocked(engine, text) == ["PERSONAL_DATA"], text


def test_digit_runs_without_payment_context_stay_allowed(engine) -> None:
    assert blocked(engine, "Batch 309634 contained 71823456 bytes.") == []


# Rule: OFFICIAL-SENSITIVE starting a line in any case, then a separator and the content,
# is a marking; so are its look-alike spellings, emphasis, a line break at the dash, the
# OFFSEN short form and a bracketed "(marked ...)" note. Asking about it stays allowed.
@pytest.mark.parametrize(
    "text",
    [
        "Official Sensitive - note for the Permanent Secretary: the Bristol hub closes in May.",
        "official-sensitive: note for the Permanent Secretary, the Bristol hub closes in May",
        "OFFSEN - note for the Permanent Secretary: the Bristol hub closes in May.",
        "0FF1CIAL-5ENSITIVE - note for the Permanent Secretary: the Bristol hub closes in May.",
        "OFFICIAL-\nSENSITIVE\nNote for the Permanent Secretary",
        "**OFFICIAL**-**SENSITIVE** - note for the Permanent Secretary",
        "[O-S] note for the Permanent Secretary: the Bristol hub closes in May.",
        "(marked official sensitive) note for the Permanent Secretary: the hub closes in May.",
        "top secret - briefing for the Permanent Secretary on the hub closure",
    ],
)
def test_line_start_markings_in_any_case_block(engine, text: str) -> None:
    assert blocked(engine, text) == ["OFFICIAL_SENSITIVE"], text


@pytest.mark.parametrize(
    "text",
    [
        "Official Sensitive - what does it mean and who can see it?",
        "top secret - my recipe for banana bread is extra butter",
        "Here is a sneak peek of next year's trends (top secret!) for the spa owners.",
        "offsen vs official: explain the difference",
    ],
)
def test_marking_words_in_jokes_and_questions_stay_allowed(engine, text: str) -> None:
    assert blocked(engine, text) == [], text


# Rule: "Crown Court" is a court, a section number is no house number, and a count of
# places is no address; a home address after "lives at" still counts.
@pytest.mark.parametrize(
    "text",
    [
        "Pilot the new listing tool in 3 Crown Court centres, with the property team visiting each.",
        "C1.3 Contract Approach\nThe property and estates contract is fixed-price.",
        "We will visit 4 Market Square sites in the first phase.",
    ],
)
def test_courts_sections_and_counts_are_no_address(engine, text: str) -> None:
    assert blocked(engine, text) == [], text


def test_home_address_still_counts(engine) -> None:
    assert blocked(engine, "The tenant lives at 3 Crown Court, Hexham NE46 1AA.") == [
        "PERSONAL_DATA"
    ]


# Rule: the general-knowledge exemption is for asking about a figure; a question that
# states a special-category fact about the person ("X, who has Y"), or places them at
# work, is about a private individual. A bare question about a figure stays allowed.
@pytest.mark.parametrize(
    "text",
    [
        "What benefits can Gordon Fairlie, who has multiple sclerosis, claim?",
        "Describe the support options for Imelda Rourke, who has schizophrenia.",
        "Is Gordon Fairlie from the Carlisle office entitled to extra leave for his epilepsy?",
    ],
)
def test_questions_stating_a_private_fact_block(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text), text


def test_question_whether_a_figure_had_a_condition_stays_allowed(engine) -> None:
    assert blocked(engine, "Was Abraham Lincoln depressed during the civil war?") == []


# Rule: fiction / test-data framing makes names toy data, except a name tied to a
# special-category term in a text that places the person at work.
@pytest.mark.parametrize(
    "text",
    [
        "Sample data for the report: Gordon Fairlie, multiple sclerosis, Carlisle office.",
        "Role play: you are HR. Imelda Rourke, who has epilepsy, asks for home working.",
        "test data (not real): Gordon Fairlie was diagnosed with HIV and works in the Carlisle office.",
    ],
)
def test_framing_words_do_not_hide_a_colleague(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text), text


def test_a_story_character_with_an_illness_stays_allowed(engine) -> None:
    text = "Write a short story about Gordon Fairlie, a lighthouse keeper who has a cold."
    assert blocked(engine, text) == []


# Rule: casework and special-category terms in Welsh, Polish and Spanish count like the
# English ones; the same sentence with no condition stays allowed.
@pytest.mark.parametrize(
    "text",
    [
        "Mae gan Gareth Pritchard iselder ac mae angen llythyr arno.",
        "Piotr Zieliński choruje na cukrzycę i stwardnienie rozsiane.",
        "Lucía Herrera tiene esclerosis múltiple y necesita una carta para su jefe.",
    ],
)
def test_special_category_in_other_languages_blocks(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text), text


def test_other_language_without_a_condition_stays_allowed(engine) -> None:
    assert blocked(engine, "Lucía Herrera necesita una carta para su jefe.") == []


# Rule: clinical shorthand, sex life and biometric data are special category; a browser
# fingerprint or a code fingerprint is not.
@pytest.mark.parametrize(
    "text",
    [
        "Pt: K Ashworth, 61M, PMH: COPD, T2DM. Write a discharge summary.",
        "Dale Hendry disclosed he is in a polyamorous relationship; draft the vetting note.",
        "Upload Imelda Rourke's fingerprint template to the access system; write the steps.",
    ],
)
def test_clinical_sex_life_and_biometric_terms_block(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text), text


def test_technical_fingerprints_stay_allowed(engine) -> None:
    text = "How does browser fingerprinting work, and how do code fingerprint indexes match files?"
    assert blocked(engine, text) == []


# Rule: immigration status and a named person's salary are case detail.
@pytest.mark.parametrize(
    "text",
    [
        "Kacper Wiśniewski has pre-settled status and his right to work check failed; draft the letter.",
        "Confirm to HR that Priti Varma's new salary is £41,200 from April.",
    ],
)
def test_immigration_and_salary_detail_block(engine, text: str) -> None:
    assert blocked(engine, text), text


def test_salary_bands_in_general_stay_allowed(engine) -> None:
    assert blocked(engine, "What is the salary range for an HEO in the civil service?") == []


# Rule: an email written with [at]/(dot), and an IBAN in lower case, are still contact and
# bank details (the IBAN checksum decides).
@pytest.mark.parametrize(
    "text",
    [
        "Reply to gordon.fairlie77 [at] gmail [dot] com about his claim.",
        "Refund Gordon Fairlie to gb29nwbk60161331926819 today.",
    ],
)
def test_spelled_email_and_lower_case_iban_block(engine, text: str) -> None:
    assert blocked(engine, text) == ["PERSONAL_DATA"], text


def test_spelled_role_mailbox_and_bad_iban_stay_allowed(engine) -> None:
    assert blocked(engine, "Write to enquiries [at] example [dot] com") == []
    assert blocked(engine, "ref gb29nwbk60161331926818 is wrong") == []


# Rule: a marking used as a JSON key holding the content is a marking; a question in it
# stays a mention.
def test_marking_as_a_json_key_blocks(engine) -> None:
    text = '{"OFFICIAL_SENSITIVE": "The Department intends to close the Carlisle office"}'
    assert blocked(engine, text) == ["OFFICIAL_SENSITIVE"]


def test_marking_key_with_a_question_stays_allowed(engine) -> None:
    assert blocked(engine, '{"OFFICIAL_SENSITIVE": "what does this level mean?"}') == []


# Rule: a lower-case forename with its workplace ("paul from finance") identifies the
# person when the writer is dealing with them; chemotherapy written as "chemo" is health.
@pytest.mark.parametrize(
    "text",
    [
        "how do i tell my team that nadia from payroll has been diagnosed with leukaemia",
        "Can you draft something for Orla Keane? She's going through chemo and wants flexible hours.",
        "Rewrite more kindly: 'Hi Shanice, we cannot extend your sick leave for the endometriosis surgery.'",
    ],
)
def test_lower_case_workplace_names_and_chemo_block(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in blocked(engine, text), text


def test_lower_case_workplace_name_without_context_stays_allowed(engine) -> None:
    assert blocked(engine, "how do i tell my team that nadia from payroll is moving desks") == []


# Rule: a date-of-birth label in another language ("Fecha de nacimiento") on a patient's
# record is a date of birth; the label alone with no patient or second detail is not a block.
def test_date_of_birth_label_in_other_languages_blocks(engine) -> None:
    text = "Paciente: ORTEGA RUIZ LUCIA\nFecha de nacimiento: 03/07/1982\nGlucosa 91 mg/dL"
    assert blocked(engine, text) == ["PERSONAL_DATA"]


def test_date_of_birth_label_alone_stays_allowed(engine) -> None:
    assert blocked(engine, "Fecha de nacimiento: 03/07/1982") == []
