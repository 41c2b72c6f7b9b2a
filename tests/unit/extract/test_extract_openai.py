"""OpenAI and OpenAI-compatible API bodies."""

from __future__ import annotations

import base64
import json

from proxy.extract import extract
from tests.unit.extract.extract_helpers import (
    NINO,
    PNG_1PX,
    joined,
    pdf_bytes,
    request,
    scanned,
    where_of,
)

CHAT = "https://api.openai.com/v1/chat/completions"


def test_chat_completions_scans_every_message_part_and_tool_call() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "You are a caseworker assistant."},
            {"role": "user", "content": "Summarise the case for claimant one."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_Vx81mA2qWk3bT9sZ",
                        "type": "function",
                        # arguments is a JSON *string*: its \\u escapes must be decoded too
                        "function": {
                            "name": "lookup_claimant",
                            "arguments": '{"nino": "\\u0041B 12 34 56 C"}',
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_Vx81mA2qWk3bT9sZ", "content": "Record: flat 2"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "And this part"},
                    {"type": "text", "text": "split across parts"},
                ],
            },
        ],
        "stream": True,
    }
    result = extract(request(CHAT, body))
    assert result.adapter == "openai"
    assert result.error_style == "openai"
    assert result.model == "gpt-4o"
    found = scanned(result)
    for expected in (
        "You are a caseworker assistant.",
        "Summarise the case for claimant one.",
        NINO,
        "Record: flat 2",
        "And this part",
        "split across parts",
    ):
        assert expected in found
    assert where_of(result, NINO) == "messages[2].tool_calls[0].function.arguments<json>.nino"
    assert "call_Vx81mA2qWk3bT9sZ" not in found  # ids are protocol state


def test_legacy_function_call_and_name_fields() -> None:
    body = {
        "model": "gpt-3.5-turbo",
        "messages": [
            {"role": "user", "name": "Jane_Doe", "content": "hi"},
            {
                "role": "assistant",
                "function_call": {"name": "f", "arguments": '{"x": "secret words"}'},
            },
            {"role": "function", "name": "f", "content": "function output text"},
        ],
    }
    found = scanned(extract(request(CHAT, body)))
    assert {"Jane_Doe", "secret words", "function output text"} <= found


def test_image_data_url_is_uninspectable_and_remote_url_is_text() -> None:
    data_url = "data:image/png;base64," + base64.b64encode(PNG_1PX).decode()
    body = {
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is in this image?"},
                    {"type": "image_url", "image_url": {"url": data_url, "detail": "high"}},
                    {"type": "image_url", "image_url": {"url": "https://example.org/cat.png"}},
                ],
            }
        ],
    }
    result = extract(request(CHAT, body))
    assert result.uninspectable == ["image:messages[0].content[1].image_url"]
    assert "https://example.org/cat.png" in scanned(result)
    assert not any("base64" in t for t in scanned(result))


def test_input_audio_is_uninspectable() -> None:
    body = {
        "model": "gpt-4o-audio-preview",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
                ],
            }
        ],
    }
    assert extract(request(CHAT, body)).uninspectable == ["audio:messages[0].content[0]"]


def test_file_part_pdf_text_is_extracted() -> None:
    pdf = base64.b64encode(pdf_bytes([f"Claimant NINO {NINO}"])).decode()
    body = {
        "model": "gpt-4o",
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "file",
                        "file": {
                            "filename": "case.pdf",
                            "file_data": f"data:application/pdf;base64,{pdf}",
                        },
                    }
                ],
            }
        ],
    }
    result = extract(request(CHAT, body))
    assert f"Claimant NINO {NINO}" in joined(result)
    assert "case.pdf" in scanned(result)


def test_responses_api_instructions_input_items_and_tool_output() -> None:
    body = {
        "model": "gpt-4.1",
        "instructions": "Answer briefly.",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "first question"}]},
            {
                "type": "function_call",
                "call_id": "call_1",
                "name": "search",
                "arguments": '{"q": "needle one"}',
            },
            {"type": "function_call_output", "call_id": "call_1", "output": "needle two"},
            {
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "thinking aloud"}],
                "encrypted_content": "gAAAAABo" + "Q" * 400,
            },
            {"role": "user", "content": "latest question"},
        ],
    }
    result = extract(request("https://api.openai.com/v1/responses", body))
    found = scanned(result)
    for expected in (
        "Answer briefly.",
        "first question",
        "needle one",
        "needle two",
        "thinking aloud",
        "latest question",
    ):
        assert expected in found
    assert not any(t.startswith("gAAAAABo") for t in found)


