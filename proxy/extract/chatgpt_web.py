"""ChatGPT web app (chatgpt.com, chat.openai.com): ``POST /backend-api/conversation`` and
its variants (``/backend-api/f/conversation``, ``/backend-anon/conversation``,
``.../conversation/prepare``).

Body: ``messages[]`` each with ``author.role`` and ``content`` = ``{"content_type": "text" |
"multimodal_text" | "code" | ..., "parts": [str | {asset pointer}], "text": ...}``;
``metadata.attachments[]`` (file names; the file itself is uploaded separately, see
:mod:`proxy.extract.uploads`); ``partial_query`` (prepare requests); ``model``. Everything
else (custom instructions in ``system_hints`` etc.) goes through the residual sweep; ids and
tokens are skipped.

Best effort: ChatGPT's web API is private and changes without notice. The shape here follows
public reverse-engineering (browser captures published in open-source clients); the
residual sweep keeps unknown fields scanned when it drifts.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import WEB_APP, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.values import as_list, get, path_join

_PATH = re.compile(r"^/backend-(api|anon)/(f/)?conversation(/prepare|/init)?/?$")


def message_content(col: Collector, content: Any, where: str) -> None:
    if isinstance(content, str):
        col.text(content, where)
        return
    if not isinstance(content, dict):
        return
    col.text(content.get("text"), f"{where}.text")
    for index, part in enumerate(as_list(content.get("parts"))):
        at = f"{where}.parts[{index}]"
        if isinstance(part, str):
            col.text(part, at)
        elif isinstance(part, dict) and part.get("content_type") == "image_asset_pointer":
            col.handled.add(str(part.get("asset_pointer")))  # uploaded separately
        else:
            col.value(part, at)


class ChatGPTWebAdapter(JsonAdapter):
    name = "chatgpt_web"
    stream_style = "chatgpt_web"  # best effort: the classic conversation event stream
    stream_paths = (re.compile(r"/conversation/?$"),)
    tier = WEB_APP
    hosts = ("chatgpt.com", "*.chatgpt.com", "chat.openai.com")
    paths = (_PATH,)
    examples = (
        ("POST", "https://chatgpt.com/backend-api/conversation", "application/json"),
        ("POST", "https://chat.openai.com/backend-anon/f/conversation", "application/json"),
    )

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        if not isinstance(data, dict):
            return None, []
        for index, message in enumerate(as_list(data.get("messages"))):
            message_content(col, get(message, "content"), f"messages[{index}].content")
            for a_index, attachment in enumerate(as_list(get(message, "metadata", "attachments"))):
                col.text(
                    get(attachment, "name"), path_join(f"messages[{index}].attachments", a_index)
                )
        message_content(col, get(data, "partial_query", "content"), "partial_query.content")
        return data.get("model"), []


CHATGPT_WEB = ChatGPTWebAdapter()
