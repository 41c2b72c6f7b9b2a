"""Gemini Live API websocket (``wss://generativelanguage.googleapis.com/ws/...
BidiGenerateContent``, Vertex AI's ``LlmBidiService/BidiGenerateContent``): client messages,
one JSON object each (``setup``, ``clientContent``, ``realtimeInput``, ``toolResponse``).

Audio is a voice channel the proxy cannot read: the base64 PCM of ``realtimeInput.audio``
and of ``realtimeInput.mediaChunks[]`` with an ``audio/*`` mime type (raw PCM has no
container and no magic bytes to recognise it by) is *uninspectable* media
(``extraction.uninspectable`` decides; the default blocks), as OpenAI Realtime's
``input_audio_buffer.append`` is (red team RT-71, RT-109). Video frames and images are read
as images (OCR); ``realtimeInput.text``, ``clientContent.turns`` and the ``setup``'s system
instruction are read as text; every other string is residual-swept.

Format confirmed against the public Live API reference (``BidiGenerateContentClientMessage``).
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import API, VoiceSocketAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.gemini import content, parts
from proxy.extract.values import as_list, path_join

_BIDI = re.compile(r"BidiGenerateContent(Constrained)?/?$", re.I)


def _pick(obj: dict[str, Any], camel: str, snake: str) -> Any:
    return obj.get(camel, obj.get(snake))


def _media(col: Collector, blob: Any, where: str, kind: str = "") -> None:
    """One ``Blob`` (``{mimeType, data}``) of live media."""
    if not isinstance(blob, dict) or not isinstance(blob.get("data"), str):
        return
    data = blob["data"]
    mime = str(_pick(blob, "mimeType", "mime_type") or "").lower()
    col.handled.add(data)
    if kind == "audio" or mime.startswith("audio/") or not mime:
        col.media("audio", where)  # raw PCM: nothing to read it by
        return
    col.blob(f"data:{mime};base64,{data}", where)  # an image / video frame: read (OCR)


def _message(col: Collector, message: Any, where: str) -> None:
    if not isinstance(message, dict):
        return
    setup = message.get("setup")
    if isinstance(setup, dict):
        system = _pick(setup, "systemInstruction", "system_instruction")
        content(col, system, f"{where}.setup.systemInstruction")
    client = _pick(message, "clientContent", "client_content")
    if isinstance(client, dict):
        for index, turn in enumerate(as_list(client.get("turns"))):
            at = path_join(f"{where}.clientContent.turns", index)
            if isinstance(turn, dict):
                parts(col, turn.get("parts"), f"{at}.parts")
    live = _pick(message, "realtimeInput", "realtime_input")
    if isinstance(live, dict):
        at = f"{where}.realtimeInput"
        for index, chunk in enumerate(as_list(_pick(live, "mediaChunks", "media_chunks"))):
            _media(col, chunk, path_join(f"{at}.mediaChunks", index))
        _media(col, live.get("audio"), f"{at}.audio", kind="audio")
        _media(col, live.get("video"), f"{at}.video")
        col.text(live.get("text"), f"{at}.text")


class GeminiLiveAdapter(VoiceSocketAdapter):
    name = "gemini_live"
    error_style = "gemini"
    tier = API
    paths = (_BIDI,)
    examples = (
        (
            "POST",
            "https://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta"
            ".GenerativeService.BidiGenerateContent",
            "application/json",
        ),
    )

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        self.read_event(col, data, "body")
        setup = data.get("setup") if isinstance(data, dict) else None
        return (setup.get("model") if isinstance(setup, dict) else None), []

    def read_event(self, col: Collector, event: Any, where: str) -> None:
        _message(col, event, where)


GEMINI_LIVE = GeminiLiveAdapter()
