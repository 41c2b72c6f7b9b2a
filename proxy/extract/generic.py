"""The generic fallback: any AI-tool request no adapter claims. Every JSON string leaf
(JSON-in-JSON decoded), every form field, any text body; other bodies go through the file
sniffer (documents, images, archives, printable strings of unknown binaries). Nothing to an
AI tool goes unscanned.

Websocket messages: SignalR records (``\\x1e``-terminated) and socket.io packets (``42[...]``)
are unwrapped, then treated the same way.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from proxy.extract.base import (
    Adapter,
    Collector,
    ErrorStyle,
    Extraction,
    ExtractionError,
    RequestView,
    body_may_be_json,
    decode_text,
    is_identifier,
    loads,
    parse_json_body,
)

_SOCKET_IO = re.compile(r"\d{1,3}(?=[\[{])")  # engine.io/socket.io packet type (+ ack id)
_STRUCTURAL_FIELD = re.compile(r"[A-Za-z_][\w.\[\]-]{0,63}")
FORM = "application/x-www-form-urlencoded"


def style_for_host(host: str) -> ErrorStyle:
    """The error shape an API client of ``host`` understands (for unclaimed paths)."""
    host = host.lower()
    if host.endswith("anthropic.com"):
        return "anthropic"
    if host.endswith("googleapis.com"):
        return "gemini"
    if host.startswith("api.") or host.endswith(".openai.azure.com"):
        return "openai"
    return "generic"


def models_of(data: Any) -> tuple[Any, list[Any]]:
    """``model`` and any fallback ``models`` list of a JSON body."""
    if not isinstance(data, dict):
        return None, []
    others = data.get("models")
    return data.get("model"), others if isinstance(others, list) else []


def form_fields(col: Collector, body: bytes, charset: str | None, where: str = "form") -> None:
    """Every field of a form body: values (JSON-in-field decoded) and non-structural names."""
    text = decode_text(body, charset)
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding=charset or "utf-8",
            errors="replace",
            max_num_fields=col.settings.max_archive_members,
        )
    except ValueError as exc:
        raise ExtractionError("too_large", "too many form fields") from exc
    for key, value in pairs:
        if not _STRUCTURAL_FIELD.fullmatch(key):
            col.value(key, f"{where}{{key}}")
        col.value(value, f"{where}.{key}")


def form_pairs(body: bytes, charset: str | None) -> list[tuple[str, str]]:
    text = decode_text(body, charset)
    return parse_qsl(text, keep_blank_values=True, errors="replace", max_num_fields=100_000)


class GenericAdapter(Adapter):
    name = "generic"

    def claims(self, view: RequestView) -> bool:
        return True

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        model: Any = None
        models: list[Any] = []
        if view.mime.startswith("multipart/"):
            from proxy.extract.multipart import MULTIPART

            return MULTIPART.extract(view, col)
        data = parse_json_body(view) if body_may_be_json(view) else None
        if data is not None:
            col.value(data, "")
            model, models = models_of(data)
        elif view.mime == FORM:
            form_fields(col, view.body, view.param("charset"))
        else:
            col.file(view.body, "body", view.content_type, view.header("x-file-name"))
        result = self.result(col, model, models)
        result.error_style = style_for_host(view.host)
        return result

    def extract_ws(self, view: RequestView, col: Collector) -> Extraction:
        if not view.is_text:
            col.file(view.body, "message")
            return self.result(col)
        text = decode_text(view.body)
        records = [r for r in text.split("\x1e") if r.strip()] if "\x1e" in text else [text]
        for index, record in enumerate(records):
            where = f"record[{index}]" if len(records) > 1 else "message"
            for value in ws_json(record):
                col.value(value, where)
        return self.result(col)


def ws_json(record: str) -> list[Any]:
    """A websocket text record as JSON values: plain JSON, or a socket.io packet
    (``42["event", {...}]``); anything else is returned as the text itself."""
    candidate = record.strip()
    match = _SOCKET_IO.match(candidate)
    if match and not is_identifier(candidate):
        candidate = candidate[match.end() :]
    if candidate[:1] in ("{", "["):
        try:
            return [loads(candidate)]
        except (ValueError, RecursionError):
            pass
    return [record]


GENERIC = GenericAdapter()
