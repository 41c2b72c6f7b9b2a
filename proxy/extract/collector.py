"""The collector every adapter writes into, and the JSON walker behind it.

Adapters know a format's *meaning* (which field is the prompt, which part is an image). The
:class:`Collector` supplies the generic machinery: walking JSON, decoding JSON-in-JSON strings,
``data:`` URLs and base64 blobs, handing files to a :class:`FileReader` (the file-kind
registry in :mod:`proxy.extract.files`), and the *residual sweep*: after an adapter has taken
what it knows, every other string leaf of the body is scanned too (except opaque
identifiers), so a field we did not model is never sent unscanned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NoReturn, Protocol
from urllib.parse import unquote_to_bytes

import re2

from detectors.joined import is_chunk
from proxy.extract.budget import Budget
from proxy.extract.datatypes import ExtractionError, ImagePart, Segment
from proxy.extract.mailcodes import binhex_decoded, may_hold_mail_encoding, unflowed, uudecoded
from proxy.extract.markup import has_markup, html_text
from proxy.extract.settings import ExtractionSettings
from proxy.extract.values import (
    B64,
    DATA_URL,
    ID_FIELDS,
    MIN_BLOB,
    as_list,
    b64decode,
    is_id_field,
    loads,
    looks_like_json,
    number_text,
    path_join,
)

#: Images kept per request for OCR; more (or more bytes) stay uninspectable markers only.
MAX_IMAGES = 64
MAX_IMAGE_BYTES = 64 * 1024 * 1024
_JOIN_RUN = 8  # numeric runs up to this long are also joined without separators
#: base64 runs inside prompt text (standard or URL-safe, MIME line breaks allowed)
#: an OpenPGP armored message (encrypted, or signed and compressed: not readable as text;
#: a cleartext-signed message is ``BEGIN PGP SIGNED MESSAGE`` and stays text)
_PGP_MESSAGE = "-----BEGIN PGP MESSAGE-----"
_B64_RUN = re2.compile(r"[A-Za-z0-9+/_\-\r\n]{128,}={0,2}")  # RE2: ~6 us/KB of prose
#: base64 files read from inside prompt text, at most, per request
MAX_EMBEDDED_FILES = 16
_JOIN_DIGITS = 64  # single digits: joined up to this many (cards, NHS numbers digit by digit)
_JOIN_CHARS = 4096  # string pieces of an array: joined up to this many characters
_MIN_CODES = 6  # character codes: this many make a word worth reading
_MIN_DIGITS = 4  # a lone number with fewer digits is not scanned (array runs always are)
_WORD_KEY = re.compile(r"[A-Za-z][A-Za-z_-]{0,31}")
_CONTEXT_MAX = 200  # longer values carry their own context
#: what an id field may not hide: a NINO's shape, a long digit run (NHS, card, account), a
#: typed credential's prefix, a marking word; such an "id" is scanned like any other string
_VALUE_IN_ID = re.compile(
    r"[A-Za-z]{2}[0-9]{6}[A-Da-d]|[0-9]{9,}|(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12}"
    r"|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|sk-(?:ant|proj|svcacct)-|AIza"
    r"|(?i:official|sensitive|secret)"
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class FileReader(Protocol):
    """Turns a file's bytes into segments (or uninspectable markers) in a collector."""

    def read(
        self, col: Collector, data: bytes, where: str, content_type: str, filename: str, depth: int
    ) -> None: ...

    def read_blob(
        self, col: Collector, data: bytes, where: str, content_type: str, depth: int
    ) -> None:
        """Decoded base64 found in a JSON string (not declared as a file)."""
        ...

    def read_embedded(self, col: Collector, data: bytes, where: str, depth: int) -> bool:
        """Decoded base64 found inside prompt text: read only if it is a document, archive
        or media file (text and opaque bytes are the normaliser's views); True if read."""
        ...


