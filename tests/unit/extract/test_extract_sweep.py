"""The JSON sweep reads what the model reads (issue 16 item 4), and a request is one
document with soft part boundaries (issue 16 item 5, last bullet)."""

from __future__ import annotations

import json

from proxy.extract import extract, extract_websocket_message
from tests.unit.extract.extract_helpers import joined, request, scanned

CHAT = "https://api.openai.com/v1/chat/completions"
GENERIC = "https://api.mistral.ai/v1/unmodelled"


def test_long_no_space_strings_prefixed_ids_and_hex_are_scanned() -> None:
    body = {
        "model": "m",
        "metadata": {
            "blob": "NINO:JG103729A/NHS:9434765919/CARD:4111111111111111",
            "ref": "case_JG103729ANHS9434765919",
            "digest": "9434765919abcdef9434765919",
        },
        "messages": [{"role": "user", "content": "hi"}],
    }
    found = scanned(extract(request(CHAT, body)))
    assert {
        "NINO:JG103729A/NHS:9434765919/CARD:4111111111111111",
        "case_JG103729ANHS9434765919",
        "9434765919abcdef9434765919",
    } <= found


def test_lower_case_and_identifier_keys_are_scanned() -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"type": "object", "properties": {"jg103729a": {"type": "string"}}},
        },
    }
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [tool]}
    assert "jg103729a" in scanned(extract(request(CHAT, body)))


def test_floats_and_numeric_arrays_are_scanned_as_decimal_text() -> None:
    body = json.dumps(
        {"nhs": 9434765919.0, "parts": [943, 476, 5919], "big": 9.434765919e9, "t": 0.7}
    )
    found = scanned(extract(request(GENERIC, body)))
    assert "nhs: 9434765919" in found
    assert "9434765919" in found  # the array joined, and the exponent form
    assert "943 476 5919" in found
    assert not any("9434765919.0" in t for t in found)


def test_base64_media_is_not_rescanned_but_structural_ids_are_the_only_skipped_text() -> None:
    body = {
        "model": "m",
        "id": "chatcmpl-AbCdEf01q23w45e6",
        "messages": [{"role": "user", "content": "hello", "tool_call_id": "call_XyZ01q23w45e67"}],
        "note": "chatcmpl-AbCdEf01q23w45e6 in free text is scanned",
    }
    found = scanned(extract(request(CHAT, body)))
    assert "chatcmpl-AbCdEf01q23w45e6 in free text is scanned" in found
    assert "chatcmpl-AbCdEf01q23w45e6" not in [t for t in found if t.startswith("chatcmpl")]
    assert "call_XyZ01q23w45e67" not in found


def test_a_value_split_across_messages_is_found_in_a_seam() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "my reference starts JG10"},
            {"role": "assistant", "content": "go on"},
            {"role": "user", "content": "3729A is the rest"},
        ],
    }
    result = extract(request(CHAT, body))
    text = "\n".join(seam.text for seam in result.seams)
    assert "JG10 go on" not in joined(result)  # seams are not in the scanned segments
    assert "JG10 go on" in text  # boundaries are single spaces in the seams
    body["messages"] = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "JG"}, {"type": "text", "text": "10"}],
        },
        {"role": "user", "content": "3729A"},
    ]
    assert any("JG 10 3729A" in seam.text for seam in extract(request(CHAT, body)).seams)


def test_seams_in_websocket_messages_too() -> None:
    frame = json.dumps(
        {
            "event": "send",
            "content": [{"type": "text", "text": "943 476"}, {"type": "text", "text": "5919"}],
        }
    )
    result = extract_websocket_message("copilot.microsoft.com", "/c/api/chat", frame.encode(), True)
    assert any("943 476 5919" in seam.text for seam in result.seams)


def test_schema_default_enum_const_take_their_property_as_context() -> None:
    """A value in a JSON Schema's ``default`` / ``enum`` / ``const`` is a value of the
    property that holds it (red team: a password as the ``default`` of a ``response_format``
    schema's ``password`` property was read as ``default: ...``, with no key word)."""
    schema = {
        "type": "object",
        "properties": {
            "password": {"type": "string", "default": "Wint3r!Sun99"},
            "db_secret": {"type": "string", "enum": ["Qz7mK2pLx9"]},
            "api_key": {"const": "Rk4vN8wQ2z"},
            "tone": {"type": "string", "default": "formal"},
        },
    }
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "set it up"}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "cfg", "schema": schema},
        },
    }
    found = scanned(extract(request(CHAT, body)))
    assert {"password: Wint3r!Sun99", "db secret: Qz7mK2pLx9", "api key: Rk4vN8wQ2z"} <= found
    assert "tone: formal" in found and "default: formal" not in found
    # at the top level (no property above it) the keyword keeps its own name
    assert "default: Wint3r!Sun99" in scanned(
        extract(request(GENERIC, {"default": "Wint3r!Sun99"}))
    )
