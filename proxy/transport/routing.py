"""Blocked models (DeepSeek) matched in every place a provider routes by.

A request reaches a model through more than its JSON ``model`` field: the URL path (Azure
``/openai/deployments/deepseek-r1/…``, Hugging Face ``/models/deepseek-ai/…``, Bedrock
``/model/deepseek.r1-v1:0/invoke``, Vertex ``/publishers/deepseek-ai/…``, Poe
``/DeepSeek-R1``), the query string, provider preferences (OpenRouter ``provider.only`` /
``order``), form and multipart fields, uploaded batch files (JSONL lines'
``body.model``), JSON sent as a string (``extra_body``), app-specific fields (Poe ``bot``,
You.com ``selectedAiModel``, ``modelName``), websocket frames and host labels
(``someone-deepseek-r1.hf.space``). This module looks at all of them, whatever the
Content-Type says:

- a body that parses as JSON (leading whitespace allowed) is treated as JSON;
- a routing key anywhere in it, at any depth, is checked, and every string under it (lists,
  nested provider preferences) counts. A routing key is an exact field
  (``data/routing.yaml`` ``fields`` plus ``catalogue.routing_fields``) or a key one of whose
  words is a routing word (``field_words``: ``selectedAiModel`` → selected/ai/model); under
  a key found by its words only a name-shaped value counts (a few words), never prose;
- a routing key given twice in one object is refused: servers disagree on which wins;
- routing headers (``catalogue.routing_headers``: ``x-model``, ``x-portkey-provider``,
  ``azureml-model-deployment``...) are checked like routing fields;
- a URL path segment (or host label) names a model right after a routing segment
  (``/deployments/``, ``/models/``...) or when it is shaped like a model name; a page slug
  of words (``/search/what-is-deepseek-…``) is not a model selection.

A model name matches a marker the way a router reads it: past invisible, full-width and
look-alike characters, in any case, and with separators ignored (``Deep-Seek``).

Some names do not say which model serves them (an OpenRouter ``@preset/…``, an Azure
deployment the tenant named): :meth:`RoutingCheck.routing_values` lists what a request routes
by, for the catalogue's ``opaque_models`` check (``catalogue.unknown_models``).

Pure functions: no mitmproxy import.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from detectors.normalise import unicode_fold
from proxy.extract.datatypes import ExtractionError
from proxy.extract.multipart import params, parse_multipart
from proxy.transport.vocabulary import RoutingVocabulary, routing_vocabulary

BLOCKED = "blocked_model"
UNKNOWN = "unknown_model"  # the name does not say which model serves it (catalogue.unknown_models)
AMBIGUOUS = "unparseable"  # duplicate routing keys: fail closed
MAX_ROUTING_BODY = 32 * 1024 * 1024
MAX_MULTIPART_PARTS = 10_000
RECORD_SEPARATORS = ("\x1e", "\n")  # SignalR records, NDJSON / JSONL batch files
#: Keys inside a routing field that list what must NOT serve the request (OpenRouter's
#: provider.ignore): a blocked model named there keeps it away, it does not ask for it.
EXCLUDING_KEYS = frozenset({"ignore"})
EXACT, WORD = "exact", "word"  # how a key was found to be a routing key

_SEPARATORS = re.compile(r"[^0-9a-z]+")
_KEY_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_TOKENS = re.compile(r"[0-9a-z]+")


_SURROGATES = re.compile("[\ud800-\udfff]")


def _foldable(value: str) -> str:
    """``value`` without lone surrogates (a path or header byte that is not UTF-8 arrives as
    one): the folding's RE2 takes UTF-8 only, and it raised on them (internal_error)."""
    return _SURROGATES.sub("\ufffd", value)


def model_forms(value: str) -> tuple[str, str]:
    """(``value`` as a router reads it, the same without separators)."""
    if len(value) <= _REMEMBERED_CHARS:  # path segments, host labels, header values
        return _remembered_forms(value)
    return _model_forms(value)


