"""JSON helpers for adapters and the collector: parsing (duplicate keys kept), body sniffing,
value shapes (identifiers, opaque tokens, base64, ``data:`` URLs), path building and text
decoding. Pure functions, no state."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from proxy.extract.datatypes import ExtractionError, RequestView

# ---- value shapes ------------------------------------------------------------------------

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_HEX = re.compile(r"[0-9a-fA-F]{16,}")
# Protocol state (tokens, signatures, ids, URLs): long, no whitespace, token charset.
_OPAQUE = re.compile(r"[A-Za-z0-9+/=_\-.:!~*]{32,}")
# Typed ids: call_..., msg_..., toolu_..., chatcmpl-..., file-...
_PREFIXED_ID = re.compile(r"[a-z]{1,16}[_-][A-Za-z0-9_-]{12,}")
# Enumeration values (``user``, ``text``, ``chat``, ``function_call``): no digits, no capitals.
_ENUM = re.compile(r"[a-z][a-z_]{0,31}")
B64 = re.compile(r"[A-Za-z0-9+/\-_\r\n]+={0,2}")
DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w.+-]+=[^;,]*)*)(;base64)?,", re.I)
# JSON keys that are schema names (snake/camel case) rather than data.
STRUCTURAL_KEY = re.compile(r"[a-z][a-zA-Z0-9_]{0,47}|[A-Z][a-z]+(?:[A-Z][a-z]+)*|@?[a-z_.-]+")
MIN_BLOB = 256  # shorter base64-looking strings are treated as text

# Fields whose values are protocol ids, not prompt text: the residual sweep skips an id-shaped
# value (no whitespace, token characters) under one of these keys, or a key ending in
# ``_id``/``Id``/``_ids``/``Ids``. Adapters add their own (``Adapter.structural_fields``).
ID_FIELDS = frozenset(
    {
        "id",
        "ids",
        "object",
        "signature",
        "encrypted_content",
        "etag",
        "nonce",
        "cursor",
        "after",
        "before",
        "idempotency_key",
    }
)
_ID_VALUE = re.compile(r"[A-Za-z0-9_\-.:/+=~]{1,200}")
_ID_KEY = re.compile(r".*(?:_id|Id|_ids|Ids|ID)")


def is_id_field(key: str | None, value: str, fields: frozenset[str]) -> bool:
    """``value`` is an id in a structural field (``key`` declared, or named ``..._id``)."""
    if key is None:
        return False
    bare = key.split("~dup", 1)[0]
    return (bare in fields or bool(_ID_KEY.fullmatch(bare))) and bool(_ID_VALUE.fullmatch(value))


def number_text(value: int | float) -> str:
    """A JSON number as the decimal text a reader sees: ``9434765919.0`` → ``9434765919``."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    return str(value)


def is_identifier(value: str) -> bool:
    """A UUID or a long hex string: never prompt text."""
    return bool(_UUID.fullmatch(value) or _HEX.fullmatch(value))


def is_opaque(value: str) -> bool:
    """Protocol state rather than text: a token, id, signature or enumeration value."""
    return bool(
        _OPAQUE.fullmatch(value) or _ENUM.fullmatch(value) or _PREFIXED_ID.fullmatch(value)
    ) or is_identifier(value)


def path_join(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def get(obj: Any, *keys: str | int) -> Any:
    """``obj[k1][k2]...`` or None."""
    for key in keys:
        if isinstance(key, int):
            if not isinstance(obj, list) or not -len(obj) <= key < len(obj):
                return None
        elif not isinstance(obj, dict):
            return None
        obj = obj[key] if isinstance(key, int) else obj.get(key)
    return obj


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def b64decode(value: str) -> bytes | None:
    """Standard or URL-safe base64 (whitespace and missing padding tolerated), or None."""
    compact = "".join(value.split())
    if "-" in compact or "_" in compact:
        compact = compact.replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def mostly_printable(text: str) -> bool:
    if not text:
        return False
    sample = text[:4096]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return bad <= len(sample) // 50


# ---- JSON parsing ------------------------------------------------------------------------


def _pairs_keep_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Keep every value of a repeated key: the last under the key (as most parsers do), the
    earlier ones under ``key~dupN`` so the residual sweep still scans them."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            n = 1
            while f"{key}~dup{n}" in out:
                n += 1
            out[f"{key}~dup{n}"] = out[key]
        out[key] = value
    return out


def loads(text: str | bytes) -> Any:
    """``json.loads`` keeping duplicate keys. Raises ValueError (JSONDecodeError) or
    RecursionError."""
    return json.loads(text, object_pairs_hook=_pairs_keep_duplicates)


def looks_like_json(text: str) -> bool:
    stripped = text.strip()
    return len(stripped) >= 2 and stripped[0] in "{[" and stripped[-1] in "}]"


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Bytes → str: BOMs first, then the declared charset, then UTF-8 (invalid bytes replaced).

    A declared charset is a claim the receiver may ignore: when the bytes are also valid UTF-8
    and read differently in it (``charset=utf-7`` over ``+JG103729A-``), both readings are
    returned, joined by a blank line.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if charset:
        try:
            declared = data.decode(charset, errors="replace")
        except LookupError:
            pass
        else:
            try:
                plain = data.decode("utf-8")
            except UnicodeDecodeError:
                return declared
            return declared if plain == declared else f"{declared}\n\n{plain}"
    return data.decode("utf-8", errors="replace")


def json_text(data: bytes) -> str:
    """A JSON text as a JSON reader reads it (RFC 8259 §8.1): UTF-8, or UTF-16/32 by BOM or by
    the pattern of zero bytes (:func:`json.detect_encoding`); a declared charset is ignored,
    as servers ignore it."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    return data.decode(json.detect_encoding(data), errors="replace")


def is_json_type(view: RequestView) -> bool:
    mime = view.mime
    return mime.endswith(("/json", "+json")) or "json" in mime


def body_may_be_json(view: RequestView) -> bool:
    """Declared JSON, or an undeclared / text body that starts like JSON."""
    if is_json_type(view):
        return True
    if view.mime.startswith("multipart/") or view.mime == "application/x-www-form-urlencoded":
        return False
    head = view.body[:64].lstrip()
    return head[:1] in (b"{", b"[")


def parse_json_body(view: RequestView) -> Any:
    """The body as JSON (or JSON lines). Declared JSON that does not parse is ``unparseable``;
    an undeclared body that does not parse returns ``None`` (the caller treats it as text)."""
    if not view.body.strip():
        return None
    text = json_text(view.body)
    try:
        return loads(text)
    except RecursionError as exc:
        raise ExtractionError("unparseable", "JSON nested too deeply") from exc
    except ValueError:
        pass
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1:
        try:
            return [loads(line) for line in lines]  # JSON lines
        except (ValueError, RecursionError):
            pass
    if is_json_type(view):
        raise ExtractionError("unparseable", "invalid JSON")
    return None


_SOCKET_IO = re.compile(r"\d{1,3}(?=[\[{])")  # engine.io/socket.io packet type (+ ack id)


def ws_json(record: str) -> list[Any]:
    """A websocket text record as JSON values: plain JSON, or a socket.io packet
    (``42["event", {...}]``); anything else is returned as the text itself."""
    candidate = record.strip()
    match = _SOCKET_IO.match(candidate)
    if match and not is_identifier(candidate):
        candidate = candidate[match.end() :]
    if candidate[:1] in ("{", "["):
        try:
            return [loads(candidate)]
        except (ValueError, RecursionError):
            pass
    return [record]
