"""Blocked models (DeepSeek) matched in every place a provider routes by.

A request reaches a model through more than its JSON ``model`` field: the URL path (Azure
``/openai/deployments/deepseek-r1/…``, Hugging Face ``/models/deepseek-ai/…``, Bedrock
``/model/deepseek.r1-v1:0/invoke``, Vertex ``/publishers/deepseek-ai/…``), the query string,
provider preferences (OpenRouter ``provider.only`` / ``order``), form fields and websocket
frames. This module looks at all of them, whatever the Content-Type says:

- a body that parses as JSON (leading whitespace allowed) is treated as JSON;
- a routing field (``catalogue.routing_fields``) anywhere in it, at any depth, is checked,
  and every string under it (lists, nested provider preferences) counts;
- a routing field given twice in one object is refused: servers disagree on which wins;
- routing headers (``catalogue.routing_headers``: ``x-model``, ``x-portkey-provider``,
  ``azureml-model-deployment``...) are checked like routing fields.

A model name matches a marker the way a router reads it: past invisible, full-width and
look-alike characters, in any case, and with separators ignored (``Deep-Seek``).

Some names do not say which model serves them (an OpenRouter ``@preset/…``, an Azure
deployment the tenant named): :meth:`RoutingCheck.routing_values` lists what a request routes
by, for the catalogue's ``opaque_models`` check (``catalogue.unknown_models``).

Pure functions: no mitmproxy import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from detectors.normalise import unicode_fold

BLOCKED = "blocked_model"
UNKNOWN = "unknown_model"  # the name does not say which model serves it (catalogue.unknown_models)
AMBIGUOUS = "unparseable"  # duplicate routing keys: fail closed
MAX_ROUTING_BODY = 32 * 1024 * 1024
RECORD_SEPARATORS = ("\x1e", "\n")  # SignalR records, NDJSON
#: Keys inside a routing field that list what must NOT serve the request (OpenRouter's
#: provider.ignore): a blocked model named there keeps it away, it does not ask for it.
EXCLUDING_KEYS = frozenset({"ignore"})


_SEPARATORS = re.compile(r"[^0-9a-z]+")


def model_forms(value: str) -> tuple[str, str]:
    """(``value`` as a router reads it, the same without separators)."""
    folded = unicode_fold(value)[0].lower()
    return folded, _SEPARATORS.sub("", folded)


def matches_glob(value: str, globs: Iterable[str]) -> bool:
    """``value`` (case-insensitive, folded) matches one of ``globs``."""
    folded = unicode_fold(value)[0].lower().strip()
    return any(fnmatchcase(folded, g.lower()) for g in globs)


class RoutingCheck:
    """``markers``: substrings naming blocked model families; ``fields``: the JSON / form keys
    providers route by; ``headers``: name globs of the headers they route by (all
    case-insensitive)."""

    def __init__(
        self, markers: Iterable[str], fields: Iterable[str], headers: Iterable[str] = ()
    ) -> None:
        self.markers = tuple(m.lower() for m in markers if m)
        self._forms = tuple(
            (folded, compact) for folded, compact in map(model_forms, self.markers) if folded
        )
        self.fields = frozenset(f.lower() for f in fields)
        self.headers = tuple(h.lower() for h in headers)

    def names_blocked(self, value: str) -> bool:
        folded, compact = model_forms(value)
        return any(
            marker in folded or (short and short in compact) for marker, short in self._forms
        )

    def is_routing_header(self, name: str) -> bool:
        lowered = name.lower()
        return any(fnmatchcase(lowered, glob) for glob in self.headers)

    def headers_verdict(self, headers: Iterable[tuple[str, str]]) -> str | None:
        """A routing header (``x-model: deepseek-r1``) naming a blocked model: blocked."""
        if not self.markers:
            return None
        for name, value in headers:
            if self.is_routing_header(name) and self.names_blocked(value):
                return BLOCKED
        return None

    def routing_values(
        self, path: str, headers: Iterable[tuple[str, str]], body: bytes | str = b""
    ) -> list[str]:
        """What the request routes by, each as ``value`` and ``field=value``: routing fields of
        the query and of a JSON or form body (any depth), and routing headers."""
        _, _, query = path.partition("#")[0].partition("?")
        pairs = [(k.lower().split("[", 1)[0], v) for k, v in parse_qsl(query, True)]
        pairs += [(n.lower(), v) for n, v in headers if self.is_routing_header(n)]
        pairs += self._body_pairs(body)
        out: list[str] = []
        for key, value in pairs:
            if key in self.fields or self.is_routing_header(key):
                out += [value, f"{key}={value}"]
        return out

    def url_verdict(self, path: str) -> str | None:
        """``path`` with its query: a blocked marker anywhere in the (decoded) path, or in a
        routing field of the query."""
        if not self.markers:
            return None
        bare, _, query = path.partition("?")
        decoded = bare
        for _ in range(3):  # %2564eepseek → %64eepseek → deepseek
            decoded = unquote_plus(decoded)
        if self.names_blocked(decoded) or self.names_blocked(bare):
            return BLOCKED
        return self._pairs_verdict(parse_qsl(query, keep_blank_values=True))

    def body_verdict(self, body: bytes | str) -> str | None:
        """A JSON, form or record-separated body: blocked, ambiguous, or None (clean)."""
        if not self.markers or not body or len(body) > MAX_ROUTING_BODY:
            return None
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
                    verdicts = [self._json_verdict(r.strip()) for r in records]
                    for wanted in (BLOCKED, AMBIGUOUS):
                        if wanted in verdicts:
                            return wanted
            return None
        if "=" in stripped and "\n" not in stripped[:2048]:
            return self._pairs_verdict(parse_qsl(stripped, keep_blank_values=True))
        return None

    # ---- helpers --------------------------------------------------------------------------

    def _body_pairs(self, body: bytes | str) -> list[tuple[str, str]]:
        if not body or len(body) > MAX_ROUTING_BODY:
            return []
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        stripped = text.strip().lstrip("\ufeff").strip()
        if stripped[:1] not in ("{", "["):
            if "=" in stripped and "\n" not in stripped[:2048]:
                return [
                    (k.lower().split("[", 1)[0], v)
                    for k, v in parse_qsl(stripped, keep_blank_values=True)
                ]
            return []
        found: list[tuple[str, str]] = []

        def walk(value: Any, key: str | None, depth: int = 0) -> None:
            if depth > 64:
                return
            if isinstance(value, dict):
                for k, item in value.items():
                    lowered = k.lower()
                    walk(item, lowered if lowered in self.fields else key, depth + 1)
            elif isinstance(value, list):
                for item in value:
                    walk(item, key, depth + 1)
            elif key is not None and isinstance(value, str):
                found.append((key, value))

        try:
            walk(json.loads(stripped), None)
        except (ValueError, RecursionError):
            return []
        return found

    def _json_verdict(self, text: str) -> str | None:
        duplicates: list[str] = []
        blocked: list[str] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            # Every pair is seen here, also the ones a later duplicate overwrites.
            seen: set[str] = set()
            for key, item in items:
                lowered = key.lower()
                if lowered in self.fields:
                    if lowered in seen:
                        duplicates.append(lowered)
                    if any(self.names_blocked(v) for v in self._routing_strings(item, True)):
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

    def _routing_strings(self, value: Any, inside: bool = False, depth: int = 0) -> Iterator[str]:
        if depth > 64:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if inside and key.lower() in EXCLUDING_KEYS:
                    continue  # provider.ignore: [deepseek] keeps DeepSeek out
                yield from self._routing_strings(
                    item, inside or key.lower() in self.fields, depth + 1
                )
        elif isinstance(value, list):
            for item in value:
                yield from self._routing_strings(item, inside, depth + 1)
        elif inside and isinstance(value, str):
            yield value

    def _pairs_verdict(self, pairs: list[tuple[str, str]]) -> str | None:
        seen: set[str] = set()
        duplicate = False
        for key, value in pairs:
            if any(f"[{k}]" in key.lower() for k in EXCLUDING_KEYS):
                continue  # provider[ignore][]=deepseek
            lowered = key.lower().split("[", 1)[0]  # provider[only][]=deepseek
            if lowered in self.fields:
                if self.names_blocked(value):
                    return BLOCKED
                duplicate |= lowered in seen and key.lower() == lowered
                seen.add(lowered)
        return AMBIGUOUS if duplicate else None
