"""The generic fallback: unclaimed AI-tool requests."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

from proxy.extract import extract
from tests.unit.extract.extract_helpers import NINO, joined, request, scanned, texts


def test_unknown_json_every_string_leaf() -> None:
    body = {
        "conversation": {"turns": [{"said": "first"}, {"said": f"second {NINO}"}]},
        "settings": {"tone": "formal"},
    }
    result = extract(request("https://chat.mistral.ai/api/chat", body))
    assert result.adapter == "generic"
    assert {"first", f"second {NINO}", "formal"} <= scanned(result)


def test_json_in_json_strings_are_decoded_recursively() -> None:
    inner = json.dumps({"deeper": json.dumps({"deepest": f"value {NINO}"})})
    result = extract(request("https://poe.com/api/gql_POST", {"payload": inner}))
    assert f"value {NINO}" in scanned(result)


def test_numbers_that_may_be_identifiers_are_scanned() -> None:
    result = extract(
        request("https://poe.com/api/x", {"nhs_number": 9434765919, "temperature": 0.7, "count": 3})
    )
    # the key travels with a short value as context for detectors
    assert texts(result) == ["nhs number: 9434765919"]


def test_keys_give_context_to_short_values_only() -> None:
    long_text = "a long free-text note " * 20
    body = {"patientRecord": {"nhsNumber": "943 476 5919", "note": long_text}}
    found = texts(extract(request("https://poe.com/api/x", body)))
    assert "nhs number: 943 476 5919" in found
    assert long_text in found  # long text is its own context


def test_non_structural_keys_are_scanned() -> None:
    result = extract(request("https://poe.com/api/x", {"AB123456C": "present", "normal_key": "v"}))
    assert "AB123456C" in scanned(result)
    assert "normal_key" not in scanned(result)


def test_form_fields() -> None:
    body = urlencode(
        {"q": f"question {NINO}", "lang": "en", "payload": json.dumps({"x": "nested form json"})}
    ).encode()
    result = extract(
        request(
            "https://huggingface.co/chat/conversation/abc",
            body,
            content_type="application/x-www-form-urlencoded",
        )
    )
    assert {f"question {NINO}", "nested form json"} <= scanned(result)


def test_text_body() -> None:
    result = extract(
        request("https://grok.com/rest/app-chat/x", f"plain {NINO}", content_type="text/plain")
    )
    assert texts(result) == [f"plain {NINO}"]


def test_base64_blob_of_text_is_decoded() -> None:
    encoded = base64.b64encode((f"hidden in base64 {NINO} " * 20).encode()).decode()
    result = extract(request("https://poe.com/api/x", {"blob": encoded}))
    assert NINO in joined(result)


def test_binary_body_yields_printable_strings() -> None:
    body = b"\x00\x01\x02\x08" + f"protobuf field {NINO}".encode() + b"\x12\x00\xff\xfe" * 50
    result = extract(request("https://grok.com/x", body, content_type="application/grpc-web+proto"))
    assert NINO in joined(result)


def test_error_style_for_unclaimed_api_paths() -> None:
    assert (
        extract(request("https://api.anthropic.com/v1/files/list", {"x": "y y"})).error_style
        == "anthropic"
    )
    assert (
        extract(
            request("https://generativelanguage.googleapis.com/v1beta/tunedModels", {"x": "y y"})
        ).error_style
        == "gemini"
    )
    assert (
        extract(request("https://api.openai.com/v1/fine_tuning/jobs", {"x": "y y"})).error_style
        == "openai"
    )
    assert extract(request("https://poe.com/api/x", {"x": "y y"})).error_style == "generic"


def test_generic_model_and_models() -> None:
    result = extract(
        request("https://api.together.xyz/v1/other", {"model": "deepseek-ai/DeepSeek-V3", "x": "y"})
    )
    assert result.model == "deepseek-ai/DeepSeek-V3"