def _model_forms(value: str) -> tuple[str, str]:
    folded = unicode_fold(_foldable(value))[0].lower()
    return folded, _SEPARATORS.sub("", folded)


#: Short values (the same path segments, host labels and header values on every request)
#: are folded once: the folding is ~3 us a value, a request asks for about twenty.
_REMEMBERED_CHARS = 256
_remembered_forms = functools.lru_cache(maxsize=4096)(_model_forms)


def key_words(key: str) -> list[str]:
    """The words of a key as an app spells it: ``selectedAiModel`` → selected, ai, model."""
    return [w.lower() for w in _KEY_WORDS.findall(key)]


def matches_glob(value: str, globs: Iterable[str]) -> bool:
    """``value`` (case-insensitive, folded) matches one of ``globs``."""
    folded = unicode_fold(_foldable(value))[0].lower().strip()
    return any(fnmatchcase(folded, g.lower()) for g in globs)


def _merge(verdicts: Iterable[str | None]) -> str | None:
    found = set(verdicts)
    for wanted in (BLOCKED, AMBIGUOUS):
        if wanted in found:
            return wanted
    return None


class RoutingCheck:
    """``markers``: substrings naming blocked model families; ``fields``: JSON / form keys
    providers route by, besides the vocabulary's; ``headers``: name globs of the headers they
    route by (all case-insensitive)."""

    def __init__(
        self,
        markers: Iterable[str],
        fields: Iterable[str],
        headers: Iterable[str] = (),
        vocabulary: RoutingVocabulary | None = None,
    ) -> None:
        vocab = vocabulary or routing_vocabulary()
        self.markers = tuple(m.lower() for m in markers if m)
        self._forms = tuple(
            (folded, compact) for folded, compact in map(model_forms, self.markers) if folded
        )
        self.fields = frozenset(f.lower() for f in (*vocab.fields, *fields))
        self.headers = tuple(h.lower() for h in headers)
        self._routing_headers: dict[str, bool] = {}  # header name -> whether it routes
        self._words = frozenset(vocab.field_words)
        self._json_words = frozenset(vocab.json_string_words)
        self._path_keywords = frozenset(vocab.path_keywords)
        self._model_words = frozenset(vocab.model_words)
        self._slug_words = vocab.slug_words
        self._name_words, self._name_chars = vocab.name_max_words, vocab.name_max_chars

    # ---- names ----------------------------------------------------------------------------

    def names_blocked(self, value: str) -> bool:
        folded, compact = model_forms(value)
        return any(
            marker in folded or (short and short in compact) for marker, short in self._forms
        )

    def key_kind(self, key: str) -> str | None:
        """EXACT (a listed field), WORD (one of its words routes) or None."""
        lowered = key.lower()
        if lowered in self.fields:
            return EXACT
        if any(word in self._words for word in key_words(key)):
            return WORD
        return None

    def _counts(self, kind: str | None, value: str) -> bool:
        """A string under a routing key of ``kind`` is a name a router reads."""
        if kind == EXACT:
            return True
        return (
            kind == WORD
            and len(value) <= self._name_chars
            and len(value.split()) <= self._name_words
        )

    def _holds_json(self, key: str) -> bool:
        return self.key_kind(key) is not None or any(
            word in self._json_words for word in key_words(key)
        )

    def names_model_segment(self, segment: str) -> bool:
        """A path segment or host label shaped like a model name that names a blocked one:
        the marker with at most ``slug_words - 1`` other words (a page slug has more)."""
        if not self.names_blocked(segment):
            return False
        folded = model_forms(segment)[0]
        words = 0
        for token in _TOKENS.findall(folded):
            if len(token) < 2 or not token.isalpha() or token in self._model_words:
                continue
            if any(token in marker or token in short for marker, short in self._forms):
                continue
            words += 1
        return words < self._slug_words

    # ---- headers, host, URL ---------------------------------------------------------------

    def is_routing_header(self, name: str) -> bool:
        lowered = name.lower()
        known = self._routing_headers.get(lowered)
        if known is None:
            known = any(fnmatchcase(lowered, glob) for glob in self.headers)
            if len(self._routing_headers) >= 1024:  # bounded: header names are few
                self._routing_headers.clear()
            self._routing_headers[lowered] = known
        return known

    def headers_verdict(self, headers: Iterable[tuple[str, str]]) -> str | None:
        """A routing header (``x-model: deepseek-r1``) naming a blocked model, or any header
        whose value is JSON with a routing field naming one (a gateway's override header:
        Portkey ``x-portkey-override-params: {"model": "deepseek-chat"}``): blocked."""
        if not self.markers:
            return None
        for name, value in headers:
            if self.is_routing_header(name) and self.names_blocked(value):
                return BLOCKED
            stripped = value.strip()
            if (
                stripped[:1] in ("{", "[")
                and self.names_blocked(stripped)
                and self._json_verdict(stripped) == BLOCKED
            ):
                return BLOCKED
        return None

    def host_verdict(self, host: str) -> str | None:
        """A host label below a catalogue wildcard naming a blocked model the way a name
        does (``someone-deepseek-r1-chat.hf.space``, an Azure resource ``deepseek-r1.…``)."""
        if not self.markers or not host:
            return None
        labels = host.strip().lower().rstrip(".").split(".")
        return BLOCKED if any(self.names_model_segment(label) for label in labels) else None

    def unlisted_host_verdict(self, host: str) -> str | None:
        """A host name under a domain the catalogue does not list whose label names a blocked
        model as a model name does: the marker starts a word of its own and at most
        ``slug_words - 1`` other words (not model words) stand beside it
        (``deepseek-r1.lepton.run``, ``api-deepseek.example.cn``, red team RT-123). A blog
        (``what-is-deepseek.example``, ``mydeepseekblog.example``) is no model name. The top
        level label is not read."""
        if not self.markers or not host:
            return None
        starts = [tokens[0] for folded, _ in self._forms if (tokens := _TOKENS.findall(folded))]
        marker_tokens = {t for folded, _ in self._forms for t in _TOKENS.findall(folded)}
        for label in host.strip().lower().rstrip(".").split(".")[:-1]:
            if not self.names_blocked(label):
                continue
            tokens = _TOKENS.findall(model_forms(label)[0])
            if not any(t.startswith(start) for t in tokens for start in starts):
                continue
            words = [
                t
                for t in tokens
                if t.isalpha()
                and len(t) >= 2
                and t not in self._model_words
                and t not in marker_tokens
                and not any(t.startswith(start) for start in starts)
            ]
            if len(words) < self._slug_words:
                return BLOCKED
        return None

    def url_verdict(self, path: str) -> str | None:
        """``path`` with its query: a blocked model named by a path segment (after a routing
        segment, or shaped like a model name), or in a routing field of the query."""
        if not self.markers:
            return None
        bare, _, query = path.partition("#")[0].partition("?")
        forms = {bare}
        decoded = bare
        for _ in range(3):  # %2564eepseek → %64eepseek → deepseek
            decoded = unquote_plus(decoded)
            forms.add(decoded)
        for form in forms:
            segments = [s for s in re.split(r"[/\\]+", form) if s]
            for index, segment in enumerate(segments):
                after_keyword = any(
                    prev.lower() in self._path_keywords
                    for prev in segments[max(0, index - 2) : index]
                )
                if (after_keyword and self.names_blocked(segment)) or self.names_model_segment(
                    segment
                ):
                    return BLOCKED
        return self._pairs_verdict(parse_qsl(query, keep_blank_values=True))

    # ---- bodies ---------------------------------------------------------------------------

    def body_verdict(self, body: bytes | str, content_type: str = "") -> str | None:
        """A JSON, form, multipart or record-separated body: blocked, ambiguous, or None."""
        if not self.markers or not body or len(body) > MAX_ROUTING_BODY:
            return None
        if content_type.split(";", 1)[0].strip().lower().startswith("multipart/"):
            raw = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
            return self._multipart_verdict(raw, content_type)
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        stripped = text.strip().lstrip("\ufeff").strip().strip("\x1e")
        if not stripped:
            return None
        if stripped[0] in "{[":
            verdict = self._json_verdict(stripped)
            if verdict != "not-json":
                return verdict
            for separator in RECORD_SEPARATORS:
                if separator in stripped:
                    records = [r for r in stripped.split(separator) if r.strip()]
                    verdict = _merge(self._json_verdict(r.strip()) for r in records)
                    if verdict is not None:
                        return verdict
            return None
        if "=" in stripped and "\n" not in stripped[:2048]:
            return self._pairs_verdict(parse_qsl(stripped, keep_blank_values=True))
        return None

    def routing_values(
        self,
        path: str,
        headers: Iterable[tuple[str, str]],
        body: bytes | str = b"",
        content_type: str = "",
        extra_fields: Iterable[str] = (),
    ) -> list[str]:
        """What the request routes by, each as ``value`` and ``field=value``: routing fields of
        the query and of a JSON, form or multipart body (any depth, uploaded JSON files
        too), routing headers, and the tool's own ``extra_fields`` (Replicate ``version``)."""
        extra = frozenset(f.lower() for f in extra_fields)
        _, _, query = path.partition("#")[0].partition("?")
        pairs = [(k.split("[", 1)[0], v) for k, v in parse_qsl(query, True)]
        pairs += [(n, v) for n, v in headers if self.is_routing_header(n)]
        pairs += self._body_pairs(body, content_type, extra)
        out: list[str] = []
        for key, value in pairs:
            kind = self.key_kind(key) or (EXACT if key.lower() in extra else None)
            if self._counts(kind, value) or self.is_routing_header(key):
                out += [value, f"{key.lower()}={value}"]
        return out

    # ---- helpers --------------------------------------------------------------------------

    def _multipart_parts(self, body: bytes, content_type: str) -> list[Any]:
        try:
            boundary = params(content_type).get("boundary")
            if not boundary:
                return []
            return parse_multipart(body, boundary, MAX_MULTIPART_PARTS)
        except ExtractionError:
            return []  # the extraction refuses the framing itself (fail closed there)

    def _multipart_verdict(self, body: bytes, content_type: str, depth: int = 0) -> str | None:
        """Form fields as routing pairs; every file part (a batch JSONL file, a JSON part)
        read like a body; nested multiparts recursively."""
        if depth > 8:
            return AMBIGUOUS
        pairs: list[tuple[str, str]] = []
        verdicts: list[str | None] = []
        for part in self._multipart_parts(body, content_type):
            name = part.disposition("name") or ""
            mime = part.content_type.split(";", 1)[0].strip().lower()
            if mime.startswith("multipart/"):
                verdicts.append(self._multipart_verdict(part.data, part.content_type, depth + 1))
            elif part.disposition("filename") is not None or (
                mime and not mime.startswith("text/")
            ):
                verdicts.append(self.body_verdict(part.data))  # JSON / JSONL / form files
            else:
                value = part.data.decode("utf-8", "replace")
                pairs.append((name, value))
                if self._holds_json(name) and value.strip()[:1] in ("{", "["):
                    verdicts.append(self.body_verdict(value))
        verdicts.append(self._pairs_verdict(pairs))
        return _merge(verdicts)

    def _body_pairs(
        self, body: bytes | str, content_type: str = "", extra: frozenset[str] = frozenset()
    ) -> list[tuple[str, str]]:
        if not body or len(body) > MAX_ROUTING_BODY:
            return []
        if content_type.split(";", 1)[0].strip().lower().startswith("multipart/"):
            raw = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
            found: list[tuple[str, str]] = []
            for part in self._multipart_parts(raw, content_type):
                if part.disposition("filename") is not None:
                    found += self._body_pairs(part.data, part.content_type, extra)
                else:
                    name = part.disposition("name") or ""
                    found.append((name, part.data.decode("utf-8", "replace")))
            return found
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        stripped = text.strip().lstrip("\ufeff").strip()
        if stripped[:1] not in ("{", "["):
            if "=" in stripped and "\n" not in stripped[:2048]:
                return [
                    (k.split("[", 1)[0], v) for k, v in parse_qsl(stripped, keep_blank_values=True)
                ]
            return []
        found = []

        def walk(value: Any, key: str | None, depth: int = 0) -> None:
            if depth > 64:
                return
            if isinstance(value, dict):
                for k, item in value.items():
                    routes = self.key_kind(k) is not None or k.lower() in extra
                    if isinstance(item, str) and self._holds_json(k):
                        nested = _loads(item)
                        if nested is not None:
                            walk(nested, k if routes else key, depth + 1)
                            continue
                    walk(item, k if routes else key, depth + 1)
            elif isinstance(value, list):
                for item in value:
                    walk(item, key, depth + 1)
            elif key is not None and isinstance(value, str):
                found.append((key, value))

        documents = [_loads(stripped)]
        if documents[0] is None:  # JSONL: one document a line
            documents = [_loads(line) for line in stripped.splitlines() if line.strip()]
        for document in documents:
            if document is not None:
                walk(document, None)
        return found

    def _json_verdict(self, text: str) -> str | None:
        duplicates: list[str] = []
        blocked: list[str] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            # Every pair is seen here, also the ones a later duplicate overwrites.
            seen: set[str] = set()
            for key, item in items:
                lowered = key.lower()
                kind = self.key_kind(key)
                if kind is not None:
                    if lowered in seen:
                        duplicates.append(lowered)
                    if any(self.names_blocked(v) for v in self._routing_strings(item, kind)):
                        blocked.append(lowered)
                seen.add(lowered)
            return dict(items)

        try:
            value = json.loads(text, object_pairs_hook=pairs)
        except (ValueError, RecursionError):
            return "not-json"
        if blocked or any(self.names_blocked(s) for s in self._routing_strings(value)):
            return BLOCKED
        # a duplicated routing key is refused even when the last value is clean
        return AMBIGUOUS if duplicates else None

    def _routing_strings(
        self, value: Any, inside: str | None = None, depth: int = 0
    ) -> Iterator[str]:
        if depth > 64:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if inside and key.lower() in EXCLUDING_KEYS:
                    continue  # provider.ignore: [deepseek] keeps DeepSeek out
                kind = self.key_kind(key)
                under = EXACT if EXACT in (kind, inside) else (kind or inside)
                if isinstance(item, str) and self._holds_json(key):
                    nested = _loads(item)  # extra_body / config sent as a JSON string
                    if nested is not None:
                        yield from self._routing_strings(nested, under, depth + 1)
                        continue
                yield from self._routing_strings(item, under, depth + 1)
        elif isinstance(value, list):
            for item in value:
                yield from self._routing_strings(item, inside, depth + 1)
        elif inside and isinstance(value, str) and self._counts(inside, value):
            yield value

    def _pairs_verdict(self, pairs: list[tuple[str, str]]) -> str | None:
        seen: set[str] = set()
        duplicate = False
        for key, value in pairs:
            if any(f"[{k}]" in key.lower() for k in EXCLUDING_KEYS):
                continue  # provider[ignore][]=deepseek
            name = key.split("[", 1)[0]  # provider[only][]=deepseek
            lowered = name.lower()
            nested = self._holds_json(name) and value.strip()[:1] in ("{", "[")
            if nested and self.body_verdict(value) == BLOCKED:  # extra_body={"model": ...}
                return BLOCKED
            kind = self.key_kind(name)
            if kind is None:
                continue
            if self._counts(kind, value) and self.names_blocked(value):
                return BLOCKED
            duplicate |= lowered in seen and key.lower() == lowered
            seen.add(lowered)
        return AMBIGUOUS if duplicate else None


def _loads(text: str) -> Any:
    """``text`` as a JSON object or array, or None."""
    stripped = text.strip()
    if stripped[:1] not in ("{", "[") or len(stripped) > MAX_ROUTING_BODY:
        return None
    try:
        value = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, (dict, list)) else None
