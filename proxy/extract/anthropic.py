"""Anthropic API bodies: ``/v1/messages`` (and ``/v1/messages/count_tokens``), message
batches (``/v1/messages/batches``: each request's ``params``), legacy ``/v1/complete``.

``system`` (a string or text blocks); every message in ``messages`` (the whole history); every
content block: ``text``; ``image`` and ``document`` with a base64 ``source`` (decoded: PDFs and
text documents are extracted, images are uninspectable), a ``text`` source or a ``content``
source (nested blocks); ``tool_use`` / ``server_tool_use`` ``input`` (any JSON);
``tool_result`` ``content`` (a string or blocks); ``thinking`` text (its ``signature`` and
``redacted_thinking`` data are opaque and skipped); ``search_result`` content. Tool
definitions and anything else: the residual sweep.

Format confirmed against the public Anthropic Messages API reference and the ``anthropic``
Python SDK types.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import API, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.values import as_list, get, path_join

_ENDPOINT = re.compile(r"/v1/(messages(/count_tokens|/batches)?|complete)/?$")


def blocks(col: Collector, content: Any, where: str) -> None:
    """A ``content`` value: a string or a list of content blocks."""
    for at, block in col.content(content, where):
        block_(col, block, at)


def block_(col: Collector, block: dict[str, Any], at: str) -> None:
    kind = block.get("type")
    col.text(block.get("text"), f"{at}.text")
    if kind in ("image", "document"):
        source(col, block.get("source"), f"{at}.source", kind)
        col.text(block.get("title"), f"{at}.title")
        col.text(block.get("context"), f"{at}.context")
    elif kind in ("tool_use", "server_tool_use", "mcp_tool_use"):
        col.value(block.get("input"), f"{at}.input")
    elif kind in ("tool_result", "mcp_tool_result", "search_result") or "content" in block:
        blocks(col, block.get("content"), f"{at}.content")
    elif kind == "thinking":
        col.text(block.get("thinking"), f"{at}.thinking")
        col.opaque(block.get("signature"))
    elif kind == "redacted_thinking":
        col.opaque(block.get("data"))


def source(col: Collector, src: Any, at: str, kind: str) -> None:
    if not isinstance(src, dict):
        return
    src_type = src.get("type")
    media_type = src.get("media_type") or ""
    data = src.get("data")
    if src_type == "base64" and isinstance(data, str):
        if not col.blob(data, f"{at}.data", content_type=media_type):
            # short payloads are below the blob threshold: decode anyway
            col.blob(f"data:{media_type or 'application/octet-stream'};base64,{data}", f"{at}.data")
            col.handled.add(data)
    elif src_type == "text":
        col.text(data, f"{at}.data")
    elif src_type == "content":
        blocks(col, src.get("content"), f"{at}.content")
    elif src_type == "url":
        col.text(src.get("url"), f"{at}.url")
    if kind == "image" and src_type not in ("base64", "url", None):
        col.media("image", at)


def messages_body(col: Collector, data: dict[str, Any], where: str = "") -> None:
    system = data.get("system")
    blocks(col, system, path_join(where, "system"))
    for index, message in enumerate(as_list(data.get("messages"))):
        at = path_join(path_join(where, "messages"), index)
        blocks(col, get(message, "content"), f"{at}.content")
    col.text(data.get("prompt"), path_join(where, "prompt"))  # legacy /v1/complete


class AnthropicAdapter(JsonAdapter):
    name = "anthropic"
    error_style = "anthropic"
    tier = API
    paths = (_ENDPOINT,)
    examples = (
        ("POST", "https://api.anthropic.com/v1/messages", "application/json"),
        ("POST", "https://api.anthropic.com/v1/messages/batches", "application/json"),
    )

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        if not isinstance(data, dict):
            return None, []
        messages_body(col, data)
        models = []
        for index, request in enumerate(as_list(data.get("requests"))):  # message batches
            params = get(request, "params")
            if isinstance(params, dict):
                messages_body(col, params, f"requests[{index}].params")
                models.append(params.get("model"))
        return data.get("model"), models


ANTHROPIC = AnthropicAdapter()
