"""Extraction building blocks: the result types, a request view, the budget, and the collector
that every adapter writes into.

Adapters know a format's *meaning* (which field is the prompt, which part is an image). The
:class:`Collector` supplies the generic machinery: walking JSON, decoding JSON-in-JSON strings,
``data:`` URLs and base64 blobs, handing files to :mod:`proxy.extract.documents`, and the
*residual sweep*: after an adapter has taken what it knows, every other string leaf of the
body is scanned too (except opaque identifiers), so a field we did not model is never sent
unscanned.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from proxy.extract.settings import ExtractionSettings

ErrorStyle = str  # openai | anthropic | gemini | generic


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of prompt text and where it came from (e.g. ``messages[2].content``)."""

    text: str
    where: str


@dataclass(slots=True)
class Extraction:
    """What a request carries: its text segments, and facts the policy needs.

    ``uninspectable`` lists content that could not be read as ``kind:where`` (``image:...``,
    ``audio:...``, ``encrypted:...``); the policy decides. ``error_style`` is the provider
    error shape a client of this endpoint understands (openai | anthropic | gemini | generic).
    ``models`` is every model name the body asks for (``model`` first, then fallbacks such as
    OpenRouter's ``models`` list), so a blocked model cannot hide in a fallback list.
    """

    segments: list[Segment] = field(default_factory=list)
    model: str | None = None
    adapter: str = "generic"
    uninspectable: list[str] = field(default_factory=list)
    error_style: ErrorStyle = "generic"
    models: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(segment.text for segment in self.segments)


class ExtractionError(Exception):
    """The body cannot be inspected: ``reason`` is unparseable | too_large."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class RequestView:
    """The parts of a request (or websocket message) adapters look at; body already decoded."""

    method: str
    host: str
    path: str  # without the query string
    content_type: str = ""  # the full header (parameters such as the boundary keep their case)
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names
    query: str = ""
    websocket: bool = False
    is_text: bool = True  # websocket frame type

    @property
    def mime(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def param(self, name: str) -> str | None:
        """A content-type parameter (``boundary``, ``charset``), unquoted."""
        return header_param(self.content_type, name)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


def header_param(value: str, name: str) -> str | None:
    for part in value.split(";")[1:]:
        key, _, val = part.partition("=")
        if key.strip().lower() == name:
            return val.strip().strip('"')
    return None


class Budget:
    """Per-request bounds: extracted characters and wall-clock time (checked cooperatively)."""

    def __init__(self, settings: ExtractionSettings, max_bytes: int) -> None:
        self.settings = settings
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + settings.timeout_seconds
        self.chars = 0

    def add(self, chars: int) -> None:
        self.chars += chars
        if self.chars > self.settings.max_text_chars:
            raise ExtractionError("too_large", "extracted text over max_text_chars")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise ExtractionError("too_large", "extraction time budget exceeded")

    @property
    def remaining_chars(self) -> int:
        return self.settings.max_text_chars - self.chars


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
_B64 = re.compile(r"[A-Za-z0-9+/\-_\r\n]+={0,2}")
_DATA_URL = re.compile(r"data:([\w.+-]+/[\w.+-]+)?((?:;[\w.+-]+=[^;,]*)*)(;base64)?,", re.I)
# JSON keys that are schema names (snake/camel case) rather than data.
_STRUCTURAL_KEY = re.compile(r"[a-z][a-zA-Z0-9_]{0,47}|[A-Z][a-z]+(?:[A-Z][a-z]+)*|@?[a-z_.-]+")
_BIG_INT = 100_000  # integers at least this large may be identifiers (NHS numbers as JSON numbers)
MIN_BLOB = 256  # shorter base64-looking strings are treated as text


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
    """Bytes → str: BOMs first, then the declared charset, then UTF-8 (invalid bytes replaced)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if charset:
        try:
            return data.decode(charset, errors="replace")
        except LookupError:
            pass
    return data.decode("utf-8", errors="replace")


# ---- the collector -----------------------------------------------------------------------


