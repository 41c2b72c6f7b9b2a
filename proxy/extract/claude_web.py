"""Claude.ai web app: ``POST /api/organizations/{org}/chat_conversations/{id}/completion``
(and ``retry_completion``), the older ``/api/append_message``, and conversation creation.

Body: ``prompt`` (the message), ``attachments[]`` with ``extracted_content`` (the text of a
pasted or uploaded document, extracted in the browser and sent inline) and ``file_name``;
``completion.prompt`` and ``text`` (append_message); ``personalized_styles[].prompt``; ``name``
(conversation titles); ``model``. Files uploaded as files go through multipart
(:mod:`proxy.extract.multipart`). Ids and tokens are skipped by the residual sweep.

Best effort: claude.ai's web API is private. The shape follows public reverse-engineering
(open-source claude.ai clients that document these bodies); the residual sweep keeps unknown
fields scanned if it drifts.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import WEB_APP, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.values import as_list, get

_PATH = re.compile(
    r"^/api/(organizations/[^/]+/chat_conversations(/[^/]+/(completion|retry_completion))?|"
    r"append_message|retry_message)/?$"
)


class ClaudeWebAdapter(JsonAdapter):
    name = "claude_web"
    error_style = "anthropic"
    stream_style = "claude_web"  # best effort: claude.ai reads the Messages stream events
    stream_paths = (re.compile(r"/(completion|retry_completion)/?$"),)
    tier = WEB_APP
    hosts = ("claude.ai", "*.claude.ai")
    paths = (_PATH,)
    examples = (
        (
            "POST",
            "https://claude.ai/api/organizations/o/chat_conversations/c/completion",
            "application/json",
        ),
        ("POST", "https://claude.ai/api/append_message", "application/json"),
    )

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        if not isinstance(data, dict):
            return None, []
        col.text(data.get("prompt"), "prompt")
        col.text(get(data, "completion", "prompt"), "completion.prompt")
        col.text(data.get("text"), "text")
        col.text(data.get("name"), "name")
        for index, attachment in enumerate(as_list(data.get("attachments"))):
            if isinstance(attachment, dict):
                col.text(attachment.get("file_name"), f"attachments[{index}].file_name")
                col.text(
                    attachment.get("extracted_content"), f"attachments[{index}].extracted_content"
                )
        for index, style in enumerate(as_list(data.get("personalized_styles"))):
            col.text(get(style, "prompt"), f"personalized_styles[{index}].prompt")
        return data.get("model") or get(data, "completion", "model"), []


CLAUDE_WEB = ClaudeWebAdapter()