class Collector:
    """Accumulates segments and uninspectable items for one request, within its budget."""

    def __init__(
        self,
        settings: ExtractionSettings,
        budget: Budget,
        files: FileReader,
        structural: frozenset[str] = ID_FIELDS,
    ) -> None:
        self.settings = settings
        self.budget = budget
        self.files = files
        self.structural = structural  # id fields the residual sweep may skip (see values)
        self.segments: list[Segment] = []
        self.uninspectable: list[str] = []
        self.images: list[ImagePart] = []  # image bytes kept for OCR (bounded)
        self._image_bytes = 0
        self.handled: set[str] = set()  # strings an adapter has taken (residual skips them)
        self._texts: set[str] = set()
        self._depth = 0  # nesting of the file being read (text found in it is one deeper)
        self._embedded = 0  # base64 files found inside text so far (bounded per request)

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
        if len(value) >= 128:
            self._embedded_files(value, where or "$")
        if _PGP_MESSAGE in value:  # ciphertext we cannot read (its passphrase may be beside it)
            self.unreadable("PGP-encrypted message")
        if len(value) >= 32 and may_hold_mail_encoding(value) and not where.endswith("<flowed>"):
            self._mail_encodings(value, where or "$")
        if has_markup(value):  # what an HTML reader shows: entities decoded, tags dropped
            rendered = html_text(value)
            if rendered and rendered != value and rendered not in self._texts:
                self.budget.add(len(rendered))
                self._texts.add(rendered)
                self.segments.append(Segment(_clean(rendered), f"{where or '$'}<html>"))

    def _embedded_files(self, value: str, where: str) -> None:
        """A whole file base64-encoded inside prompt text ("here is the file in base64:" and
        a docx, xlsx, zip or PDF, one line or MIME-wrapped): a code-interpreter model decodes
        and opens it, so it is read as a file (red team RT-141). Bounded: runs of at least
        128 characters (a 96-byte zip); :data:`MAX_EMBEDDED_FILES` files a request, more
        is ``too_large`` (decoy blobs before the real one cost nothing: only files count);
        nested within ``max_nesting`` like any file."""
        for match in _B64_RUN.finditer(value):
            data = b64decode(match.group())
            if data is None or len(data) < 64:
                continue
            if self.files.read_embedded(self, data, f"{where}<base64 file>", self._depth + 1):
                self._embedded += 1
                if self._embedded > MAX_EMBEDDED_FILES:  # never skip one silently
                    raise ExtractionError("too_large", "more base64 files in text than allowed")

    def _mail_encodings(self, value: str, where: str) -> None:
        """Mail-era encodings in text (RT-138, RT-148): uuencoded and BinHex files read as
        files (counted with the base64 ones), ``format=flowed`` text read with its soft
        breaks joined."""
        found = [*uudecoded(value), *binhex_decoded(value, self.settings.max_archive_bytes)]
        for index, (filename, data) in enumerate(found):
            self._embedded += 1
            if self._embedded > MAX_EMBEDDED_FILES:
                raise ExtractionError("too_large", "more encoded files in text than allowed")
            self.file(data, f"{where}<encoded file {index}>", "", filename, self._depth + 1)
        if "flowed" in value.lower():
            self.text(unflowed(value), f"{where}<flowed>")

    def opaque(self, value: object) -> None:
        """Protocol state the adapter knows (a signature, encrypted data): the residual sweep
        skips it, unless it holds a value's shape (:data:`_VALUE_IN_ID`)."""
        if isinstance(value, str) and not _VALUE_IN_ID.search(value):
            self.handled.add(value)

    def name(self, value: str | None, where: str) -> None:
        """A name the receiving side reads (a form field's name, an archive member's name):
        scanned unless it is a plain word of letters, ``_`` and ``-``."""
        if value and not _WORD_KEY.fullmatch(value):
            self.text(value, where)

    def media(self, kind: str, where: str, data: bytes | None = None) -> None:
        """True media (an image, audio, video that decodes as such) whose text we cannot read
        here: the policy's ``uninspectable`` action decides. An image's ``data`` is kept (up
        to :data:`MAX_IMAGES` and :data:`MAX_IMAGE_BYTES` a request) so the scan worker can
        read it (OCR); the marker goes once every image under it has been read."""
        item = f"{kind}:{where or '$'}"
        if item not in self.uninspectable:
            self.uninspectable.append(item)
        if (
            kind == "image"
            and data
            and len(self.images) < MAX_IMAGES
            and self._image_bytes + len(data) <= MAX_IMAGE_BYTES
        ):
            self.images.append(ImagePart(item, where or "$", data))
            self._image_bytes += len(data)

    def unreadable(self, what: str) -> NoReturn:
        """Content that is not media but cannot be read (an encrypted archive or document, an
        archive format we cannot open): blocked whatever ``uninspectable`` says."""
        raise ExtractionError("uninspectable", what)

    def damaged(self, what: str) -> NoReturn:
        """A document of a text format that does not parse (bad CRC, corrupt deflate,
        malformed XML): fail closed as ``unparseable``."""
        raise ExtractionError("unparseable", f"damaged document: {what}")

    def file(
        self,
        data: bytes,
        where: str,
        content_type: str = "",
        filename: str = "",
        depth: int = 0,
    ) -> None:
        """A file's bytes (an upload, a base64 attachment, an archive member)."""
        outer, self._depth = self._depth, depth
        try:
            self.files.read(self, data, where, content_type, filename, depth)
        finally:
            self._depth = outer

    def content(self, value: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """A ``content`` value as chat APIs send it: a string, read as text, or a list of
        parts (:meth:`parts`)."""
        if isinstance(value, str):
            self.text(value, where)
        else:
            yield from self.parts(value, where)

    def parts(self, items: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The object parts of a list of content parts (``messages[0].content``), each with
        its where-path; a string part is read as text on the way, anything else skipped."""
        for index, part in enumerate(as_list(items)):
            at = path_join(where, index)
            if isinstance(part, str):
                self.text(part, at)
            elif isinstance(part, dict):
                yield at, part

    # -- generic walking --

    def value(self, value: Any, where: str, depth: int = 0) -> None:
        """Every string leaf of a JSON value (JSON-in-JSON strings, data URLs and base64
        attachments decoded, bounded by ``max_nesting``)."""
        self._walk(value, where, depth, residual=False)

    def residual(self, value: Any, where: str = "", depth: int = 0) -> None:
        """The residual sweep: every string leaf and key the adapter did not take, and every
        number (as decimal text). Skipped: only strings already taken, base64 media handled
        as media, and id-shaped values in the structural fields (``self.structural``)."""
        self._walk(value, where, depth, residual=True)

    def _walk(
        self, value: Any, where: str, depth: int, residual: bool, key: str | None = None
    ) -> None:
        if isinstance(value, str):
            self._string(value, where, depth, residual, key)
        elif isinstance(value, dict):
            # keys are model-readable too (tool-schema property names); a key of letters and
            # underscores only cannot carry an identifier, a value, a credential or a marking
            keys = [b for name in value if not _WORD_KEY.fullmatch(b := name.split("~dup", 1)[0])]
            if keys:
                self.text("\n".join(dict.fromkeys(keys)), f"{where}{{keys}}")
            for name, item in value.items():
                self._walk(item, path_join(where, name), depth, residual, _field_key(name, key))
            indexed = _indexed_pieces(value)
            if indexed:  # {"0": "J", "1": "G", ...}: an array written as an object
                self._chunks(indexed, f"{where}<indexed>", key)
        elif isinstance(value, list):
            run: list[str] = []
            for index, item in enumerate(value):
                if _is_number(item):
                    run.append(number_text(item))
                    continue
                self._numbers(run, where, key)
                run = []
                self._walk(item, path_join(where, index), depth, residual, key)
            self._numbers(run, where, key)
            self._chunks(value, where, key)
            if any(isinstance(item, (list, dict)) for item in value):
                flat = _flat_pieces(value)
                if flat:  # [["J", "G"], ["1", ...]] or [{"c": "J"}, {"c": "G"}, ...]
                    self._chunks(flat, f"{where}<flat>", key)
        elif _is_number(value):
            text = number_text(value)
            if sum(ch.isdigit() for ch in text) >= _MIN_DIGITS:  # 1-3 digits identify nothing
                self.text(text, where, key)

    def _numbers(self, run: list[str], where: str, key: str | None) -> None:
        """Adjacent numbers of an array, spaced and (for short runs) joined: ``[943, 476,
        5919]`` is read as ``943 476 5919`` and ``9434765919``; single digits are joined in
        runs of up to :data:`_JOIN_DIGITS` (a card number digit by digit), and a run of
        printable character codes is also read as its ASCII text (``bytes(run).decode()``)."""
        if not run:
            return
        self.text(" ".join(run), where, key)
        digits = all(len(item) == 1 and item.isdigit() for item in run)
        if 1 < len(run) <= (_JOIN_DIGITS if digits else _JOIN_RUN):
            self.text("".join(run), f"{where}<joined>", key)
        codes = [int(item) for item in run if item.isdigit()]
        if len(codes) == len(run) >= _MIN_CODES and all(
            32 <= c < 127 or c in (9, 10, 13) for c in codes
        ):
            self.text(bytes(codes).decode("ascii"), f"{where}<chars>", key)  # [74, 71, 49, ...]

    def _chunks(self, items: list[Any], where: str, key: str | None) -> None:
        """An array of string pieces, also read joined: ``["J", "G", "1", ...]`` or ``["OFFI",
        "CIAL-SEN", "SITIVE: ..."]`` is the value a program (or the model) joins. Runs of
        pieces (:func:`detectors.joined.is_chunk`; the last of a run may be longer) of 2+ items are joined, up
        to :data:`_JOIN_CHARS` characters; lists of words or sentences are not pieces."""
        runs: list[list[str]] = [[]]
        for item in items:
            if not isinstance(item, str):
                runs.append([])
                continue
            if runs[-1] and not is_chunk(runs[-1][-1]):
                runs.append([])  # a long piece ends a run
            runs[-1].append(item)
        for run in runs:
            if len(run) > 1:
                self.text("".join(run)[:_JOIN_CHARS], f"{where}<joined>", key)
                stripped = "".join(p.strip() for p in run)  # ["OFFI ", "CIAL-", ...]
                if len(stripped) < len("".join(run)):
                    self.text(stripped[:_JOIN_CHARS], f"{where}<joined>", key)
            if len(run) >= _MIN_CODES and all(
                p.isascii() and p.isdigit() and len(p) <= 3 for p in run
            ):
                codes = [int(p) for p in run]
                if all(32 <= c < 127 for c in codes):  # ["74", "71", "49", ...]
                    self.text(bytes(codes).decode("ascii"), f"{where}<chars>", key)

    def _string(
        self, value: str, where: str, depth: int, residual: bool, key: str | None = None
    ) -> None:
        if not value.strip() or (residual and value in self.handled):
            return
        if residual and is_id_field(key, value, self.structural) and not _VALUE_IN_ID.search(value):
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
        self.text(value, where, key)

    def blob(self, value: str, where: str, depth: int = 0, content_type: str = "") -> bool:
        """Handle ``value`` if it is a ``data:`` URL or a large base64 blob; True if it was.

        A ``data:`` URL is a file of its declared type. A bare blob goes to the file reader's
        ``read_blob``, which extracts documents, scans text and skips opaque binary.
        """
        match = DATA_URL.match(value)
        if match:
            self.handled.add(value)
            mime = (match.group(1) or "text/plain").lower()
            payload = value[match.end() :]
            if match.group(3):
                data = b64decode(payload)
                if data is None:
                    self.media("undecodable_base64", where)
                    return True
            else:
                data = unquote_to_bytes(payload)
            self.file(data, where, mime, "", depth + 1)
            return True
        if len(value) < MIN_BLOB or not B64.fullmatch(value):
            return False
        data = b64decode(value)
        if data is None:
            return False
        self.handled.add(value)
        self.files.read_blob(self, data, f"{where}<base64>", content_type, depth + 1)
        return True


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


#: JSON Schema keywords whose value is a value *of the property* that holds them:
#: ``{"password": {"type": "string", "default": "..."}}`` is read as ``password: ...``
_SCHEMA_VALUE_KEYS = frozenset({"default", "const", "enum"})


def _field_key(name: str, parent: str | None) -> str:
    """The context key of a dict member: its name, or for a schema value keyword
    (``default`` / ``const`` / ``enum``) the property it belongs to (red team: a password
    as the ``default`` of a ``response_format`` schema's ``password`` property)."""
    return parent if parent and name in _SCHEMA_VALUE_KEYS else name


def _humanize(key: str) -> str:
    """``nhsNumber`` / ``nhs_number`` / ``nhs-number~dup1`` → ``nhs number``."""
    key = key.split("~dup", 1)[0]
    return _CAMEL.sub(" ", key).replace("_", " ").replace("-", " ").strip().lower()


def _clean(text: str) -> str:
    """Lone surrogates (from ``\\ud800`` escapes) would break encoding downstream."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


_MAX_FLAT = 4096  # leaves read from one nested array of pieces


def _flat_pieces(items: list[Any]) -> list[str] | None:
    """The string leaves of an array of arrays / one-field objects, in order (bounded), when
    every leaf is a string: what a program flattens and joins. None otherwise."""
    out: list[str] = []
    stack: list[Any] = [iter(items)]
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
            continue
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, list) and len(stack) < 4:
            stack.append(iter(item))
        elif isinstance(item, dict) and len(item) == 1 and len(stack) < 4:
            stack.append(iter(item.values()))
        else:
            return None
        if len(out) > _MAX_FLAT:
            return None
    return out if len(out) > 1 else None


def _indexed_pieces(value: dict[str, Any]) -> list[str] | None:
    """``{"0": "J", "1": "G", ...}``: string values under the keys 0..n-1, in index order."""
    if len(value) < 2 or len(value) > _MAX_FLAT:
        return None
    keys = list(value)
    if not all(k.isascii() and k.isdigit() for k in keys) or not all(
        isinstance(v, str) for v in value.values()
    ):
        return None
    ordered = sorted(keys, key=int)
    if [int(k) for k in ordered] != list(range(int(ordered[0]), int(ordered[0]) + len(ordered))):
        return None
    return [value[k] for k in ordered]


_END = object()
