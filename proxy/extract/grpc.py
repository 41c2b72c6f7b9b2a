"""gRPC, gRPC-Web and Connect bodies (Gemini's and Vertex AI's gRPC APIs): the protobuf
messages a gRPC server reads, read without their schema.

A body is a run of length-prefixed messages (flag byte, 4-byte big-endian length); a
flagged message is compressed with the ``grpc-encoding`` (``connect-content-encoding``) coding,
undone with the Content-Encoding decoders and their limits (an unknown coding fails closed);
``grpc-web-text`` bodies are base64. Each message is decoded as protobuf wire format: every
length-delimited field that is UTF-8 text is scanned as a string leaf, and one that parses as a
message is read recursively; varints of four digits or more are scanned as their decimal text
(as the JSON sweep does). Bytes that do not frame, or a message that does not parse, are read
as any binary is (printable strings); a coding that does not inflate fails closed.
"""

from __future__ import annotations

import base64
import binascii

from proxy.extract.adapter import BODY_SHAPE, Adapter, style_for_host
from proxy.extract.collector import Collector
from proxy.extract.datatypes import Extraction, ExtractionError, RequestView
from proxy.extract.encoding import decode_body

_TYPES = ("application/grpc", "application/connect+proto", "application/grpc-web")
_TRAILER_FLAG = 0x80  # gRPC-Web: a frame of trailers, not a message
_COMPRESSED_FLAG = 0x01
_CONTROL = frozenset(range(32)) - {9, 10, 13}


class GrpcAdapter(Adapter):
    name = "grpc"
    tier = BODY_SHAPE
    examples = (
        (
            "POST",
            "https://generativelanguage.googleapis.com/"
            "google.ai.generativelanguage.v1beta.GenerativeService/GenerateContent",
            "application/grpc",
        ),
    )

    def claims(self, view: RequestView) -> bool:
        return view.mime.startswith(_TYPES)

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        body = view.body
        if view.mime.startswith("application/grpc-web-text"):
            try:
                body = base64.b64decode(b"".join(body.split()), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ExtractionError("unparseable", "grpc-web-text is not base64") from exc
        coding = view.header("grpc-encoding") or view.header("connect-content-encoding")
        try:
            framed_messages = frames(body)
        except ExtractionError:  # not framed after all: its printable strings, as any binary
            col.file(view.body, "body", view.content_type)
            return self.result(col)
        for index, (flag, framed) in enumerate(framed_messages):
            if flag & _TRAILER_FLAG:
                col.text(framed.decode("utf-8", "replace"), f"grpc[{index}].trailers")
                continue
            message = (
                decode_body(framed, coding or "gzip", col.budget.max_bytes)
                if flag & _COMPRESSED_FLAG
                else framed
            )
            read_message(col, message, f"grpc[{index}]", 0)
        result = self.result(col)
        result.error_style = style_for_host(view.host)
        return result


def frames(body: bytes) -> list[tuple[int, bytes]]:
    """The (flag, message) frames of a gRPC (or Connect streaming) body."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(body):
        if pos + 5 > len(body):
            raise ExtractionError("unparseable", "truncated gRPC frame header")
        flag, size = body[pos], int.from_bytes(body[pos + 1 : pos + 5], "big")
        pos += 5
        if pos + size > len(body):
            raise ExtractionError("unparseable", "truncated gRPC message")
        out.append((flag, body[pos : pos + size]))
        pos += size
    return out


def read_message(col: Collector, data: bytes, where: str, depth: int) -> None:
    fields = wire_fields(data)
    if fields is None:  # not protobuf: its printable strings, as any binary
        col.file(data, where, "", "", depth + 1)
        return
    _read_fields(col, fields, where, depth)


def _read_fields(
    col: Collector, fields: list[tuple[int, int, object]], where: str, depth: int
) -> None:
    if depth > col.settings.max_nesting * 4:
        raise ExtractionError("too_large", "protobuf nested too deeply")
    counts: dict[int, int] = {}
    for number, wire, value in fields:
        index = counts[number] = counts.get(number, -1) + 1
        at = f"{where}.f{number}[{index}]"
        if wire == 0 and isinstance(value, int) and value >= 1000:
            col.text(str(value), at)
        elif wire == 2 and isinstance(value, bytes):
            text = _text(value)
            if text is not None:
                col.text(text, at)
                continue
            nested = wire_fields(value)
            if nested:
                _read_fields(col, nested, at, depth + 1)
            else:  # bytes: printable runs, as any binary is read
                col.file(value, at, "", "", depth + 1)


def _text(value: bytes) -> str | None:
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text if text and not _CONTROL.intersection(value) else None


def wire_fields(data: bytes) -> list[tuple[int, int, object]] | None:
    """Protobuf wire format → ``(field number, wire type, value)``; None if it is not one."""
    out: list[tuple[int, int, object]] = []
    pos, end = 0, len(data)
    while pos < end:
        key, pos = _varint(data, pos)
        if key is None:
            return None
        number, wire = key >> 3, key & 7
        if number == 0:
            return None
        if wire == 0:
            value, pos = _varint(data, pos)
            if value is None:
                return None
            out.append((number, 0, value))
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            if pos + size > end:
                return None
            out.append((number, wire, data[pos : pos + size]))
            pos += size
        elif wire == 2:
            size, pos = _varint(data, pos)
            if size is None or pos + size > end:
                return None
            out.append((number, 2, data[pos : pos + size]))
            pos += size
        else:
            return None
    return out


def _varint(data: bytes, pos: int) -> tuple[int | None, int]:
    value = shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    return None, pos


GRPC = GrpcAdapter()
