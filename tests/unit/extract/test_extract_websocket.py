"""Websocket messages: Copilot (new and SignalR), Perplexity socket.io, generic JSON/text/binary."""

from __future__ import annotations

import json

import pytest

from proxy.extract import extract_websocket_message
from tests.unit.extract.extract_helpers import NINO, docx_bytes, joined, scanned, texts, where_of

NHS = "943 476 5919"


def test_copilot_send_event() -> None:
    frame = {
        "event": "send",
        "conversationId": "kVyR7N4mBdZuQ9sXwE2jT",
        "content": [{"type": "text", "text": f"patient NHS number {NHS}"}],
        "mode": "smart",
        "context": {},
    }
    result = extract_websocket_message(
        "copilot.microsoft.com",
        "/c/api/chat?api-version=2&clientSessionId=x",
        json.dumps(frame).encode(),
        True,
    )
    assert result.adapter == "copilot"
    assert f"patient NHS number {NHS}" in scanned(result)
    assert where_of(result, NHS) == "record[0].content[0].text"


def test_copilot_signalr_handshake_and_invocation() -> None:
    handshake = json.dumps({"protocol": "json", "version": 1}) + "\x1e"
    assert (
        texts(
            extract_websocket_message(
                "sydney.bing.com", "/sydney/ChatHub", handshake.encode(), True
            )
        )
        == ["protocol: json"]  # every string leaf is scanned; nothing here to find
    )
    invocation = {
        "arguments": [
            {
                "source": "cib",
                "optionsSets": ["nlu_direct_response_filter", "deepleo"],
                "isStartOfSession": False,
                "message": {
                    "author": "user",
                    "inputMethod": "Keyboard",
                    "text": f"my NINO is {NINO}",
                    "messageType": "Chat",
                    "requestId": "3a7f1c2e9b4d4e8f",
                },
                "previousMessages": [{"author": "user", "text": "earlier turn text"}],
                "conversationSignature": "pL8vR2xN4qW6sT0yU3iO5aE7dF9gH1jK",
                "participant": {"id": "914798353258921"},
                "conversationId": "51D|BingProdUnAuthenticatedUsers|0A1B2C3D4E5F",
            }
        ],
        "invocationId": "1",
        "target": "chat",
        "type": 4,
    }
    frames = json.dumps({"type": 6}) + "\x1e" + json.dumps(invocation) + "\x1e"
    result = extract_websocket_message("sydney.bing.com", "/sydney/ChatHub", frames.encode(), True)
    found = scanned(result)
    assert f"my NINO is {NINO}" in found
    assert "earlier turn text" in found
    assert where_of(result, NINO) == "record[1].arguments[0].message.text"
    assert "pL8vR2xN4qW6sT0yU3iO5aE7dF9gH1jK" not in found


def test_m365_chathub_host() -> None:
    invocation = {
        "arguments": [{"message": {"text": "m365 prompt", "author": "user"}}],
        "invocationId": "0",
        "target": "chat",
        "type": 4,
    }
    result = extract_websocket_message(
        "substrate.office.com",
        "/m365Copilot/Chathub/abc@def",
        (json.dumps(invocation) + "\x1e").encode(),
        True,
    )
    assert "m365 prompt" in scanned(result)


def test_perplexity_socketio_frame() -> None:
    frame = "421" + json.dumps(
        ["perplexity_ask", f"ws question {NINO}", {"version": "2.1", "mode": "concise"}]
    )
    result = extract_websocket_message(
        "www.perplexity.ai", "/socket.io/?EIO=4&transport=websocket", frame.encode(), True
    )
    assert result.adapter == "perplexity"
    assert f"ws question {NINO}" in scanned(result)


def test_generic_json_text_and_openai_realtime() -> None:
    event = {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "realtime text"}],
        },
    }
    result = extract_websocket_message(
        "api.openai.com",
        "/v1/realtime?model=gpt-4o-realtime-preview",
        json.dumps(event).encode(),
        True,
    )
    assert result.adapter == "openai_realtime"
    assert "realtime text" in scanned(result) and not result.uninspectable
    plain = extract_websocket_message("chat.mistral.ai", "/ws", b"just some text", True)
    assert texts(plain) == ["just some text"]


