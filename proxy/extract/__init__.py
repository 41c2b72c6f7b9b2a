"""Prompt extraction: an AI-tool request → the text segments to scan.

Foundation version: the generic fallback (every JSON string leaf, form field or text
body). Issue 4 adds one adapter module per provider format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from mitmproxy import http


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of prompt text and where it came from (e.g. ``messages[2].content``)."""

    text: str
    where: str


@dataclass(slots=True)
class Extraction:
    """What a request carries: its text segments, and facts the policy needs."""

    segments: list[Segment] = field(default_factory=list)
    model: str | None = None
    adapter: str = "generic"
    uninspectable: list[str] = field(default_factory=list)  # e.g. image parts: policy decides


class ExtractionError(Exception):
    """The body cannot be inspected: ``reason`` is unparseable | too_large."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _json_leaves(value: object, where: str, out: list[Segment]) -> None:
    if isinstance(value, str):
        if value.strip():
            out.append(Segment(value, where or "$"))
    elif isinstance(value, dict):
        for key, item in value.items():
            _json_leaves(item, f"{where}.{key}" if where else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _json_leaves(item, f"{where}[{index}]", out)


def extract(request: http.Request) -> Extraction:
    """Segments of ``request``'s body (content-decoded). Raises :class:`ExtractionError`."""
    try:
        body = request.get_content(strict=True) or b""
    except ValueError as exc:
        raise ExtractionError("unparseable", "undecodable content-encoding") from exc
    if not body:
        return Extraction()
    content_type = request.headers.get("content-type", "").lower()
    text = body.decode("utf-8", errors="replace")
    segments: list[Segment] = []
    model: str | None = None
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            if "json" in content_type:
                raise ExtractionError("unparseable", "invalid JSON") from exc
        else:
            _json_leaves(data, "", segments)
            if isinstance(data, dict) and isinstance(data.get("model"), str):
                model = data["model"]
            return Extraction(segments, model)
    if "application/x-www-form-urlencoded" in content_type:
        for key, value in parse_qsl(text, keep_blank_values=False):
            segments.append(Segment(value, f"form.{key}"))
        return Extraction(segments)
    return Extraction([Segment(text, "body")])
