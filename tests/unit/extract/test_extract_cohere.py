"""Cohere v1 and v2 bodies."""

from __future__ import annotations

from proxy.extract import extract
from tests.unit.extract.extract_helpers import NINO, request, scanned, texts


def test_v1_chat_message_history_preamble_documents() -> None:
    body = {
        "model": "command-r-plus",
        "message": "What did I say before?",
        "preamble": "You are a helpful assistant.",
        "chat_history": [
            {"role": "USER", "message": f"My NINO is {NINO}"},
            {"role": "CHATBOT", "message": "Noted."},
        ],
        "documents": [{"title": "Policy", "snippet": "document snippet text"}],
    }
    result = extract(request("https://api.cohere.com/v1/chat", body))
    assert result.adapter == "cohere"
    assert {
        "What did I say before?",
        "You are a helpful assistant.",
        f"My NINO is {NINO}",
        "Noted.",
        "document snippet text",
    } <= scanned(result)


def test_v2_chat_messages_and_tool_calls() -> None:
    body = {
        "model": "command-a-03-2025",
        "messages": [
            {"role": "system", "content": "sys v2"},
            {"role": "user", "content": [{"type": "text", "text": "user v2"}]},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "t1",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"a": "arg v2"}'},
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "t1",
                "content": [{"type": "document", "document": {"data": "tool doc v2"}}],
            },
        ],
    }
    found = scanned(extract(request("https://api.cohere.com/v2/chat", body)))
    assert {"sys v2", "user v2", "arg v2", "tool doc v2"} <= found


def test_embed_rerank_generate() -> None:
    assert {"t1", "t2"} <= set(
        texts(
            extract(
                request(
                    "https://api.cohere.ai/v1/embed",
                    {"texts": ["t1", "t2"], "model": "embed-english-v3.0"},
                )
            )
        )
    )
    rerank = extract(
        request(
            "https://api.cohere.com/v2/rerank",
            {"query": "the query", "documents": ["doc a", "doc b"], "model": "rerank-v3.5"},
        )
    )
    assert {"the query", "doc a", "doc b"} <= scanned(rerank)
    assert "gen prompt" in scanned(
        extract(request("https://api.cohere.com/v1/generate", {"prompt": "gen prompt"}))
    )
