"""Microsoft Copilot: chat over a websocket, plus its JSON HTTP calls.

Websocket frames (client → server):
- copilot.microsoft.com (``/c/api/chat``): ``{"event": "send", "conversationId": ...,
  "content": [{"type": "text", "text": ...}, {"type": "image", "url": ...}], "mode": ...}``;
  other events (``setOptions``, ``reportLocalConsents``, ``ping``) carry no prompt but are
  residual-swept.
- Bing / M365 Copilot ChatHub (``sydney.bing.com/sydney/ChatHub``,
  ``substrate.office.com/m365Copilot/Chathub``): SignalR JSON hub protocol, records terminated
  by ``\\x1e``; an invocation ``{"type": 4, "target": "chat", "arguments": [{"message":
  {"text": ...}, "previousMessages": [...], ...}]}``; the ``{"protocol": "json"}`` handshake
  and pings carry nothing.

Best effort: both protocols are private. The shapes follow public open-source clients
(a Copilot provider that sends ``event: send`` frames; the PyRIT M365 Copilot target that
sends SignalR invocations). Every other string in a frame is residual-swept.
"""

from __future__ import annotations

from typing import Any

from proxy.extract.adapter import WEB_APP, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.values import ID_FIELDS, as_list, get, path_join


def _content(col: Collector, content: Any, where: str) -> None:
    if isinstance(content, str):
        col.text(content, where)
        return
    for index, part in enumerate(as_list(content)):
        at = path_join(where, index)
        if isinstance(part, dict):
            col.text(part.get("text"), f"{at}.text")
            if part.get("type") == "image":
                url = part.get("url")
                if isinstance(url, str) and url.startswith("data:"):
                    col.blob(url, f"{at}.url")
                else:
                    col.text(url, f"{at}.url")
        else:
            col.value(part, at)


def _frame(col: Collector, value: Any, where: str) -> None:
    if not isinstance(value, dict):
        return
    _content(col, value.get("content"), f"{where}.content")
    for index, argument in enumerate(as_list(value.get("arguments"))):  # SignalR invocation
        at = f"{where}.arguments[{index}]"
        col.text(get(argument, "message", "text"), f"{at}.message.text")
        for p_index, previous in enumerate(as_list(get(argument, "previousMessages"))):
            col.text(get(previous, "text"), f"{at}.previousMessages[{p_index}].text")


class CopilotAdapter(JsonAdapter):
    name = "copilot"
    tier = WEB_APP
    hosts = tuple(
        pattern
        for host in (
            "copilot.microsoft.com",
            "copilot.cloud.microsoft",
            "sydney.bing.com",
            "substrate.office.com",
            "m365copilot.com",
        )
        for pattern in (host, f"*.{host}")
    )
    websocket = True
    structural_fields = ID_FIELDS | {"conversationSignature", "invocationId", "requestId"}
    examples = (("POST", "https://copilot.microsoft.com/c/api/conversations", "application/json"),)

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        _frame(col, data, "body")
        return get(data, "model"), []

    def ws_value(self, col: Collector, value: Any, where: str) -> None:
        _frame(col, value, where)
        col.residual(value, where)


COPILOT = CopilotAdapter()
