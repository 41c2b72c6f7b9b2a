"""Web-app bodies: ChatGPT, Claude.ai, Gemini web, Perplexity, Copilot HTTP."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from proxy.extract import extract
from tests.unit.extract.extract_helpers import NINO, request, scanned, where_of

FORM = "application/x-www-form-urlencoded;charset=UTF-8"


def test_chatgpt_web_conversation() -> None:
    body = {
        "action": "next",
        "messages": [
            {
                "id": "aaa2d1c4-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                "author": {"role": "user"},
                "create_time": 1733918023.123,
                "content": {
                    "content_type": "multimodal_text",
                    "parts": [
                        {
                            "content_type": "image_asset_pointer",
                            "asset_pointer": "file-service://file-7Hn2kP9QxR4tY1uV",
                            "size_bytes": 1234,
                            "width": 10,
                            "height": 10,
                        },
                        f"what does this letter say about {NINO}?",
                    ],
                },
                "metadata": {
                    "attachments": [
                        {
                            "id": "file-7Hn2kP9QxR4tY1uV",
                            "name": "letter-to-mr-smith.png",
                            "mime_type": "image/png",
                        }
                    ]
                },
            }
        ],
        "conversation_id": "6759a1b2-c3d4-8005-a6b7-c8d9e0f1a2b3",
        "parent_message_id": "client-created-root",
        "model": "gpt-4o",
        "timezone_offset_min": 0,
        "conversation_mode": {"kind": "primary_assistant"},
        "system_hints": [],
        "websocket_request_id": "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e",
    }
    result = extract(request("https://chatgpt.com/backend-api/f/conversation", body))
    assert result.adapter == "chatgpt_web"
    assert result.model == "gpt-4o"
    found = scanned(result)
    assert f"what does this letter say about {NINO}?" in found
    assert "letter-to-mr-smith.png" in found
    assert not any("file-service://" in t for t in found)
    assert not any(t.startswith("6759a1b2") for t in found)


def test_chatgpt_web_text_content_and_anon_path() -> None:
    body = {
        "action": "next",
        "messages": [
            {
                "id": "x",
                "author": {"role": "user"},
                "content": {"content_type": "text", "parts": ["anon question"]},
            }
        ],
        "model": "auto",
    }
    result = extract(request("https://chatgpt.com/backend-anon/conversation", body))
    assert result.adapter == "chatgpt_web"
    assert "anon question" in scanned(result)


def test_claude_web_completion_with_attachment_extracted_content() -> None:
    body = {
        "prompt": "Please summarise the attached file",
        "parent_message_uuid": "00000000-0000-4000-8000-000000000000",
        "timezone": "Europe/London",
        "personalized_styles": [
            {
                "type": "default",
                "key": "Default",
                "name": "Normal",
                "nameKey": "normal_style_name",
                "prompt": "Normal",
                "summary": "Default responses from Claude",
                "isDefault": True,
            }
        ],
        "locale": "en-GB",
        "tools": [],
        "attachments": [
            {
                "file_name": "case-notes.txt",
                "file_type": "text/plain",
                "file_size": 52,
                "extracted_content": f"Case notes: claimant {NINO} visited",
            }
        ],
        "files": [],
        "sync_sources": [],
        "rendering_mode": "messages",
    }
    url = "https://claude.ai/api/organizations/5c7e8f9a-1b2c-4d3e-8f4a-5b6c7d8e9f0a/chat_conversations/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/completion"
    result = extract(request(url, body))
    assert result.adapter == "claude_web"
    assert result.error_style == "anthropic"
    found = scanned(result)
    assert "Please summarise the attached file" in found
    assert f"Case notes: claimant {NINO} visited" in found
    assert where_of(result, NINO) == "attachments[0].extracted_content"
    assert "case-notes.txt" in found


def test_claude_web_append_message_legacy_shape() -> None:
    body = {
        "completion": {
            "prompt": "legacy prompt text",
            "timezone": "Europe/London",
            "model": "claude-2",
        },
        "organization_uuid": "764a6aae-7639-4bb1-8e3d-08f6b42110ab",
        "conversation_uuid": "c19f785e-f3f3-43e4-b0f6-342197884f8b",
        "text": "legacy prompt text",
        "attachments": [],
    }
    result = extract(request("https://claude.ai/api/append_message", body))
    assert result.adapter == "claude_web"
    assert result.model == "claude-2"
    assert "legacy prompt text" in scanned(result)


def _gemini_freq(prompt: str) -> bytes:
    inner = [
        [
            prompt,
            0,
            None,
            [[["/contrib_service/ttl_1d/1709764705i7wdfc2", 1], "payslip-jan.pdf"]],
            None,
            None,
            0,
        ],
        ["en-GB"],
        ["c_8f1d2e3a4b5c6d7e", "r_9a8b7c6d5e4f3a2b", "rc_1a2b3c4d5e6f7a8b", None, None, []],
        "!f3GlfQ7NAAYm9SwAI0ZCAAAAbmDr3dCkJE5TUaIvNBhFvTb5AOG1m-Zz8rQ0x9yWcVvUuTtSsRrQqPpOoNnMmLlKkJjIiHhGgFfEeDdCcBbAa",
        None,
        [1],
    ]
    return urlencode(
        {
            "f.req": json.dumps([None, json.dumps(inner)]),
            "at": "AJvLN6NvR2mtpYzjvQYUZ0n4ZSUW:1733918023123",
        }
    ).encode()


def test_gemini_web_nested_freq() -> None:
    url = "https://gemini.google.com/_/BardChatUi/data/assistant.lamda.BardFrontendService/StreamGenerate?bl=boq_assistant-bard-web-server_20241210.06_p0&f.sid=-123&hl=en-GB&_reqid=123456&rt=c"
    result = extract(request(url, _gemini_freq(f"is {NINO} valid?"), content_type=FORM))
    assert result.adapter == "gemini_web"
    found = scanned(result)
    assert result.segments[0].text == f"is {NINO} valid?"
    assert where_of(result, NINO) == "prompt"
    assert "payslip-jan.pdf" in found
    assert any("!f3Gl" in t for t in found)  # every string leaf, opaque-looking or not
    assert not any(t.startswith("AJvLN6") for t in found)  # the XSRF field is structural


def test_gemini_web_batchexecute_nested_payload_is_swept() -> None:
    payload = json.dumps([["rename this chat to " + NINO]])
    body = urlencode({"f.req": json.dumps([[["MUAZcd", payload, None, "generic"]]])}).encode()
    result = extract(
        request(
            "https://gemini.google.com/_/BardChatUi/data/batchexecute?rpcids=MUAZcd",
            body,
            content_type=FORM,
        )
    )
    assert any(NINO in t for t in scanned(result))


def test_perplexity_ask() -> None:
    body = {
        "params": {
            "attachments": [
                "https://ppl-ai-file-upload.s3.amazonaws.com/web/direct-files/123/abc/report.pdf"
            ],
            "language": "en-GB",
            "timezone": "Europe/London",
            "search_focus": "internet",
            "sources": ["web"],
            "frontend_uuid": "3f2b1c4e-8a9d-4e2f-b1c3-123456789abc",
            "mode": "concise",
            "model_preference": "pplx_pro",
            "is_related_query": False,
            "query_source": "home",
            "version": "2.18",
        },
        "query_str": f"who has NINO {NINO}",
    }
    result = extract(request("https://www.perplexity.ai/rest/sse/perplexity_ask", body))
    assert result.adapter == "perplexity"
    assert f"who has NINO {NINO}" in scanned(result)
    assert where_of(result, NINO) == "body.query_str"


def test_perplexity_socketio_polling_post() -> None:
    packet = "421" + json.dumps(
        [
            "perplexity_ask",
            "polling question",
            {"version": "2.5", "source": "default", "mode": "concise"},
        ]
    )
    result = extract(
        request(
            "https://www.perplexity.ai/socket.io/?EIO=4&transport=polling&t=abc&sid=xyz",
            packet,
            content_type="text/plain;charset=UTF-8",
        )
    )
    assert "polling question" in scanned(result)


def test_copilot_http_json() -> None:
    body = {
        "event": "send",
        "content": [{"type": "text", "text": "http copilot text"}],
        "conversationId": "AbCdEf123",
    }
    result = extract(request("https://copilot.microsoft.com/c/api/conversations", body))
    assert result.adapter == "copilot"
    assert "http copilot text" in scanned(result)
