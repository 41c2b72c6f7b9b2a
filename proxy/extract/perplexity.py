"""Perplexity web app (www.perplexity.ai): ``POST /rest/sse/perplexity_ask`` and other
``/rest/...`` JSON calls with ``{"query_str": ..., "params": {...}}``; older clients send the
same over socket.io (``42["perplexity_ask", "query", {params}]``), as websocket frames or
engine.io long-polling POSTs. The Perplexity API (api.perplexity.ai ``/chat/completions``) is
OpenAI-compatible and handled by the OpenAI adapter.

Fields: ``query_str`` / ``query`` / ``params.query_str``; ``params.attachments`` (URLs of
uploaded files); every other string is residual-swept (ids and tokens skipped).

Best effort: the web API is private; shapes follow public open-source Perplexity clients.
"""

from __future__ import annotations

from typing import Any

from proxy.extract.adapter import WEB_APP, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import Extraction, RequestView
from proxy.extract.values import decode_text, get


def _ask(col: Collector, value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key in ("query_str", "query"):
            col.text(value.get(key), f"{where}.{key}")
        col.text(get(value, "params", "query_str"), f"{where}.params.query_str")
    elif isinstance(value, list):  # socket.io: ["perplexity_ask", "query", {params}]
        for index, item in enumerate(value[1:], start=1):
            if isinstance(item, str):
                col.text(item, f"{where}[{index}]")
            else:
                _ask(col, item, f"{where}[{index}]")


class PerplexityAdapter(JsonAdapter):
    name = "perplexity"
    tier = WEB_APP
    hosts = ("perplexity.ai", "*.perplexity.ai", "pplx.ai", "*.pplx.ai")
    websocket = True
    ws_record = "packet"
    examples = (("POST", "https://www.perplexity.ai/rest/sse/perplexity_ask", "application/json"),)

    def on_host(self, view: RequestView) -> bool:
        # the API (api.perplexity.ai) is OpenAI-compatible: the OpenAI adapter reads it
        return super().on_host(view) and not view.host.lower().startswith("api.")

    def claims(self, view: RequestView) -> bool:
        return (
            self.on_host(view)
            and view.method in ("POST", "PUT")
            and not view.mime.startswith("multipart/")
        )

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        text = decode_text(view.body)
        if text.lstrip()[:1].isdigit():  # engine.io long-polling POST of socket.io packets
            return self.read_ws_text(text, col)
        return super().extract(view, col)

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        _ask(col, data, "body")
        return get(data, "params", "model_preference"), []

    def ws_value(self, col: Collector, value: Any, where: str) -> None:
        _ask(col, value, where)
        col.residual(value, where)


PERPLEXITY = PerplexityAdapter()
