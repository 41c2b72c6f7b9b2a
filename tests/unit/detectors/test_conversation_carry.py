"""The person carry across the turns of one chat request (red team RT-64): what a chat
client sends between the name and the condition (an assistant reply of several sentences,
a tool call and its result, a long user turn) is context, not distance. Each test pins one
rule, both sides; texts written here, independently of the evaluation corpora."""

from __future__ import annotations

import io

import openpyxl
from pptx import Presentation

from proxy.extract import extract
from proxy.transport.metadata import prompt_end
from tests.unit.extract.extract_helpers import request

CHAT = "https://api.openai.com/v1/chat/completions"
BOTH = ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def categories(engine, *messages: dict) -> list[str]:
    extraction = extract(request(CHAT, {"model": "gpt-4o", "messages": list(messages)}))
    return engine.scan(extraction.text, extraction.seams, prompt_end(extraction)).categories


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict:
    return {"role": "assistant", "content": text}


# Rule: a pronoun opening a later message points back to the one person named before it,
# past an assistant reply of more than three sentences, when nobody else is named between.
def test_a_long_assistant_reply_between_name_and_condition(engine) -> None:
    found = categories(
        engine,
        user("I need to write to my colleague Rhiannon Pughe."),
        assistant(
            "Happy to help. Letters like this go better with detail. What should it cover? "
            "Give me the main points and the tone."
        ),
        user("She has Crohn's disease and needs a desk near the toilets."),
    )
    assert found == BOTH


def test_a_long_user_turn_between_name_and_condition(engine) -> None:
    found = categories(
        engine,
        user("The claimant is Oskar Wendlebury."),
        user(
            "Use plain English. Keep it to a page. Put a reference line at the top. "
            "Avoid jargon. Sign it from the benefits team."
        ),
        user("He was diagnosed with epilepsy last spring; draft the letter."),
    )
    assert found == BOTH