class Collector:
    """Accumulates segments and uninspectable items for one request, within its budget."""

    def __init__(self, settings: ExtractionSettings, budget: Budget) -> None:
        self.settings = settings
        self.budget = budget
        self.segments: list[Segment] = []
        self.uninspectable: list[str] = []
        self.handled: set[str] = set()  # strings an adapter has taken (residual skips them)
        self._texts: set[str] = set()

    # -- output --

    def text(self, value: object, where: str, context: str | None = None) -> None:
        """Scan ``value`` verbatim (if it is a non-blank string). ``context`` (a JSON key such
        as ``nhs_number``) is put in front of short values, so detectors that weigh context
        words see ``nhs number: 943...`` rather than a bare number."""
        if not isinstance(value, str):
            return
        self.handled.add(value)
        if not value.strip():
            return
        shown = (
            f"{_humanize(context)}: {value}" if context and len(value) <= _CONTEXT_MAX else value
        )
        if shown in self._texts:
            return
        self.budget.add(len(shown))
        self._texts.add(shown)
        self.segments.append(Segment(_clean(shown), where or "$"))

    def media(self, kind: str, where: str) -> None:
        """Content we cannot read (an image, audio, an encrypted file): the policy decides."""
        item = f"{kind}:{where or '$'}"
        if item not in self.uninspectable:
            self.uninspectable.append(item)

    def file(
        self,
        data: bytes,
        where: str,
        content_type: str = "",
        filename: str = "",
        depth: int = 0,
    ) -> None:
        """A file's bytes (an upload, a base64 attachment, an archive member)."""
        from proxy.extract import documents

        documents.extract_file(self, data, where, content_type, filename, depth)

    # -- generic walking --

    def value(self, value: Any, where: str, depth: int = 0) -> None:
        """Every string leaf of a JSON value (JSON-in-JSON strings, data URLs and base64
        attachments decoded, bounded by ``max_nesting``)."""
        self._walk(value, where, depth, residual=False)

    def residual(self, value: Any, where: str = "", depth: int = 0) -> None:
        """The residual sweep: every string leaf the adapter did not take, except opaque
        tokens and identifiers (protocol state, not text a person typed)."""
        self._walk(value, where, depth, residual=True)

    def _walk(
        self, value: Any, where: str, depth: int, residual: bool, key: str | None = None
    ) -> None:
        if isinstance(value, str):
            self._string(value, where, depth, residual, key)
        elif isinstance(value, dict):
            for name, item in value.items():
                bare = name.split("~dup", 1)[0]
                if not _STRUCTURAL_KEY.fullmatch(bare) and not is_identifier(bare):
                    self._string(name, f"{where}{{key}}", depth, residual)
                self._walk(item, path_join(where, name), depth, residual, name)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._walk(item, path_join(where, index), depth, residual, key)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _BIG_INT:
            self._string(str(value), where, depth, residual, key)

    def _string(
        self, value: str, where: str, depth: int, residual: bool, key: str | None = None
    ) -> None:
        if not value.strip() or (residual and value in self.handled):
            return
        if is_identifier(value.strip()):
            return
        if depth < self.settings.max_nesting and looks_like_json(value):
            try:
                inner = loads(value)
            except (ValueError, RecursionError):
                pass
            else:
                self.handled.add(value)
                self._walk(inner, f"{where}<json>", depth + 1, residual, key)
                return
        if self.blob(value, where, depth):
            return
        if residual and is_opaque(value):
            return
        self.text(value, where, key)

    def blob(self, value: str, where: str, depth: int = 0, content_type: str = "") -> bool:
        """Handle ``value`` if it is a ``data:`` URL or a large base64 blob; True if it was.

        A blob that decodes to a document or media is handed to :meth:`file`; to UTF-8 text,
        scanned as text; to anything else (signatures, ciphertext), skipped: it carries no
        text a detector could read.
        """
        match = _DATA_URL.match(value)
        if match:
            self.handled.add(value)
            mime = (match.group(1) or "text/plain").lower()
            payload = value[match.end() :]
            if match.group(3):
                data = _b64decode(payload)
                if data is None:
                    self.media("undecodable_base64", where)
                    return True
            else:
                from urllib.parse import unquote_to_bytes

                data = unquote_to_bytes(payload)
            self.file(data, where, mime, "", depth + 1)
            return True
        if len(value) < MIN_BLOB or not _B64.fullmatch(value):
            return False
        data = _b64decode(value)
        if data is None:
            return False
        self.handled.add(value)
        from proxy.extract import documents

        kind = documents.sniff(data, content_type, "")
        if kind in documents.TEXT_KINDS:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                return True  # opaque binary: nothing readable
            if _mostly_printable(text):
                self.text(text, f"{where}<base64>")
            return True
        if kind == "binary":
            return True
        self.file(data, f"{where}<base64>", content_type, "", depth + 1)
        return True


_CONTEXT_MAX = 200  # longer values carry their own context
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _humanize(key: str) -> str:
    """``nhsNumber`` / ``nhs_number`` / ``nhs-number~dup1`` → ``nhs number``."""
    key = key.split("~dup", 1)[0]
    return _CAMEL.sub(" ", key).replace("_", " ").replace("-", " ").strip().lower()


def _b64decode(value: str) -> bytes | None:
    compact = "".join(value.split())
    if "-" in compact or "_" in compact:
        compact = compact.replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def _mostly_printable(text: str) -> bool:
    if not text:
        return False
    sample = text[:4096]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return bad <= len(sample) // 50


def _clean(text: str) -> str:
    """Lone surrogates (from ``\\ud800`` escapes) would break encoding downstream."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


# ---- adapters ----------------------------------------------------------------------------


class Adapter:
    """One request format. Subclasses set ``name``/``error_style`` and implement
    :meth:`claims` and :meth:`extract`; register the instance in :mod:`proxy.extract.registry`.
    """

    name: ClassVar[str] = "adapter"
    error_style: ClassVar[ErrorStyle] = "generic"

    def claims(self, view: RequestView) -> bool:
        raise NotImplementedError

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        raise NotImplementedError

    def result(
        self, col: Collector, model: Any = None, models: list[Any] | None = None
    ) -> Extraction:
        names = [m for m in [model, *(models or [])] if isinstance(m, str) and m]
        return Extraction(
            segments=col.segments,
            model=names[0] if names else None,
            adapter=self.name,
            uninspectable=col.uninspectable,
            error_style=self.error_style,
            models=list(dict.fromkeys(names)),
        )


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
    text = decode_text(view.body, view.param("charset"))
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


class JsonAdapter(Adapter):
    """An adapter for a JSON body: :meth:`walk` takes the known fields, then the residual
    sweep takes the rest. A body that is not JSON after all falls back to the generic path."""

    def claims(self, view: RequestView) -> bool:
        return body_may_be_json(view) and self.matches(view)

    def matches(self, view: RequestView) -> bool:
        raise NotImplementedError

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        data = parse_json_body(view)
        if data is None:
            from proxy.extract.generic import GENERIC

            return GENERIC.extract(view, col)
        model, models = self.walk(data, view, col)
        col.residual(data)
        return self.result(col, model, models)

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        """Take the known fields; return ``(model, other_models)``."""
        raise NotImplementedError


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
