"""Anthropic Messages API bodies."""

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
    where_of,
)

URL = "https://api.anthropic.com/v1/messages"


def test_messages_with_system_blocks_tools_and_history() -> None:
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "system": [
            {
                "type": "text",
                "text": "You help caseworkers.",
                "cache_control": {"type": "ephemeral"},
            }
        ],
        "messages": [
            {"role": "user", "content": "Earlier question about benefits"},
            {
                "role": "assistant",
                "content": [
                    {
                        "type": "thinking",
                        "thinking": "Let me look it up",
                        "signature": "EqQBCkgIARABGAIiQ" + "x" * 300,
                    },
                    {"type": "text", "text": "I will look it up."},
                    {
                        "type": "tool_use",
                        "id": "toolu_01A09q90qw90lq917835lq9",
                        "name": "lookup",
                        "input": {"nino": NINO, "nested": ["deep value"]},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
                        "content": [{"type": "text", "text": "tool said hello"}],
                    },
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_02",
                        "content": "plain string result",
                    },
                    {"type": "text", "text": "Newest question"},
                ],
            },
        ],
        "tools": [
            {
                "name": "lookup",
                "description": "Finds a claimant record",
                "input_schema": {"type": "object"},
            }
        ],
    }
    result = extract(request(URL, body))
    assert result.adapter == "anthropic"
    assert result.error_style == "anthropic"
    assert result.model == "claude-sonnet-4-5"
    found = scanned(result)
    for expected in (
        "You help caseworkers.",
        "Earlier question about benefits",
        "Let me look it up",
        "I will look it up.",
        NINO,
        "deep value",
        "tool said hello",
        "plain string result",
        "Newest question",
        "Finds a claimant record",
    ):
        assert expected in found
    assert where_of(result, NINO) == "messages[1].content[2].input.nino"
    assert not any(t.startswith("EqQBCkgIARABGAIiQ") for t in found)  # signature is opaque


def test_string_system_and_image_block_is_uninspectable() -> None:
    body = {
        "model": "claude-3-5-haiku-latest",
        "system": "plain system prompt",
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": base64.b64encode(PNG_1PX).decode(),
                        },
                    },
                    {"type": "text", "text": "Describe this"},
                ],
            }
        ],
    }
    result = extract(request(URL, body))
    assert "plain system prompt" in scanned(result)
    assert result.uninspectable == ["image:messages[0].content[0].source.data"]


def test_pdf_and_text_documents_are_read() -> None:
    pdf = base64.b64encode(pdf_bytes([f"Subject NINO {NINO}"])).decode()
    body = {
        "model": "claude-sonnet-4-5",
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "document",
                        "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
                        "title": "Case file",
                    },
                    {
                        "type": "document",
                        "source": {
                            "type": "text",
                            "media_type": "text/plain",
                            "data": "inline document text",
                        },
                    },
                    {
                        "type": "document",
                        "source": {
                            "type": "content",
                            "content": [{"type": "text", "text": "content-source text"}],
                        },
                    },
                ],
            }
        ],
    }
    result = extract(request(URL, body))
    assert f"Subject NINO {NINO}" in joined(result)
    assert {"Case file", "inline document text", "content-source text"} <= scanned(result)
    assert result.uninspectable == []


def test_short_base64_document_is_still_decoded() -> None:
    data = base64.b64encode(b"tiny note").decode()
    body = {
        "model": "m",
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "document",
                        "source": {"type": "base64", "media_type": "text/plain", "data": data},
                    }
                ],
            }
        ],
    }
    assert "tiny note" in scanned(extract(request(URL, body)))


def test_count_tokens_and_legacy_complete() -> None:
    count = extract(
        request(
            URL + "/count_tokens",
            {"model": "m", "messages": [{"role": "user", "content": "count me"}]},
        )
    )
    assert count.adapter == "anthropic" and "count me" in scanned(count)
    legacy = extract(
        request(
            "https://api.anthropic.com/v1/complete",
            {"model": "claude-2", "prompt": "\n\nHuman: legacy prompt\n\nAssistant:"},
        )
    )
    assert any("legacy prompt" in t for t in scanned(legacy))


def test_message_batches_scan_every_request() -> None:
    body = {
        "requests": [
            {
                "custom_id": "a",
                "params": {
                    "model": "claude-a",
                    "max_tokens": 10,
                    "messages": [{"role": "user", "content": "batch one"}],
                },
            },
            {
                "custom_id": "b",
                "params": {
                    "model": "claude-b",
                    "max_tokens": 10,
                    "messages": [{"role": "user", "content": "batch two"}],
                },
            },
        ]
    }
    result = extract(request(URL + "/batches", body))
    assert {"batch one", "batch two"} <= scanned(result)
    assert result.models == ["claude-a", "claude-b"]
