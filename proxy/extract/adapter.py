"""The adapter contract: one request format per adapter module.

An adapter declares where it applies (``hosts``, ``paths``, ``websocket``, its ``tier`` in
the registry order and ``examples`` of requests it must win), so the registry order and the
catalogue's coverage are checked by tests rather than by reading code. It implements
:meth:`Adapter.claims` and :meth:`Adapter.extract`; an adapter that finds the body is not its
format after all raises :class:`Declined` and the generic fallback reads the request.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ErrorStyle, Extraction, RequestView
from proxy.extract.values import (
    ID_FIELDS,
    body_may_be_json,
    decode_text,
    parse_json_body,
    ws_json,
)

# Registry tiers, in order: host-specific web apps, API formats (by path), body shapes
# (multipart, raw uploads), the fallback.
WEB_APP, API, BODY_SHAPE, FALLBACK = 0, 1, 2, 3


class Declined(Exception):
    """Raised by :meth:`Adapter.extract` before writing anything: not this format after all."""


def host_matches(host: str, patterns: tuple[str, ...]) -> bool:
    """Catalogue-style host patterns: an exact host, or ``*.example.com`` (any subdomain)."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


class Adapter:
    """One request format. Subclasses set the declarations below and implement
    :meth:`claims` and :meth:`extract`; an instance at module level registers it
    (:mod:`proxy.extract.registry` finds it)."""

    name: ClassVar[str] = "adapter"
    error_style: ClassVar[ErrorStyle] = "generic"
    # a web app whose answers stream: blocks on these paths are answered inside the app's own
    # stream (proxy/inapp.py), best effort; other paths get ``error_style``
    stream_style: ClassVar[str | None] = None
    stream_paths: ClassVar[tuple[re.Pattern[str], ...]] = ()
    tier: ClassVar[int] = API
    hosts: ClassVar[tuple[str, ...]] = ()  # catalogue host patterns; empty: any AI-tool host
    paths: ClassVar[tuple[re.Pattern[str], ...]] = ()  # searched in the path; empty: any path
    websocket: ClassVar[bool] = False  # reads websocket messages on its hosts (ws_value)
    ws_record: ClassVar[str] = "record"  # where-path name of a message's n-th record
    # (method, url, content type) of requests this adapter must be selected for
    examples: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    # fields whose id-shaped values the residual sweep skips (and any ``..._id`` field)
    structural_fields: ClassVar[frozenset[str]] = ID_FIELDS

    def on_host(self, view: RequestView) -> bool:
        return not self.hosts or host_matches(view.host, self.hosts)

    def on_path(self, view: RequestView) -> bool:
        return not self.paths or any(p.search(view.path) for p in self.paths)

    def claims(self, view: RequestView) -> bool:
        raise NotImplementedError

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        raise NotImplementedError

    def claims_ws(self, view: RequestView) -> bool:
        return self.websocket and self.on_host(view)

    def extract_ws(self, view: RequestView, col: Collector) -> Extraction:
        """A binary message is read as a file; a text one as records of JSON values."""
        if not view.is_text:
            col.file(view.body, "message")
            return self.result(col)
        return self.read_ws_text(decode_text(view.body), col)

    def read_ws_text(self, text: str, col: Collector) -> Extraction:
        """Each record of ``text`` (:meth:`ws_places`) unwrapped (:func:`ws_json`), each
        value to :meth:`ws_value`."""
        for where, record in self.ws_places(text):
            for value in ws_json(record):
                self.ws_value(col, value, where)
        return self.result(col)

    def ws_places(self, text: str) -> list[tuple[str, str]]:
        """``(where, record)`` of a text message's non-blank records (SignalR separates
        them with ``\\x1e``)."""
        records = [r for r in text.split("\x1e") if r.strip()]
        return [(f"{self.ws_record}[{index}]", record) for index, record in enumerate(records)]

    def ws_value(self, col: Collector, value: Any, where: str) -> None:
        """Read one JSON value (or the text itself) of a websocket message."""
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
            images=col.images,
        )


class JsonAdapter(Adapter):
    """An adapter for a JSON body on its declared hosts and paths: :meth:`walk` takes the
    known fields, then the residual sweep takes the rest. A body that is not JSON after all
    is declined (the generic fallback reads it)."""

    def claims(self, view: RequestView) -> bool:
        return body_may_be_json(view) and self.matches(view)

    def matches(self, view: RequestView) -> bool:
        return self.on_host(view) and self.on_path(view)

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        data = parse_json_body(view)
        if data is None:
            raise Declined
        model, models = self.walk(data, view, col)
        col.residual(data)
        return self.result(col, model, models)

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        """Take the known fields; return ``(model, other_models)``."""
        raise NotImplementedError


class VoiceSocketAdapter(JsonAdapter):
    """A realtime voice API (OpenAI Realtime, Gemini Live): JSON events, on its own paths,
    in a request body or as websocket messages. A binary message is raw audio the protocol
    does not define (red team RT-124): uninspectable media, never read as an unknown file.
    Subclasses read one event in :meth:`read_event` and give the model in :meth:`walk`."""

    websocket = True

    def read_event(self, col: Collector, event: Any, where: str) -> None:
        raise NotImplementedError

    def claims_ws(self, view: RequestView) -> bool:
        return self.on_host(view) and self.on_path(view)

    def extract_ws(self, view: RequestView, col: Collector) -> Extraction:
        if not view.is_text:
            col.media("audio", "message")
            return self.result(col)
        return super().extract_ws(view, col)

    def ws_places(self, text: str) -> list[tuple[str, str]]:
        return [("message", text)]

    def ws_value(self, col: Collector, value: Any, where: str) -> None:
        self.read_event(col, value, where)
        col.residual(value, where)


def style_for_host(host: str) -> ErrorStyle:
    """The error shape an API client of ``host`` understands (for unclaimed paths)."""
    host = host.lower()
    if host.endswith("anthropic.com"):
        return "anthropic"
    if host.endswith("googleapis.com"):
        return "gemini"
    if host.startswith("api.") or host.endswith(".openai.azure.com"):
        return "openai"
    return "generic"
