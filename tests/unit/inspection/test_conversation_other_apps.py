"""Conversations other apps keep server-side, and context a tool puts in front of every chat
(red team RT-117): the OpenAI Conversations API, Gemini web (ids inside ``f.req``),
Perplexity threads, Copilot's sockets, ChatGPT custom instructions / memories and Claude
project documents. One value split in two turns is blocked on the second; the same turns
of two different conversations (or users) each pass."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import uuid

import pytest

from proxy.conversation import Conversations
from proxy.conversation.memory import ConversationMemory
from proxy.conversation.threads import json_object
from proxy.inspection import HttpRequest, Inspector, WebsocketMessage
from tests.unit.inspection.test_conversation_memory import Clock, engine, make, subject

__all__ = ["engine"]  # the module-scoped fixture

H1, H2 = "My NI number starts JG1037", "and ends 29A. Put it in the form."


def _run(inspector: Inspector, host: str, path: str, body: bytes, tool: str, user="alice"):
    ctype = "application/json"
    if body.startswith(b"f.req="):
        ctype = "application/x-www-form-urlencoded;charset=UTF-8"
    request = HttpRequest("POST", host, path, {"content-type": ctype}, body)
    return asyncio.run(inspector.inspect(request, subject(tool, host, path, user)))


def _items(text: str) -> bytes:
    content = [{"type": "input_text", "text": text}]
    return json.dumps({"items": [{"type": "message", "role": "user", "content": content}]}).encode()


GEMINI = "/_/BardChatUi/data/assistant.lamda.BardFrontendService/StreamGenerate"


def _gemini(text: str, ids: list[str]) -> bytes:
    inner = json.dumps([[text, 0, None, None, None, None, 0], ["en-GB"], ids, None, [1], 0])
    return ("f.req=" + urllib.parse.quote(json.dumps([None, inner])) + "&at=AJvLN6M").encode()


def _perplexity(text: str, thread: str) -> bytes:
    params = {"frontend_uuid": uuid.uuid4().hex, "frontend_context_uuid": thread, "mode": "concise"}
    return json.dumps({"query_str": text, "params": params}).encode()


def _chatgpt(text: str, conversation: str) -> bytes:
    message = {"id": str(uuid.uuid4()), "author": {"role": "user"},
               "content": {"content_type": "text", "parts": [text]}}  # fmt: skip
    return json.dumps({"action": "next", "messages": [message], "conversation_id": conversation,
                       "parent_message_id": str(uuid.uuid4()), "model": "auto"}).encode()  # fmt: skip


def test_gemini_web_ids_are_read_from_the_form_field() -> None:
    body = _gemini("hello", ["c_0123456789abcdef", "r_0a1b2c", "rc_3d4e5f"])
    fields = json_object(body)
    assert "c_0123456789abcdef" in urllib.parse.parse_qs(body.decode())["f.req"][0]
    assert isinstance(fields, dict) and "f.req" in fields
    conversations = Conversations(ConversationMemory())
    spec = conversations.spec_of("google_gemini", GEMINI + "?bl=boq&rt=c")
    assert spec is not None and spec.body_id(fields) == "c_0123456789abcdef"
    assert spec.body_id(json_object(_gemini("hello", ["", "", ""]))) is None


def test_openai_conversations_items_are_one_conversation(engine) -> None:
    inspector, _ = make(engine)
    conv = f"conv_{uuid.uuid4().hex}"
    path = f"/v1/conversations/{conv}/items"
    assert not _run(inspector, "api.openai.com", path, _items(H1), "openai").blocked
    other = f"/v1/conversations/conv_{uuid.uuid4().hex}/items"
    assert not _run(inspector, "api.openai.com", other, _items(H2), "openai").blocked
    assert _run(inspector, "api.openai.com", path, _items(H2), "openai").blocked
    # the Responses API naming the same conversation shares its memory
    again = json.dumps({"model": "gpt-4o", "conversation": conv, "input": H2}).encode()
    assert _run(inspector, "api.openai.com", "/v1/responses", again, "openai").blocked


def test_gemini_web_second_turn_continues_the_new_chat(engine) -> None:
    """The first turn has no ids yet (the answer names the chat); the next names it."""
    inspector, _ = make(engine)
    host = "gemini.google.com"
    first = _gemini(H1, ["", "", ""])
    assert not _run(inspector, host, GEMINI, first, "google_gemini").blocked
    ids = [f"c_{uuid.uuid4().hex[:16]}", "r_0a1b2c3d", "rc_4e5f6a7b"]
    assert not _run(inspector, host, GEMINI, _gemini(H2, ids), "google_gemini", "bob").blocked
    assert _run(inspector, host, GEMINI, _gemini(H2, ids), "google_gemini").blocked
    # a later turn of the same chat, named by its id, is remembered under it
    assert _run(inspector, host, GEMINI, _gemini("ends 29A", ids), "google_gemini").blocked


def test_perplexity_thread_is_one_conversation(engine) -> None:
    inspector, _ = make(engine)
    host, path, thread = "www.perplexity.ai", "/rest/sse/perplexity_ask", uuid.uuid4().hex
    assert not _run(inspector, host, path, _perplexity(H1, thread), "perplexity").blocked
    assert not _run(inspector, host, path, _perplexity(H2, uuid.uuid4().hex), "perplexity").blocked
    assert _run(inspector, host, path, _perplexity(H2, thread), "perplexity").blocked


def test_copilot_conversation_continues_on_another_socket(engine) -> None:
    inspector, _ = make(engine)
    who = subject("microsoft_copilot", "copilot.microsoft.com", "/c/api/chat")
    conv = uuid.uuid4().hex[:20]

    def message(text: str, socket: str, conversation: str = conv) -> WebsocketMessage:
        body = {"event": "send", "conversationId": conversation,
                "content": [{"type": "text", "text": text}], "mode": "chat"}  # fmt: skip
        return WebsocketMessage(
            "copilot.microsoft.com", "/c/api/chat", json.dumps(body).encode(), socket=socket
        )

    assert not asyncio.run(inspector.inspect_message(message(H1, "s1"), who)).blocked
    other = message(H2, "s2", uuid.uuid4().hex[:20])
    assert not asyncio.run(inspector.inspect_message(other, who)).blocked
    assert asyncio.run(inspector.inspect_message(message(H2, "s3"), who)).blocked


@pytest.mark.parametrize(
    ("host", "path", "body", "tool", "chat_path", "chat"),
    [
        ("chatgpt.com", "/backend-api/user_system_messages",
         {"about_user_message": f"I work in Leeds. {H1}.", "enabled": True}, "openai",
         "/backend-api/conversation", lambda: _chatgpt(H2, str(uuid.uuid4()))),
        ("chatgpt.com", "/backend-api/memories", {"content": "User's NI number starts JG1037."},
         "openai", "/backend-api/conversation", lambda: _chatgpt(H2, str(uuid.uuid4()))),
        ("claude.ai", "/api/organizations/org1/projects/p1/docs",
         {"file_name": "me.txt", "content": f"{H1}."}, "anthropic",
         f"/api/organizations/org1/chat_conversations/{uuid.uuid4()}/completion",
         lambda: json.dumps({"prompt": H2}).encode()),
    ],
    ids=["custom instructions", "memory entry", "claude project doc"],
)  # fmt: skip
def test_persistent_context_is_read_before_every_later_chat(
    engine, host, path, body, tool, chat_path, chat
) -> None:
    inspector, _ = make(engine)
    assert not _run(inspector, host, chat_path, chat(), tool).blocked  # alone: allowed
    assert not _run(inspector, host, path, json.dumps(body).encode(), tool).blocked
    assert not _run(inspector, host, chat_path, chat(), tool, "bob").blocked  # another user
    assert _run(inspector, host, chat_path, chat(), tool).blocked


def test_persistent_context_expires_with_the_memory(engine) -> None:
    clock = Clock()
    inspector, _ = make(engine, clock=clock)
    body = json.dumps({"about_user_message": f"{H1}.", "enabled": True}).encode()
    _run(inspector, "chatgpt.com", "/backend-api/user_system_messages", body, "openai")
    clock.now += 24 * 3600
    chat = _chatgpt(H2, str(uuid.uuid4()))
    assert not _run(inspector, "chatgpt.com", "/backend-api/conversation", chat, "openai").blocked


def test_gemini_resumable_upload_chunks_are_one_upload(engine) -> None:
    """RT-76: the Files API reassembles the chunks of one upload_id."""
    inspector, _ = make(engine)
    text = "Case notes.\nClaimant Jane Smith, NI number JG103729A, claims Universal Credit.\n"
    cut = text.index("JG103729A") + 4
    first, second = text[:cut].encode(), text[cut:].encode()
    host = "generativelanguage.googleapis.com"

    def chunk(data: bytes, upload: str, offset: int, command: str):
        path = f"/upload/v1beta/files?upload_id={upload}&upload_protocol=resumable"
        headers = {"content-type": "text/plain", "x-goog-upload-command": command,
                   "x-goog-upload-offset": str(offset)}  # fmt: skip
        request = HttpRequest("POST", host, path, headers, data)
        return asyncio.run(inspector.inspect(request, subject("google_gemini", host, path)))

    assert not chunk(first, "AHxI1nM-one", 0, "upload").blocked
    assert not chunk(second, "AHxI1nM-two", len(first), "upload, finalize").blocked
    assert chunk(second, "AHxI1nM-one", len(first), "upload, finalize").blocked
