"""Cohere API bodies (``api.cohere.com`` / ``api.cohere.ai``).

- v1 ``/v1/chat``: ``message``, ``preamble``, ``chat_history[].message`` (and ``.text``),
  ``documents[]`` (every field), ``tool_results[].outputs``.
- v2 ``/v2/chat``: OpenAI-like ``messages`` (string or ``text`` content parts,
  ``tool_calls[].function.arguments``), ``documents``.
- ``/v1|v2/generate`` ``prompt``; ``/embed`` ``texts`` and ``inputs[].content[]``;
  ``/rerank`` ``query`` and ``documents``; ``/summarize`` ``text``; ``/classify`` ``inputs``
  and ``examples[].text``.

Format confirmed against the public Cohere API reference. Cohere's OpenAI compatibility
endpoint (``/compatibility/v1/chat/completions``) is handled by the OpenAI adapter.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import API, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.openai import chat_messages
from proxy.extract.values import as_list, path_join

_ENDPOINT = re.compile(r"/v[12]/(chat|chat-stream|generate|embed|rerank|summarize|classify)/?$")


class CohereAdapter(JsonAdapter):
    name = "cohere"
    error_style = "openai"  # Cohere SDKs surface a JSON `message`; the OpenAI shape carries one
    tier = API
    hosts = ("cohere.com", "*.cohere.com", "cohere.ai", "*.cohere.ai")
    paths = (_ENDPOINT,)
    examples = (
        ("POST", "https://api.cohere.com/v2/chat", "application/json"),
        ("POST", "https://api.cohere.ai/v1/embed", "application/json"),
    )

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        if not isinstance(data, dict):
            return None, []
        col.text(data.get("message"), "message")
        col.text(data.get("preamble"), "preamble")
        for index, turn in enumerate(as_list(data.get("chat_history"))):
            if isinstance(turn, dict):
                col.text(turn.get("message") or turn.get("text"), f"chat_history[{index}].message")
        if isinstance(data.get("messages"), list):
            chat_messages(col, data["messages"])
        for key in ("prompt", "query", "text"):
            col.text(data.get(key), key)
        for key in ("texts", "inputs"):
            for index, item in enumerate(as_list(data.get(key))):
                col.value(item, path_join(key, index))
        col.value(data.get("documents"), "documents")
        col.value(data.get("examples"), "examples")
        col.value(data.get("tool_results"), "tool_results")
        return data.get("model"), []


COHERE = CohereAdapter()
