"""Which conversation a request continues: the per-tool thread specs of ``threads.yaml``.

An AI tool that keeps the conversation on its side (ChatGPT web, Claude web, the Responses
API, Assistants threads) names it in the request: in the path (``.../chat_conversations/{id}
/completion``), in a body field (``conversation_id``, ``previous_response_id``), or only in
its answer (a new chat's id, a response id the next request will refer to). A
:class:`ThreadSpec` says where, per endpoint; :class:`ThreadSpecs` finds the spec of a
request. Data, not code: the specs are ``proxy/conversation/threads.yaml``, validated at
load (a bad pattern or field names the file and the entry).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import re2
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

THREADS_FILE = Path(__file__).with_name("threads.yaml")

#: what a conversation id may look like (uuids, ``resp_...``, ``thread_...``)
_SURROGATES = re.compile("[\ud800-\udfff]")
_ID = re2.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
#: paths remembered per tool as matching no spec
_MISSES = 4096
#: a body field: a JSON key, or a dotted path of keys (``params.frontend_context_uuid``)
_FIELD = re2.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,127}$")


class ThreadSpec(BaseModel):
    """One endpoint of one tool whose requests continue a conversation kept by the tool."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    tools: tuple[str, ...] = Field(min_length=1)
    path: str = Field(min_length=2)
    request_fields: tuple[str, ...] = ()
    response_fields: tuple[str, ...] = ()
    #: query-string parameters naming the conversation (Gemini's resumable ``upload_id``)
    query_fields: tuple[str, ...] = ()
    #: an RE2 pattern with a group ``id`` searched in a request field's text, when the id is
    #: inside a string (Gemini web's ``f.req`` form field holds JSON text holding the ids)
    id_pattern: str | None = None
    #: context the tool puts in front of every later chat of the user (custom instructions,
    #: saved memories, project documents): remembered per user and tool, not per chat
    persistent: bool = False

    @field_validator("path", "id_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            re2.compile(value)
        except re2.error as exc:
            raise ValueError(f"not an RE2 pattern: {exc}") from exc
        return value

    @field_validator("request_fields", "response_fields", "query_fields")
    @classmethod
    def _fields(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _FIELD.match(name):
                raise ValueError(f"not a JSON field name: {name!r}")
        return value

    def matches(self, tool: str, path: str) -> bool:
        return tool in self.tools and _compiled(self.path).search(_path_only(path)) is not None

    def path_id(self, path: str) -> str | None:
        found = _compiled(self.path).search(_path_only(path))
        if found is None or "id" not in _compiled(self.path).groupindex:
            return None
        return conversation_id(found.group("id"))

    def query_id(self, path: str) -> str | None:
        """The first of ``query_fields`` present in the request target's query string."""
        if not self.query_fields or "?" not in path:
            return None
        query = path.split("?", 1)[1].split("#", 1)[0]
        values = dict(parse_qsl(_SURROGATES.sub("\ufffd", query), max_num_fields=64))
        for name in self.query_fields:
            found = conversation_id(values.get(name))
            if found is not None:
                return found
        return None

    def body_id(self, body: Any) -> str | None:
        """The first of ``request_fields`` present in the JSON object ``body``."""
        if not isinstance(body, dict):
            return None
        for name in self.request_fields:
            value = _field(body, name)
            if isinstance(value, dict):  # ``"conversation": {"id": "conv_..."}``
                value = value.get("id")
            if self.id_pattern is not None and isinstance(value, str):
                found_in = _compiled(self.id_pattern).search(value[:65536])
                value = found_in.group("id") if found_in is not None else None
            found = conversation_id(value)
            if found is not None:
                return found
        return None

    @property
    def reads_body(self) -> bool:
        return bool(self.request_fields)


def _field(body: dict[str, Any], name: str) -> Any:
    """``body[name]``, or the value at a dotted path of keys (``params.context_uuid``)."""
    if name in body or "." not in name:
        return body.get(name)
    value: Any = body
    for key in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


class _ThreadsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt_keys: frozenset[str] = frozenset()
    threads: list[ThreadSpec] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ThreadSpecs:
    """The specs, looked up by (tool id, path); and the keys whose one-token values stay in
    a remembered tail."""

    specs: tuple[ThreadSpec, ...]
    prompt_keys: frozenset[str] = frozenset()
    by_tool: dict[str, tuple[tuple[ThreadSpec, Any], ...]] = field(
        default_factory=dict, compare=False
    )

    #: per tool, paths known to match no spec (bounded: cleared when full)
    misses: dict[str, set[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for spec in self.specs:
            for tool in spec.tools:
                pair = (spec, _compiled(spec.path))
                self.by_tool[tool] = (*self.by_tool.get(tool, ()), pair)

    def of(self, tool: str, path: str) -> ThreadSpec | None:
        candidates = self.by_tool.get(tool)
        if not candidates:
            return None
        path = _path_only(path)
        seen = self.misses.get(tool)
        if seen is not None and path in seen:
            return None  # the same API path again (``/v1/chat/completions``): no spec
        for spec, pattern in candidates:
            if pattern.search(path) is not None:
                return spec
        if seen is None or len(seen) >= _MISSES:
            seen = self.misses[tool] = set()
        seen.add(path)
        return None


class ThreadSpecError(ValueError):
    """``threads.yaml`` is not valid (the message names the file and the entry)."""


@cache
def load_specs(path: Path = THREADS_FILE) -> ThreadSpecs:
    """The thread specs of ``path`` (loaded once)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        parsed = _ThreadsFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise ThreadSpecError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise ThreadSpecError(f"{path}: {where}") from exc
    return ThreadSpecs(tuple(parsed.threads), frozenset(k.lower() for k in parsed.prompt_keys))


def conversation_id(value: Any) -> str | None:
    """``value`` if it looks like a conversation id, else None."""
    if isinstance(value, str) and _ID.match(value):
        return value
    return None


def json_object(body: bytes) -> Any:
    """The JSON body, or a URL-encoded form's fields (Gemini web's ``f.req=...``), or None
    (then the request has no body id)."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        pass
    try:
        fields = parse_qsl(body.decode("ascii"), strict_parsing=True, max_num_fields=64)
    except (ValueError, UnicodeDecodeError):
        return None
    return dict(fields) or None


@cache
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern)


def _path_only(path: str) -> str:
    # RE2 takes UTF-8 only: a path byte that is not UTF-8 (a lone surrogate escape) is U+FFFD
    bare = path.split("?", 1)[0].split("#", 1)[0]
    return _SURROGATES.sub("\ufffd", bare)
