"""The person and the fact in different parts of one request, as the proxy extracts it
(issue 12; red team RT-64, RT-88, RT-90): a tool call and its result between the name and
the condition, a deck's or a workbook's next slide or sheet, a chat message's ``name``
field. Each test pins one rule, both sides, through the proxy's real extraction (files
made by python-pptx and openpyxl). Texts written here, independently of the evaluation
corpora."""

from __future__ import annotations

import io

from proxy.extract import extract
from proxy.transport.metadata import prompt_end
from tests.unit.extract.extract_helpers import request

CHAT = "https://api.openai.com/v1/chat/completions"
FILES = "https://api.openai.com/v1/files"
BOUNDARY = "b0undaryPeople"


def scanned(engine, url: str, body) -> list[str]:
    headers = None
    if isinstance(body, bytes):
        headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    extraction = extract(request(url, body, headers=headers) if headers else request(url, body))
    return engine.scan(extraction.text, extraction.seams, prompt_end(extraction)).categories


def user(text: str) -> dict:
    return {"role": "user", "content": text}


def upload(data: bytes, filename: str) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def deck(slides: list[tuple[str, str]]) -> bytes:
    import pptx

    presentation = pptx.Presentation()
    for title, body in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def workbook(sheets: list[tuple[str, list[list[str]]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def tool_round(result: str) -> list[dict]:
    call = {"id": "call_q7w8e9r0t1y2", "type": "function"}
    call["function"] = {"name": "find_case", "arguments": '{"q": "case"}'}
    return [
        {"role": "assistant", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_q7w8e9r0t1y2", "content": result},
    ]


# Rule: a blank line always ends a sentence (the parts of a request are joined by blank
# lines): a tool call and a result of short sentences between the name and "She has ..."
# do not hide whom the next message is about (RT-64).
def test_tool_result_between_the_name_and_the_condition(engine) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [
            user("Find the case of the claimant Gillian Pascoe."),
            *tool_round("Case found. Status open. Office Truro. Opened 2022. Owner team C."),
            user("She has epilepsy; draft her reasonable adjustment letter."),
        ],
    }
    assert scanned(engine, CHAT, body) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_tool_result_then_a_general_question_stays_allowed(engine) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [
            user("Find the case of the claimant Gillian Pascoe."),
            *tool_round("Case found. Status open. Office Truro. Opened 2022. Owner team C."),
            user("What adjustments are usual for epilepsy at work in general?"),
        ],
    }
    assert "SPECIAL_CATEGORY" not in scanned(engine, CHAT, body)


# Rule: a chat message's ``name`` field ("Gillian_Pascoe") is the sender's own name: with
# "I have epilepsy" in that message it is a named person's health data (RT-90, the policy
# decision in detectors/README.md); the name with no such fact blocks nothing.
def test_message_name_field_with_a_first_person_condition(engine) -> None:
    message = user("I have epilepsy; draft my reasonable adjustment request to my manager.")
    body = {"model": "gpt-4o", "messages": [{**message, "name": "Gillian_Pascoe"}]}
    assert scanned(engine, CHAT, body) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_message_name_field_without_personal_context_stays_allowed(engine) -> None:
    message = user("Draft an agenda for Monday's team meeting about the office move.")
    body = {"model": "gpt-4o", "messages": [{**message, "name": "Gillian_Pascoe"}]}
    assert scanned(engine, CHAT, body) == []


# Rule: a deck or a workbook in casework is one document: the case named on one slide or
# sheet, the condition under the next one's heading or in its labelled cell (RT-88).
def test_name_on_slide_one_condition_on_slide_two(engine) -> None:
    data = deck(
        [("Case review: Gillian Pascoe", "Truro office"), ("Health", "Epilepsy; needs rest breaks")]
    )
    assert scanned(engine, FILES, upload(data, "review.pptx")) == [
        "PERSONAL_DATA",
        "SPECIAL_CATEGORY",
    ]


def test_name_on_sheet_one_condition_on_sheet_two(engine) -> None:
    data = workbook(
        [("Case", [["Employee", "Gillian Pascoe"]]), ("Health", [["Condition", "epilepsy"]])]
    )
    assert scanned(engine, FILES, upload(data, "case.xlsx")) == [
        "PERSONAL_DATA",
        "SPECIAL_CATEGORY",
    ]


def test_deck_with_a_presenter_and_a_health_topic_slide_stays_allowed(engine) -> None:
    data = deck(
        [
            ("Wellbeing week", "Presented by Gillian Pascoe"),
            ("Epilepsy awareness", "What to do if a colleague has a seizure"),
        ]
    )
    assert "SPECIAL_CATEGORY" not in scanned(engine, FILES, upload(data, "wellbeing.pptx"))


# Rule: a request's own ``user`` field holding a glued name ("gillian.pascoe") is the
# sender: with "I have ..." it is a named person's health data (RT-121, the RT-90 policy).
def test_user_field_with_a_first_person_condition(engine) -> None:
    body = {
        "model": "gpt-4o",
        "user": "gillian.pascoe",
        "messages": [user("I have epilepsy and need my reasonable adjustment letter.")],
    }
    assert scanned(engine, CHAT, body) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_user_field_with_a_general_question_stays_allowed(engine) -> None:
    body = {
        "model": "gpt-4o",
        "user": "gillian.pascoe",
        "messages": [user("What adjustments are usual for epilepsy at work?")],
    }
    assert "SPECIAL_CATEGORY" not in scanned(engine, CHAT, body)


# Rule: an uploaded file named after a person ("Gillian_Pascoe_OH_report.txt") is about
# that person: a diagnosis in its body is theirs (RT-121); a file named after a topic is not.
def text_upload(body: str, filename: str) -> bytes:
    return upload(body.encode(), filename)


def test_file_named_after_the_person_holds_their_diagnosis(engine) -> None:
    data = text_upload("Diagnosis: epilepsy, seizures twice a month.", "Gillian_Pascoe_OH.txt")
    assert scanned(engine, FILES, data) == ["PERSONAL_DATA", "SPECIAL_CATEGORY"]


def test_file_named_after_a_topic_stays_allowed(engine) -> None:
    data = text_upload("Diagnosis: epilepsy, seizures twice a month.", "epilepsy_guide.txt")
    assert "SPECIAL_CATEGORY" not in scanned(engine, FILES, data)
