"""Blocks answered inside ChatGPT's and Claude's own answer streams (issue 18, best effort).

Rule: a blocked prompt from a web app whose conversation format aidlp knows is answered in that
format, as an assistant turn the app renders, naming the categories in words, the policy's
words, the incident reference and what to do; other paths of the same app keep the JSON error.
"""

from __future__ import annotations

import json

from proxy.catalogue import Tool
from proxy.extract import Extraction
from proxy.guidance import default_guidance
from proxy.inspection.model import Outcome, Subject
from proxy.inspection.style import response_style
from proxy.policy import PolicySettings, decide
from proxy.responses import INCIDENT_HEADER, render

INCIDENT = "inc-7f3a2c"


def sse_events(body: bytes) -> list[tuple[str | None, str]]:
    """(event, data) pairs, parsed the way a browser's EventSource reads them."""
    events = []
    for block in body.decode().split("\n\n"):
        if not block.strip():
            continue
        name, data = None, []
        for line in block.splitlines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        events.append((name, "\n".join(data)))
    return events


def outcome(style: str, categories: list[str]) -> Outcome:
    tool = Tool(id="x", name="X", status="online", hosts=["x.example"])
    return Outcome(
        Subject(tool=tool), decide(categories, PolicySettings()), style, incident_id=INCIDENT
    )


def test_chatgpt_conversation_gets_an_assistant_turn_in_its_stream():
    reply = render(outcome("chatgpt_web", ["PERSONAL_DATA"]), default_guidance())
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/event-stream")
    assert (
        reply.headers["X-AIDLP-Decision"] == "block" and reply.headers[INCIDENT_HEADER] == INCIDENT
    )
    events = sse_events(reply.body)
    assert events[-1] == (None, "[DONE]")
    message = json.loads(events[0][1])["message"]
    assert message["author"]["role"] == "assistant" and message["status"] == "finished_successfully"
    text = message["content"]["parts"][0]
    assert INCIDENT in text and "personal data" in text and "nothing was sent" in text.lower()
    assert "Data Protection Impact Assessment" in text and "PS2" in text
    assert "PERSONAL_DATA" not in text and "X-AIDLP" not in text


def test_claude_completion_gets_the_messages_stream_events():
    reply = render(outcome("claude_web", ["OFFICIAL_SENSITIVE"]), default_guidance())
    assert reply.status == 200
    events = sse_events(reply.body)
    names = [name for name, _ in events]
    assert names == ["message_start", "content_block_start", "content_block_delta",
                     "content_block_stop", "message_delta", "message_stop"]  # fmt: skip
    text = "".join(
        json.loads(data)["delta"]["text"] for name, data in events if name == "content_block_delta"
    )
    assert INCIDENT in text and "OFFICIAL-SENSITIVE" in text and "governance board" in text


def test_a_credential_in_chat_says_report_and_rotate():
    reply = render(outcome("chatgpt_web", ["CREDENTIALS"]), default_guidance())
    text = json.loads(sse_events(reply.body)[0][1])["message"]["content"]["parts"][0]
    assert "security incident" in text and "rotated" in text


def test_the_stream_style_is_chosen_only_on_the_conversation_paths():
    chatgpt = Extraction(adapter="chatgpt_web")
    assert (
        response_style(chatgpt, "chatgpt.com", "/backend-api/conversation", False) == "chatgpt_web"
    )
    assert (
        response_style(chatgpt, "chatgpt.com", "/backend-api/f/conversation", False)
        == "chatgpt_web"
    )
    assert (
        response_style(chatgpt, "chatgpt.com", "/backend-api/conversation/prepare", False)
        != "chatgpt_web"
    )
    claude = Extraction(adapter="claude_web", error_style="anthropic")
    path = "/api/organizations/o/chat_conversations/c/completion"
    assert response_style(claude, "claude.ai", path, False) == "claude_web"
    assert (
        response_style(claude, "claude.ai", "/api/organizations/o/chat_conversations", False)
        == "anthropic"
    )
    assert response_style(claude, "claude.ai", path, True) == "html"  # a page load: the page
