"""Gemini API (Generative Language and Vertex AI) bodies."""

from __future__ import annotations

import base64

from proxy.extract import extract
from tests.unit.extract.extract_helpers import (
    NINO,
    PNG_1PX,
    joined,
    pdf_bytes,
    request,
    scanned,
)

BASE = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"


def test_generate_content_contents_parts_and_system_instruction() -> None:
    body = {
        "systemInstruction": {"parts": [{"text": "You are terse."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "first turn"}]},
            {
                "role": "model",
                "parts": [
                    {"text": "model reply"},
                    {"functionCall": {"name": "find", "args": {"who": NINO}}},
                ],
            },
            {
                "role": "user",
                "parts": [
                    {"functionResponse": {"name": "find", "response": {"result": "found record"}}},
                    {"text": "latest turn"},
                ],
            },
        ],
        "generationConfig": {"temperature": 0.2},
    }
    result = extract(request(BASE + ":generateContent", body, headers={"x-goog-api-key": "k"}))
    assert result.adapter == "gemini"
    assert result.error_style == "gemini"
    assert result.model == "gemini-2.5-flash"
    assert {
        "You are terse.",
        "first turn",
        "model reply",
        NINO,
        "found record",
        "latest turn",
    } <= scanned(result)


def test_snake_case_fields_and_inline_data() -> None:
    pdf = base64.b64encode(pdf_bytes(["pdf inline text"])).decode()
    body = {
        "system_instruction": {"parts": [{"text": "snake system"}]},
        "contents": [
            {
                "parts": [
                    {
                        "inline_data": {
                            "mime_type": "image/png",
                            "data": base64.b64encode(PNG_1PX).decode(),
                        }
                    },
                    {"inline_data": {"mime_type": "application/pdf", "data": pdf}},
                    {
                        "file_data": {
                            "mime_type": "video/mp4",
                            "file_uri": "https://generativelanguage.googleapis.com/v1beta/files/abc",
                        }
                    },
                    {"text": "describe"},
                ]
            }
        ],
    }
    result = extract(request(BASE + ":streamGenerateContent?alt=sse", body))
    assert "snake system" in scanned(result)
    assert "pdf inline text" in joined(result)
    assert result.uninspectable == ["image:contents[0].parts[0].inlineData"]


def test_vertex_path_and_contents_as_single_object() -> None:
    url = "https://europe-west2-aiplatform.googleapis.com/v1/projects/p/locations/europe-west2/publishers/google/models/gemini-2.0-flash:generateContent"
    result = extract(
        request(url, {"contents": {"role": "user", "parts": [{"text": "vertex text"}]}})
    )
    assert result.model == "gemini-2.0-flash"
    assert "vertex text" in scanned(result)


def test_embed_count_tokens_and_batch() -> None:
    embed = extract(request(BASE + ":embedContent", {"content": {"parts": [{"text": "embed me"}]}}))
    assert "embed me" in scanned(embed)
    count = extract(
        request(
            BASE + ":countTokens",
            {
                "generateContentRequest": {
                    "model": "models/x",
                    "contents": [{"parts": [{"text": "count me"}]}],
                }
            },
        )
    )
    assert "count me" in scanned(count)
    batch = extract(
        request(
            BASE + ":batchEmbedContents",
            {
                "requests": [
                    {"model": "m", "content": {"parts": [{"text": "b1"}]}},
                    {"model": "m", "content": {"parts": [{"text": "b2"}]}},
                ]
            },
        )
    )
    assert {"b1", "b2"} <= scanned(batch)


def test_executable_code_and_results() -> None:
    body = {
        "contents": [
            {
                "role": "model",
                "parts": [
                    {"executableCode": {"language": "PYTHON", "code": "print('x')"}},
                    {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "x\n"}},
                ],
            }
        ]
    }
    found = scanned(extract(request(BASE + ":generateContent", body)))
    assert "print('x')" in found and "x\n" in found
