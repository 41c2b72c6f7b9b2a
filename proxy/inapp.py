"""Block explanations inside a web app's own answer stream (best effort, per app).

Role in the flow: the response renderer (``proxy/responses.py``) calls :func:`render_stream`
when the extraction's adapter declared an in-app style. ChatGPT and Claude send prompts with
``fetch()`` and read the answer as server-sent events; a JSON 403 only makes them show a
generic error. Answering in the app's own stream format, as an assistant turn, lets staff read
*why* in the chat: the categories, the clause, the incident reference and what to do.

Both formats are private web APIs, followed from public browser captures; they change without
notice, so each is marked best effort and falls back to the JSON error (the adapter simply
stops declaring the style). Nothing here carries a prompt, a matched value or a token.
Read back in headless Chromium with each app's recorded request shape, as its stream reader
does: tests/e2e/test_inapp_block_e2e.py.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

#: In-app styles an adapter may declare (``Extraction.error_style``).
IN_APP_STYLES = frozenset({"chatgpt_web", "claude_web"})


def _sse(data: object, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n"


def chatgpt_stream(text: str, incident_id: str) -> bytes:
    """ChatGPT's conversation stream (``data: {"message": ...}`` then ``data: [DONE]``).

    Best effort: the classic (non delta-encoded) event shape, which the web app still accepts.
    """
    message = {
        "id": str(uuid.uuid4()),
        "author": {"role": "assistant", "name": None, "metadata": {}},
        "create_time": time.time(),
        "update_time": None,
        "content": {"content_type": "text", "parts": [text]},
        "status": "finished_successfully",
        "end_turn": True,
        "weight": 1.0,
        "metadata": {"aidlp_incident": incident_id, "is_complete": True},
        "recipient": "all",
    }
    body = _sse({"message": message, "conversation_id": None, "error": None}) + "data: [DONE]\n\n"
    return body.encode("utf-8")


def claude_stream(text: str, incident_id: str) -> bytes:
    """Claude.ai's completion stream: the Messages streaming events (message_start ... stop).

    Best effort: claude.ai's web client reads the same event sequence as the public API.
    """
    events = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": f"msg_aidlp_{incident_id}",
                    "type": "message",
                    "role": "assistant",
                    "model": "aidlp",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 0, "output_tokens": 0},
                },
            },
        ),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        (
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": text},
            },
        ),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 0},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(_sse(data, event) for event, data in events).encode("utf-8")


_RENDERERS: dict[str, Callable[[str, str], bytes]] = {
    "chatgpt_web": chatgpt_stream,
    "claude_web": claude_stream,
}


def render_stream(style: str, text: str, incident_id: str) -> bytes:
    """The SSE body that shows ``text`` as the app's assistant turn (``style`` in IN_APP_STYLES)."""
    return _RENDERERS[style](text, incident_id)


def explanation(summary: str, clauses: list[str], steps: list[str], incident_id: str) -> str:
    """The assistant turn's text, in Markdown both apps render: what, why, what to do."""
    lines = [
        f"**aidlp stopped this message: nothing was sent to the AI tool.** {summary}.",
        "",
    ]
    if clauses:
        lines += ["**Why:** the AI Security Policy says:", *(f"- {c}" for c in clauses), ""]
    if steps:
        lines += ["**What you can do:**", *(f"- {s}" for s in steps), ""]
    lines.append(f"Incident reference: `{incident_id}` (quote it if you ask for help).")
    return "\n".join(lines)
