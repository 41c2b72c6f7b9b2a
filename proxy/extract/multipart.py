"""multipart/form-data (and multipart/mixed, multipart/related) bodies: every text field
and every file part, files read by :mod:`proxy.extract.files` (nested multiparts
recursively). Framing follows RFC 2046 as werkzeug parses it; broken or ambiguous framing
(no boundary, a repeated parameter, a delimiter line with trailing characters, no closing
delimiter) is ``unparseable`` (tested against werkzeug's parser).

Used by file uploads to every tool: OpenAI ``/v1/files`` and ``/v1/uploads``, Anthropic
``/v1/files``, claude.ai ``/upload`` and ``/convert_document``, Gemini ``multipart/related``
uploads, and web forms.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass
from urllib.parse import unquote

from proxy.extract.adapter import BODY_SHAPE, Adapter, style_for_host
from proxy.extract.collector import Collector
from proxy.extract.datatypes import Extraction, ExtractionError, RequestView, header_param
from proxy.extract.values import decode_text

#: identifier shapes set apart inside a boundary (a machine token, letters and digits glued:
#: the joined view leaves random tokens alone): an upper-case letter pair, six digits and a
#: letter (a NINO), an AWS key id
_VALUE_IN_BOUNDARY = re.compile(r"(?=([A-Z]{2}[0-9]{6}[A-Z]|A[KS]IA[A-Z2-7]{16}))")
_PARAM = re.compile(r';\s*([\w*.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def params(value: str) -> dict[str, str]:
    """A header's parameters (``; key=value``, quoted strings unescaped), lower-cased keys.
    A parameter given twice is ambiguous (servers differ on which wins): ``unparseable``."""
    found: dict[str, str] = {}
    for raw_key, raw in _PARAM.findall(value):
        text = raw.strip()
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        key = raw_key.lower()
        if key in found:
            raise ExtractionError("unparseable", "multipart parameter given twice")
        found[key] = text
    return found


@dataclass(slots=True)
class Part:
    headers: dict[str, str]
    data: bytes
    #: the bytes as sent, when a Content-Transfer-Encoding was undone: form parsers ignore
    #: CTE (RFC 7578 §4.7; werkzeug), so the server reads these
    raw: bytes | None = None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def disposition(self, name: str) -> str | None:
        """A Content-Disposition parameter (RFC 7578 / RFC 5987 ``filename*``)."""
        found = params(self.headers.get("content-disposition", ""))
        extended = found.get(f"{name}*")
        if extended and "''" in extended:
            charset, _, encoded = extended.partition("''")
            try:
                return unquote(encoded, encoding=charset or "utf-8", errors="replace")
            except LookupError:
                return unquote(encoded)
        return found.get(name)

    def header_text(self) -> str:
        """What the part's headers carry besides its name and filename (read on their own):
        other headers (``X-Note: ...``), Content-Type and Content-Disposition parameters. The
        bytes reach the AI host, and a server may keep them with the file (RT-95)."""
        lines = []
        for key, value in self.headers.items():
            if key == "content-transfer-encoding":
                continue
            if key in ("content-type", "content-disposition"):
                taken = ("name", "filename", "filename*") if key == "content-disposition" else ()
                lines.extend(v for k, v in params(value).items() if k not in taken and v)
            else:
                lines.append(f"{key}: {value}")
        return "\n".join(lines)


_LINE_BREAK = re.compile(rb"\r\n|\n|\r")
_BLANK_LINE = re.compile(rb"\r\n\r\n|\r\r|\n\n")
_BCHARS = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_PADDING = b" \t"


def _line_end(body: bytes, pos: int) -> tuple[int, int]:
    """(end of the line starting at or before ``pos``, start of the next line)."""
    match = _LINE_BREAK.search(body, pos)
    if match is None:
        return len(body), len(body)
    return match.start(), match.end()


def parse_multipart(body: bytes, boundary: str, max_parts: int) -> list[Part]:
    """Split a multipart body into parts as RFC 2046 and werkzeug do: a delimiter is a line
    ``--boundary`` (after a CRLF, LF or CR, or at the very start) followed only by spaces or
    tabs; the close delimiter adds ``--``. Framing that parsers could read differently is
    refused as ``unparseable``: a line ``--boundary`` followed by anything else, a delimiter
    that does not start a line before the first part, no close delimiter, parts without a
    header block, repeated part headers."""
    if not _BCHARS.fullmatch(boundary):
        raise ExtractionError("unparseable", "invalid multipart boundary")
    dash = b"--" + boundary.encode("latin-1")
    parts: list[Part] = []
    part_start: int | None = None  # where the current part's bytes begin
    pos = body.find(dash)
    if pos < 0:
        raise ExtractionError("unparseable", "multipart boundary not found")
    while pos >= 0:
        at_line_start = pos == 0 or body[pos - 1 : pos] in (b"\n", b"\r")
        line_end, next_line = _line_end(body, pos + len(dash))
        tail = body[pos + len(dash) : line_end]
        closing = tail.startswith(b"--")
        rest = (tail[2:] if closing else tail).strip(_PADDING)
        if not at_line_start:
            if part_start is None and not rest:
                # werkzeug takes a mid-line "--boundary" as the first delimiter, RFC 2046 as
                # preamble text: ambiguous. Anywhere else, mid-line it is data to both.
                raise ExtractionError("unparseable", "multipart delimiter inside a line")
            pos = body.find(dash, pos + 1)
            continue
        if rest:
            raise ExtractionError("unparseable", "multipart delimiter with trailing characters")
        if part_start is not None:
            end = pos - 1
            if body[end - 1 : end + 1] == b"\r\n":
                end -= 1
            parts.append(_part(body[part_start:end]))
            if len(parts) > max_parts:
                raise ExtractionError("too_large", "too many multipart parts")
        if closing:
            return parts
        if next_line == line_end:  # the delimiter line has no line break: truncated
            break
        part_start = next_line
        pos = body.find(dash, next_line)
    raise ExtractionError("unparseable", "multipart body has no closing delimiter")


_SINGLE = frozenset({"content-disposition", "content-type", "content-transfer-encoding"})


def _part(raw: bytes) -> Part:
    match = _BLANK_LINE.search(raw)
    if match is None:
        raise ExtractionError("unparseable", "multipart part without a header block")
    head, data = raw[: match.start()], raw[match.end() :]
    head = re.sub(rb"(?:\r\n|\n|\r)[ \t]", b" ", head)  # folded header lines
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").splitlines():
        key, sep_, value = line.strip(" \t").partition(":")
        if not sep_:
            continue
        key = key.strip(" \t").lower()
        if key in headers and key in _SINGLE:
            raise ExtractionError("unparseable", "multipart part header given twice")
        headers[key] = value.strip(" \t")
    cte = headers.get("content-transfer-encoding", "").lower()
    raw = data if cte in ("base64", "quoted-printable") else None
    if cte == "base64":
        try:
            data = base64.b64decode(b"".join(data.split()), validate=True)
        except (binascii.Error, ValueError):
            raw = None  # not base64: read as sent, as form parsers do
    elif cte == "quoted-printable":
        data = quopri.decodestring(data)
    return Part(headers, data, raw)


def extract_multipart(
    col: Collector, body: bytes, content_type: str, where: str, depth: int = 0
) -> None:
    boundary = params(content_type).get("boundary")
    if not boundary:
        raise ExtractionError("unparseable", "multipart without a boundary")
    if depth > col.settings.max_nesting:
        raise ExtractionError("too_large", "multipart nested too deeply")
    parts = parse_multipart(body, boundary, col.settings.max_archive_members)
    boundary_text(col, boundary, f"{where}.boundary")
    # The preamble and epilogue are discarded by form parsers but still reach the AI host.
    dash = b"--" + boundary.encode("latin-1")
    col.text(decode_text(body[: body.find(dash)], None), f"{where}.preamble")
    close = body.rfind(dash + b"--")
    col.text(decode_text(body[close + len(dash) + 2 :], None), f"{where}.epilogue")
    for index, part in enumerate(parts):
        col.name(part.disposition("name"), f"{where}.{index}.name")
        name = part.disposition("name") or str(index)
        filename = part.disposition("filename")
        ctype = part.content_type
        mime = ctype.split(";", 1)[0].strip().lower()
        at = f"{where}.{name}"
        col.text(part.header_text(), f"{at}.headers")
        if part.raw is not None:  # what a form parser hands the server: the bytes as sent
            col.text(decode_text(part.raw, header_param(ctype, "charset")), f"{at}:as-sent")
        if mime.startswith("multipart/"):
            extract_multipart(col, part.data, ctype, at, depth + 1)
        elif filename is not None or (mime and not mime.startswith("text/") and "json" not in mime):
            col.file(part.data, f"{at}:file", ctype, filename or "", depth + 1)
            if filename:  # after the content: a part's text runs on into the next part's
                col.text(filename, f"{at}.filename", context="filename")
        else:
            col.value(decode_text(part.data, header_param(ctype, "charset")), at, depth)


def boundary_text(col: Collector, boundary: str, where: str) -> None:
    """The boundary string: servers discard it, but it reaches the AI host in the header and
    between every part (red team RT-95: ``boundary=NIJG103729Ax``). Read as it is, and with
    identifier shapes glued inside it set apart."""
    pieces = [m.group(1) for m in _VALUE_IN_BOUNDARY.finditer(boundary)]
    col.text("\n".join([boundary, *pieces]), where)


class MultipartAdapter(Adapter):
    name = "multipart"
    tier = BODY_SHAPE
    examples = (("POST", "https://api.openai.com/v1/files", "multipart/form-data; boundary=b"),)

    def claims(self, view: RequestView) -> bool:
        return view.mime.startswith("multipart/")

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        extract_multipart(col, view.body, view.content_type, "multipart")
        result = self.result(col)
        result.error_style = style_for_host(view.host)
        return result


MULTIPART = MultipartAdapter()
