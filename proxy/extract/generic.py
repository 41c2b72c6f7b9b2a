"""The generic fallback: any AI-tool request no adapter claims. Every JSON string leaf
(JSON-in-JSON decoded), every form field, any text body; other bodies go through the file
reader (documents, images, archives, printable strings of unknown binaries). Nothing to an
AI tool goes unscanned.

Websocket messages: SignalR records (``\\x1e``-terminated) and socket.io packets (``42[...]``)
are unwrapped, then treated the same way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from proxy.extract.adapter import FALLBACK, Adapter, style_for_host
from proxy.extract.collector import Collector
from proxy.extract.datatypes import Extraction, ExtractionError, RequestView
from proxy.extract.multipart import MULTIPART
from proxy.extract.values import body_may_be_json, decode_text, parse_json_body

FORM = "application/x-www-form-urlencoded"


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
        col.name(key, f"{where}{{key}}")  # a name is read too (``JG103729A=1``)
        col.value(value, f"{where}.{key}")


def form_pairs(body: bytes, charset: str | None) -> list[tuple[str, str]]:
    text = decode_text(body, charset)
    return parse_qsl(text, keep_blank_values=True, errors="replace", max_num_fields=100_000)


class GenericAdapter(Adapter):
    name = "generic"
    tier = FALLBACK
    websocket = True
    examples = (("POST", "https://api.mistral.ai/v1/unknown/endpoint", "application/json"),)

    def claims(self, view: RequestView) -> bool:
        return True

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        model: Any = None
        models: list[Any] = []
        if view.mime.startswith("multipart/"):
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

    def ws_places(self, text: str) -> list[tuple[str, str]]:
        places = super().ws_places(text) if "\x1e" in text else [("message", text)]
        return [("message", places[0][1])] if len(places) == 1 else places

    def ws_value(self, col: Collector, value: Any, where: str) -> None:
        col.value(value, where)


GENERIC = GenericAdapter()