def test_a_tool_call_and_its_result_between_name_and_condition(engine) -> None:
    found = categories(
        engine,
        user("The claimant is Oskar Wendlebury."),
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_7",
                    "type": "function",
                    "function": {"name": "office_hours", "arguments": '{"office": "Leeds"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_7", "content": "The office opens at nine."},
        user("He was diagnosed with epilepsy last spring; draft the letter."),
    )
    assert found == BOTH


def test_the_long_carry_stops_at_another_named_person(engine) -> None:
    # "She" is the person named last (the copy recipient), not the claimant named before
    extraction = extract(
        request(
            CHAT,
            {
                "model": "gpt-4o",
                "messages": [
                    user("The claimant is Oskar Wendlebury."),
                    user(
                        "Use plain English. Keep it to a page. Put a reference line at the top."
                        " Copy in Priya Chaudhry from the benefits team. Avoid jargon."
                    ),
                    user("She was diagnosed with epilepsy last spring; draft the letter."),
                ],
            },
        )
    )
    text = extraction.text
    result = engine.scan(text, extraction.seams, prompt_end(extraction))
    people = {text[f.start : f.end] for f in result.findings if f.entity_type == "PERSON"}
    assert "Oskar Wendlebury" not in people


def test_a_later_general_question_is_not_about_the_named_person(engine) -> None:
    found = categories(
        engine,
        user("Draft a thank-you note to Rhiannon Pughe for running the team day."),
        assistant("Here is a draft. Let me know if you want changes. It is short and warm."),
        user("Separately, what is Crohn's disease in general terms?"),
    )
    assert found == []


def test_a_public_figure_then_a_general_health_question(engine) -> None:
    found = categories(
        engine,
        user("Who was Clement Attlee?"),
        assistant("He was Prime Minister of the United Kingdom from 1945 to 1951."),
        user("What are the first signs of epilepsy?"),
    )
    assert found == []


# Rule: "this person" refers back like a casework role ("The person I am writing about is X").
def test_this_person_refers_back(engine) -> None:
    found = categories(
        engine,
        user("The person I am writing about is Rhiannon Pughe."),
        user("This person has Crohn's disease; draft the adjustment letter."),
    )
    assert found == BOTH


# Rule: a labelled field on a later line ("Condition: ...") is about the only person the
# text names before it.
def test_a_bare_condition_field_attaches_to_the_only_person_named(engine) -> None:
    found = categories(
        engine,
        user("Letter for Rhiannon Pughe, Cardiff office."),
        user("Condition: Crohn's disease. Draft a reasonable adjustment letter."),
    )
    assert found == BOTH


def test_a_condition_field_with_two_people_named_does_not_attach(engine) -> None:
    found = categories(
        engine,
        user("Rhiannon Pughe and Oskar Wendlebury are in my team."),
        user("Condition: Crohn's disease. What adjustments are usual?"),
    )
    assert "SPECIAL_CATEGORY" not in found


def test_a_field_that_is_no_condition_does_not_attach(engine) -> None:
    found = categories(
        engine,
        user("Letter for Rhiannon Pughe, Cardiff office."),
        user("Tone: warm. Keep it under a page."),
    )
    assert "SPECIAL_CATEGORY" not in found


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(*sheets: list[list[str]]) -> bytes:
    """A real workbook (openpyxl), read back by openpyxl to prove the cells are there."""
    book = openpyxl.Workbook()
    for index, rows in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet(f"Sheet{index + 1}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    back = openpyxl.load_workbook(io.BytesIO(data))
    assert [[c.value for c in r] for r in back.worksheets[-1].iter_rows()] == sheets[-1]
    return data


def document_categories(engine, data: bytes) -> list[str]:
    extraction = extract(request("https://api.openai.com/v1/files", data, content_type=XLSX))
    return engine.scan(extraction.text, extraction.seams, prompt_end(extraction)).categories


# Rule: one workbook is one context: a condition under a column header on sheet 2 is about
# the only person the workbook names (on sheet 1).
def test_name_on_sheet_one_condition_on_sheet_two(engine) -> None:
    data = workbook([["Name"], ["Rhiannon Pughe"]], [["Condition"], ["Crohn's disease"]])
    assert document_categories(engine, data) == BOTH


def test_two_people_on_sheet_one_and_a_condition_on_sheet_two(engine) -> None:
    data = workbook(
        [["Name"], ["Rhiannon Pughe"], ["Tom Brown"]],
        [["Condition"], ["Crohn's disease"]],
    )
    assert "SPECIAL_CATEGORY" not in document_categories(engine, data)


def test_a_workbook_of_conditions_without_a_person(engine) -> None:
    data = workbook([["Service"], ["Gastro clinic"]], [["Condition"], ["Crohn's disease"]])
    assert document_categories(engine, data) == []


PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def deck(*titles: str) -> bytes:
    """A real deck (python-pptx, with its default layouts: "Date Placeholder 3", "Footer
    Placeholder 4" ...), read back by python-pptx to prove the slides are there."""
    presentation = Presentation()
    for title in titles:
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])
        slide.shapes.title.text = title
    buffer = io.BytesIO()
    presentation.save(buffer)
    data = buffer.getvalue()
    back = Presentation(io.BytesIO(data))
    assert [s.shapes.title.text for s in back.slides] == list(titles)
    return data


def deck_categories(engine, data: bytes) -> list[str]:
    extraction = extract(request("https://api.openai.com/v1/files", data, content_type=PPTX))
    return engine.scan(extraction.text, extraction.seams, prompt_end(extraction)).categories


# Rule: a deck's layout shape names ("Footer Placeholder 4") frame nothing: the deck is no
# toy data, and one deck is one context (slide 1 names, slide 2 says the condition).
def test_name_on_slide_one_condition_on_slide_two(engine) -> None:
    data = deck("Case review: Rhiannon Pughe, Cardiff office", "She has Crohn's disease.")
    assert deck_categories(engine, data) == BOTH


def test_one_slide_with_a_name_and_a_condition(engine) -> None:
    assert deck_categories(engine, deck("Rhiannon Pughe has Crohn's disease.")) == BOTH


def test_a_deck_about_a_condition_without_a_person(engine) -> None:
    data = deck("Crohn's disease: an overview", "Symptoms, tests and treatment")
    assert deck_categories(engine, data) == []
