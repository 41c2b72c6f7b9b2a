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

from proxy.extract.base import Collector, JsonAdapter, RequestView, as_list, path_join
from proxy.extract.openai import chat_messages

_ENDPOINT = re.compile(r"/v[12]/(chat|chat-stream|generate|embed|rerank|summarize|classify)/?$")
_HOSTS = ("cohere.com", "cohere.ai")


class CohereAdapter(JsonAdapter):
    name = "cohere"
    error_style = "openai"  # Cohere SDKs surface a JSON `message`; the OpenAI shape carries one

    def matches(self, view: RequestView) -> bool:
        host = view.host.lower()
        return host.endswith(_HOSTS) and bool(_ENDPOINT.search(view.path))

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