@pytest.mark.parametrize(
    "event",
    [
        {"type": "input_audio_buffer.append", "audio": "UklGRg" * 100},
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_audio", "audio": "UklGRg" * 100}],
            },
        },
    ],
    ids=["append", "item"],
)
def test_openai_realtime_audio_is_uninspectable_media(event: dict) -> None:
    """RT-71: audio the proxy cannot read: ``extraction.uninspectable`` decides (default
    block), as for a chat ``input_audio`` part; the PCM is not swept as text."""
    for host, path in (
        ("api.openai.com", "/v1/realtime"),
        ("x.openai.azure.com", "/openai/realtime"),
    ):
        result = extract_websocket_message(host, path, json.dumps(event).encode(), True)
        assert result.adapter == "openai_realtime"
        assert result.uninspectable and result.uninspectable[0].startswith("audio:")
        assert not any("UklGRg" in text for text in texts(result))


def test_binary_frame_document_is_extracted() -> None:
    result = extract_websocket_message(
        "copilot.microsoft.com", "/c/api/chat", docx_bytes(f"binary {NINO}"), False
    )
    assert f"binary {NINO}" in joined(result)


def test_empty_message() -> None:
    assert (
        extract_websocket_message("copilot.microsoft.com", "/c/api/chat", b"", True).segments == []
    )


LIVE_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"


@pytest.mark.parametrize(
    "message",
    [
        {
            "realtimeInput": {
                "mediaChunks": [{"mimeType": "audio/pcm;rate=16000", "data": "AAEC" * 200}]
            }
        },
        {"realtimeInput": {"audio": {"mimeType": "audio/pcm;rate=16000", "data": "AAEC" * 200}}},
        {"realtime_input": {"media_chunks": [{"data": "AAEC" * 200}]}},
    ],
    ids=["media-chunks", "audio", "snake-no-mime"],
)
def test_gemini_live_audio_is_uninspectable_media(message: dict) -> None:
    """RT-109: Gemini Live's raw PCM has no container to recognise: uninspectable, as
    OpenAI Realtime's audio (RT-71); the PCM is not swept as text."""
    for host, path in (
        ("generativelanguage.googleapis.com", LIVE_PATH),
        (
            "us-central1-aiplatform.googleapis.com",
            "/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent",
        ),
    ):
        result = extract_websocket_message(host, path, json.dumps(message).encode(), True)
        assert result.adapter == "gemini_live"
        assert result.uninspectable and result.uninspectable[0].startswith("audio:")
        assert not any("AAEC" in text for text in texts(result))


def test_gemini_live_text_turns_and_setup_are_read() -> None:
    for message in (
        {"realtimeInput": {"text": f"My NI number is {NINO}"}},
        {"clientContent": {"turns": [{"role": "user", "parts": [{"text": f"NI {NINO}"}]}]}},
        {"setup": {"model": "models/x", "systemInstruction": {"parts": [{"text": f"NI {NINO}"}]}}},
    ):
        result = extract_websocket_message(
            "generativelanguage.googleapis.com", LIVE_PATH, json.dumps(message).encode(), True
        )
        assert result.adapter == "gemini_live" and not result.uninspectable
        assert NINO in joined(result)


@pytest.mark.parametrize(
    "host,path",
    [("api.openai.com", "/v1/realtime"), ("generativelanguage.googleapis.com", LIVE_PATH)],
)
def test_a_binary_frame_on_a_voice_socket_is_uninspectable_audio(host, path) -> None:
    """RT-124: raw PCM sent as a binary frame on a realtime voice socket is audio."""
    result = extract_websocket_message(host, path, bytes(range(256)) * 8, False)
    assert result.uninspectable == ["audio:message"]