def test_responses_api_string_input() -> None:
    result = extract(
        request("https://api.openai.com/v1/responses", {"model": "o3", "input": "hello world"})
    )
    assert "hello world" in scanned(result)


def test_completions_prompt_list_and_suffix_and_token_arrays() -> None:
    body = {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": ["one", "two", [1, 2, 3]],
        "suffix": "tail",
    }
    found = scanned(extract(request("https://api.openai.com/v1/completions", body)))
    assert {"one", "two", "tail"} <= found


def test_embeddings_input_list() -> None:
    body = {"model": "text-embedding-3-small", "input": ["alpha text", "beta text"]}
    result = extract(request("https://api.openai.com/v1/embeddings", body))
    assert {"alpha text", "beta text"} <= scanned(result)
    assert result.adapter == "openai"


def test_azure_deployment_path_gives_model() -> None:
    url = "https://dept.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21"
    result = extract(request(url, {"messages": [{"role": "user", "content": "hello azure"}]}))
    assert result.adapter == "openai"
    assert result.model == "gpt4o-prod"
    assert "hello azure" in scanned(result)


def test_openrouter_fallback_models_are_all_reported() -> None:
    body = {
        "model": "openai/gpt-4o",
        "models": ["deepseek/deepseek-r1", "anthropic/claude-3.5-sonnet"],
        "messages": [{"role": "user", "content": "hi"}],
    }
    result = extract(request("https://openrouter.ai/api/v1/chat/completions", body))
    assert result.model == "openai/gpt-4o"
    assert "deepseek/deepseek-r1" in result.models


def test_mistral_fim_and_groq_compatible_paths() -> None:
    fim = extract(
        request(
            "https://api.mistral.ai/v1/fim/completions",
            {"model": "codestral-latest", "prompt": "def f(", "suffix": "return x"},
        )
    )
    assert {"def f(", "return x"} <= scanned(fim)
    groq = extract(
        request(
            "https://api.groq.com/openai/v1/chat/completions",
            {"model": "llama", "messages": [{"role": "user", "content": "groq text"}]},
        )
    )
    assert groq.adapter == "openai" and "groq text" in scanned(groq)


def test_duplicate_keys_cannot_hide_a_value() -> None:
    raw = (
        '{"model": "gpt-4o", "messages": [{"role": "user", "content": "'
        + NINO
        + '", "content": "benign"}]}'
    )
    found = scanned(extract(request(CHAT, raw)))
    assert NINO in found and "benign" in found


def test_residual_sweep_scans_unmodelled_fields_but_not_structural_ids() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "tool", "tool_call_id": "call_Zx81KmQp0aLrT5", "content": "ok"},
        ],
        "metadata": {"case_note": "free text in metadata"},
        "user": "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
        "previous_response_id": "resp_68af9c2b1e7c8190a1b2c3d4e5f6a7b8",
        "prediction": {"type": "content", "content": "predicted output text"},
    }
    found = scanned(extract(request(CHAT, body)))
    assert "free text in metadata" in found
    assert "predicted output text" in found
    # every string leaf is scanned (the user field goes to the provider) ...
    assert "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b" in found
    # ... except ids in the fields declared structural
    assert "call_Zx81KmQp0aLrT5" not in found
    assert "resp_68af9c2b1e7c8190a1b2c3d4e5f6a7b8" not in found


def test_tool_definitions_are_scanned() -> None:
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get",
                    "description": "Looks up a person by NINO " + NINO,
                    "parameters": {"type": "object"},
                },
            }
        ],
    }
    assert any(NINO in t for t in scanned(extract(request(CHAT, body))))


def test_json_sent_as_form_content_type_is_still_parsed() -> None:
    """curl -d sends JSON as x-www-form-urlencoded; the JSON must still be scanned."""
    raw = json.dumps(
        {"model": "gpt-4o", "messages": [{"role": "user", "content": f"mine is {NINO}"}]}
    )
    result = extract(request(CHAT, raw, content_type="application/x-www-form-urlencoded"))
    assert any(NINO in t for t in scanned(result))
