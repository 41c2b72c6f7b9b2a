"""OpenAI Realtime API websocket (``wss://api.openai.com/v1/realtime``, Azure OpenAI's
``/openai/realtime``): client events, one JSON object a message.

Audio is a voice channel for anything spoken, and the proxy cannot read it: the base64 PCM of
``input_audio_buffer.append`` and the ``input_audio`` parts of ``conversation.item.create``
are *uninspectable* media (``extraction.uninspectable`` decides; the default blocks), as the
same audio in a chat ``input_audio`` part is. Text (``input_text`` parts, ``session.update``
instructions and tools, function-call outputs) is read; every other string is residual-swept.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import API, VoiceSocketAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.values import as_list, path_join

_AUDIO_EVENTS = frozenset({"input_audio_buffer.append"})


def _audio(col: Collector, data: Any, where: str) -> None:
    col.media("audio", where)
    if isinstance(data, str):
        col.handled.add(data)  # the PCM itself is not text: not swept


def _event(col: Collector, event: Any, where: str) -> None:
    if not isinstance(event, dict):
        return
    kind = event.get("type")
    if kind in _AUDIO_EVENTS:
        _audio(col, event.get("audio"), f"{where}.audio")
        return
    item = event.get("item")
    if isinstance(item, dict):
        for index, part in enumerate(as_list(item.get("content"))):
            at = path_join(f"{where}.item.content", index)
            if not isinstance(part, dict):
                continue
            if part.get("type") == "input_audio" or isinstance(part.get("audio"), str):
                _audio(col, part.get("audio"), f"{at}.audio")
            col.text(part.get("text"), f"{at}.text")
            col.text(part.get("transcript"), f"{at}.transcript")
        col.text(item.get("output"), f"{where}.item.output")
    session = event.get("session") if isinstance(event.get("session"), dict) else event
    col.text(session.get("instructions"), f"{where}.instructions")


class RealtimeAdapter(VoiceSocketAdapter):
    name = "openai_realtime"
    error_style = "openai"
    tier = API
    paths = (re.compile(r"/realtime/?$"),)
    examples = (("POST", "https://api.openai.com/v1/realtime", "application/json"),)

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        self.read_event(col, data, "body")
        return None, []

    def read_event(self, col: Collector, event: Any, where: str) -> None:
        _event(col, event, where)


REALTIME = RealtimeAdapter()
