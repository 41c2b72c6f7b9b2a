"""Plain text, source code, CSV, Markdown, HTML (any bytes that read as text), and JSON files
(``.json``, ``.jsonl``, ``.ipynb`` or a JSON type: every string leaf, as in a JSON body)."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.datatypes import header_param
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.values import decode_text, loads


def is_text(data: bytes) -> bool:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:8192]
    if b"\x00" in sample:
        return False
    return _control_ratio(sample) < 0.02


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bad / len(sample)


@register
class Json(FileKind):
    name = "json"
    priority = 100
    text_like = True

    def matches(self, probe: Probe) -> bool:
        return "json" in probe.mime or probe.ext in ("json", "jsonl", "ndjson", "ipynb")

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        text = decode_text(probe.data, header_param(probe.content_type, "charset"))
        try:
            value = loads(text)
        except (ValueError, RecursionError):
            lines = [line for line in text.splitlines() if line.strip()]
            try:
                value = [loads(line) for line in lines]
            except (ValueError, RecursionError):
                col.text(text, where)  # not JSON after all: scan it as text
                return
        col.value(value, where, depth + 1)


@register
class Text(FileKind):
    name = "text"
    priority = 110
    text_like = True

    def matches(self, probe: Probe) -> bool:
        return is_text(probe.data)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        charset = header_param(probe.content_type, "charset")
        if not charset:
            try:
                probe.data.decode("utf-8")
            except UnicodeDecodeError:
                charset = "cp1252"  # legacy Windows text
        col.text(decode_text(probe.data, charset), where)
