"""multipart/form-data (and multipart/mixed, multipart/related) bodies: every text field
and every file part, files read by :mod:`proxy.extract.files` (nested multiparts
recursively). Broken framing (no boundary, no closing delimiter) is ``unparseable``.

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

_PARAM = re.compile(r';\s*([\w*.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


@dataclass(slots=True)
class Part:
    headers: dict[str, str]
    data: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def disposition(self, name: str) -> str | None:
        """A Content-Disposition parameter (RFC 7578 / RFC 5987 ``filename*``)."""
        params: dict[str, str] = {}
        for key, raw in _PARAM.findall(self.headers.get("content-disposition", "")):
            value = raw.strip()
            if value.startswith('"') and value.endswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            params[key.lower()] = value
        extended = params.get(f"{name}*")
        if extended and "''" in extended:
            charset, _, encoded = extended.partition("''")
            try:
                return unquote(encoded, encoding=charset or "utf-8", errors="replace")
            except LookupError:
                return unquote(encoded)
        return params.get(name)


def parse_multipart(body: bytes, boundary: str, max_parts: int) -> list[Part]:
    """Split a multipart body into parts. Raises ``unparseable`` on broken framing."""
    delimiter = b"--" + boundary.encode("latin-1", "replace")
    pos = body.find(delimiter)
    if pos < 0 or (pos > 0 and body[pos - 1 : pos] != b"\n"):
        raise ExtractionError("unparseable", "multipart boundary not found")
    parts: list[Part] = []
    while True:
        after = pos + len(delimiter)
        if body[after : after + 2] == b"--":
            return parts  # closing delimiter
        line_end = body.find(b"\n", after)
        if line_end < 0:
            raise ExtractionError("unparseable", "truncated multipart body")
        nxt = body.find(b"\n" + delimiter, line_end)
        if nxt < 0:
            raise ExtractionError("unparseable", "multipart body has no closing delimiter")
        end = nxt - 1 if body[nxt - 1 : nxt] == b"\r" else nxt
        raw = body[line_end + 1 : end]
        parts.append(_part(raw))
        if len(parts) > max_parts:
            raise ExtractionError("too_large", "too many multipart parts")
        pos = nxt + 1


def _part(raw: bytes) -> Part:
    if raw.startswith((b"\r\n", b"\n")):  # a part with no headers
        head, data = b"", raw[2:] if raw.startswith(b"\r\n") else raw[1:]
    else:
        found = [(i, sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) >= 0]
        if found:
            idx, sep = min(found)
            head, data = raw[:idx], raw[idx + len(sep) :]
        else:
            head, data = raw, b""
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", "replace").splitlines():
        key, sep_, value = line.partition(":")
        if sep_:
            headers[key.strip().lower()] = value.strip()
    cte = headers.get("content-transfer-encoding", "").lower()
    if cte == "base64":
        try:
            data = base64.b64decode(b"".join(data.split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ExtractionError("unparseable", "bad base64 multipart part") from exc
    elif cte == "quoted-printable":
        data = quopri.decodestring(data)
    return Part(headers, data)


def extract_multipart(
    col: Collector, body: bytes, content_type: str, where: str, depth: int = 0
) -> None:
    boundary = header_param(content_type, "boundary")
    if not boundary:
        raise ExtractionError("unparseable", "multipart without a boundary")
    if depth > col.settings.max_nesting:
        raise ExtractionError("too_large", "multipart nested too deeply")
    for index, part in enumerate(parse_multipart(body, boundary, col.settings.max_archive_members)):
        name = part.disposition("name") or str(index)
        filename = part.disposition("filename")
        ctype = part.content_type
        mime = ctype.split(";", 1)[0].strip().lower()
        at = f"{where}.{name}"
        if mime.startswith("multipart/"):
            extract_multipart(col, part.data, ctype, at, depth + 1)
        elif filename is not None or (mime and not mime.startswith("text/") and "json" not in mime):
            if filename:
                col.text(filename, f"{at}.filename")
            col.file(part.data, f"{at}:file", ctype, filename or "", depth + 1)
        else:
            col.value(decode_text(part.data, header_param(ctype, "charset")), at, depth)


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
