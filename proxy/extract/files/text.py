"""Text files: plain text and source code, CSV, Markdown (any bytes that read as text), HTML
(as a browser renders it: :mod:`proxy.extract.markup`), RTF (with striprtf, which decodes
``\\'hh`` and ``\\uN`` escapes), and JSON files (``.json``, ``.jsonl``, ``.ipynb`` or a JSON
type: every string leaf, as in a JSON body). These come before the media kinds: bytes that
read as text are text, whatever magic number they start with or type they declare."""

from __future__ import annotations

import re

from proxy.extract.collector import Collector
from proxy.extract.datatypes import header_param
from proxy.extract.files.embedded_objects import rtf_payloads
from proxy.extract.files.framing import framed_runs, starts_serialised
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.markup import html_text
from proxy.extract.values import decode_text, json_text, loads

_HTML_START = re.compile(rb"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _text_of(probe: Probe) -> str:
    charset = header_param(probe.content_type, "charset")
    if not charset:
        try:
            probe.data.decode("utf-8")
        except UnicodeDecodeError:
            charset = "cp1252"  # legacy Windows text
    return decode_text(probe.data, charset)


@register
class Rtf(FileKind):
    name = "rtf"
    priority = 44

    def matches(self, probe: Probe) -> bool:
        return probe.data.lstrip()[:5] == b"{\\rtf"

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        from striprtf.striprtf import rtf_to_text

        raw = probe.data.decode("cp1252", errors="replace")
        col.budget.check_time()
        col.text(rtf_to_text(raw, errors="replace"), where)
        col.text(raw, f"{where}<raw>")  # a model reading the file sees the markup as well
        rtf_payloads(col, probe.data, where, depth)  # embedded objects, \bin, datastore
        if _RTF_HIDING.search(raw):  # as Word shows it: hidden and deleted text left out
            col.budget.check_time()
            col.text(rtf_to_text(rtf_shown(raw), errors="replace"), f"{where}<displayed>")


#: character formatting that hides text: ``\v`` (hidden) and ``\deleted`` (a tracked deletion)
_RTF_HIDING = re.compile(r"\\(?:v|deleted)(?![A-Za-z])(?!0)")
_RTF_TOKEN = re.compile(r"\\([A-Za-z]+)(-?\d+)? ?|\\'[0-9A-Fa-f]{2}|\\.|[{}]|[^\\{}]+", re.S)


def rtf_shown(raw: str) -> str:
    """RTF with the text of hidden (``\\v``) and deleted (``\\deleted``) runs removed; the
    control words are kept, so the result is still RTF with the same structure. One pass
    over the tokens (linear)."""
    out: list[str] = []
    stack: list[bool] = []
    hidden = False
    for match in _RTF_TOKEN.finditer(raw):
        piece = match.group(0)
        word = match.group(1)
        if piece == "{":
            stack.append(hidden)
        elif piece == "}":
            hidden = stack.pop() if stack else False
        elif word in ("v", "deleted"):
            hidden = match.group(2) != "0"
            continue
        elif word == "plain":
            hidden = False
        if hidden and (piece[0] not in "\\{}" or piece.startswith("\\'") or word == "u"):
            continue  # the hidden run's text (plain, \'hh and \uN escapes)
        out.append(piece)
    return "".join(out)


@register
class Html(FileKind):
    name = "html"
    priority = 45
    text_like = True

    def matches(self, probe: Probe) -> bool:
        if probe.mime in ("text/html", "application/xhtml+xml") or probe.ext in (
            "html",
            "htm",
            "xhtml",
        ):
            return probe.is_text
        return probe.is_text and _HTML_START.match(probe.data[:4096]) is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        text = _text_of(probe)
        col.text(html_text(text), f"{where}<html>")
        col.text(text, where)


@register
class Json(FileKind):
    name = "json"
    priority = 46
    text_like = True

    def matches(self, probe: Probe) -> bool:
        return "json" in probe.mime or probe.ext in ("json", "jsonl", "ndjson", "ipynb")

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        text = json_text(probe.data)
        try:
            value = loads(text)
        except (ValueError, RecursionError):
            lines = [line for line in text.splitlines() if line.strip()]
            try:
                value = [loads(line) for line in lines]
            except (ValueError, RecursionError):
                # not JSON after all: scan it as text, in the declared charset too
                col.text(
                    decode_text(probe.data, header_param(probe.content_type, "charset")), where
                )
                return
        col.value(value, where, depth + 1)
        for index, line in enumerate(value if isinstance(value, list) else [value]):
            _batch_prompt(col, line, f"{where}[{index}].body")


_BATCH_ENDPOINTS = ("/completions", "/embeddings", "/moderations")


def _batch_prompt(col: Collector, line: object, where: str) -> None:
    """A Batch API input line (``{"url": "/v1/completions", "body": {...}}``): its ``prompt``
    / ``input`` read as that endpoint reads it (token-id arrays decoded)."""
    if not isinstance(line, dict) or not isinstance(line.get("body"), dict):
        return
    url = line.get("url")
    if not isinstance(url, str) or not url.rstrip("/").endswith(_BATCH_ENDPOINTS):
        return
    from proxy.extract.openai import prompt_list

    body = line["body"]
    key = "prompt" if "prompt" in body else "input"
    if isinstance(body.get(key), list):
        prompt_list(col, body[key], f"{where}.{key}", body.get("model"))


@register
class Text(FileKind):
    name = "text"
    priority = 47
    text_like = True

    def matches(self, probe: Probe) -> bool:
        return probe.is_text

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        text = _text_of(probe)
        col.text(text, where)
        col.text(ebcdic_text(probe.data), f"{where}<ebcdic>")
        if starts_serialised(probe.data) and not _is_utf8(probe.data):
            # a small CBOR / MessagePack map has no control byte: it reads as cp1252 text
            col.text(framed_runs(probe.data), f"{where}<strings framed>")
        if _FOLDED.search(text[:4096]) or probe.ext in _FOLDING_EXTENSIONS:
            unfolded = _LINE_FOLD.sub("", text)
            if unfolded != text:  # what an iCalendar / vCard / MIME reader reads
                col.text(unfolded, f"{where}<unfolded>")
        if probe.ext in _XML_EXTENSIONS or "xml" in probe.mime or _XML_START.match(text[:512]):
            xml_text(col, text, where)


#: bytes of EBCDIC text (code pages 037 / 500 / 1140 ...: the Latin letters, digits, space
#: and common punctuation sit at the same code points in each)
_EBCDIC_TEXT = frozenset(
    (
        *(0x40, 0x4B, 0x4D, 0x5D, 0x60, 0x61, 0x6B, 0x6C, 0x7A, 0x7D, 0x7E),  # space . ( ) - / , % : ' =
        *(0x15, 0x25, 0x0D, 0x05),  # NL, LF, CR, HT
        *range(0x81, 0x8A), *range(0x91, 0x9A), *range(0xA2, 0xAA),  # a-i j-r s-z
        *range(0xC1, 0xCA), *range(0xD1, 0xDA), *range(0xE2, 0xEA), *range(0xF0, 0xFA),
    )
)  # fmt: skip


def ebcdic_text(data: bytes) -> str:
    """The cp500 reading of ``data`` when it is EBCDIC text (a mainframe export: RT-113), else
    "". EBCDIC text is mostly bytes above 0x80 with 0x40 as its space; ASCII text is not (its
    letters and space sit below 0x80), so the test is cheap and one-sided."""
    sample = data[:8192]
    if len(sample) < 16 or sample.count(0x40) < len(sample) * 0.04:
        return ""
    if sum(1 for b in sample if b in _EBCDIC_TEXT) < len(sample) * 0.9:
        return ""
    return data.decode("cp500", errors="replace")


#: RFC 5545 / 6350 / 5322 line folding: a line break followed by one space or tab continues
#: the line (iCalendar, vCard, e-mail headers); readers remove both
_LINE_FOLD = re.compile(r"\r?\n[ \t]")
_FOLDED = re.compile(r"(?m)^BEGIN:(?:VCALENDAR|VCARD|VEVENT)\b|^(?:From|Subject|Received): ", re.I)
_FOLDING_EXTENSIONS = frozenset({"ics", "ical", "ifb", "vcf", "vcard", "vcs", "eml", "mht", "ldif"})
_XML_EXTENSIONS = frozenset(
    {"xml", "xsd", "xsl", "xslt", "svg", "plist", "rss", "atom", "kml", "gpx"}
)
_XML_START = re.compile(r"\ufeff?\s*<(?:\?xml\b|!DOCTYPE\b)")


def xml_text(col: Collector, text: str, where: str) -> None:
    """An XML document as an XML parser hands it to a program: CDATA sections joined with
    their neighbours, internal entities expanded (expat's own billion-laughs limits, and the
    request's text budget), external entities never fetched. A document that does not parse
    is left to its raw text (already scanned)."""
    from xml.parsers import expat

    from proxy.extract.files.archive import XmlText

    sink = XmlText(col, None)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = sink.start
    parser.EndElementHandler = sink.end
    parser.CharacterDataHandler = sink.chars
    try:
        parser.Parse(text.lstrip("\ufeff").encode("utf-8", "surrogatepass"), True)
    except (expat.ExpatError, UnicodeError, RecursionError):
        return
    sink.emit(f"{where}<xml>")
