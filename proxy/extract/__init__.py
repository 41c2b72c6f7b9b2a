"""Prompt extraction: an AI-tool request (or websocket message) → the text segments to scan.

``extract(request)`` decodes every Content-Encoding (bounded: decompression bombs are
``too_large``), picks the first adapter in :mod:`proxy.extract.registry` that claims the
request (provider APIs, web apps, uploads; the generic fallback claims the rest), and returns
an :class:`Extraction`. Files found on the way (uploads, attachments, archive members) are
read by the file-kind registry in :mod:`proxy.extract.files`.

Layers, each importing only the ones above it: ``settings``, ``datatypes`` → ``budget``,
``values`` → ``collector`` → ``adapter``, ``files.*`` → the adapter modules → ``registry`` →
this package. Anything it cannot read safely raises :class:`ExtractionError` with
``reason`` ``unparseable`` or ``too_large``: the caller blocks (fail closed). Content it can
parse but not read (images, audio, encrypted files) is listed in ``uninspectable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from proxy.extract.adapter import Adapter, Declined
from proxy.extract.budget import Budget
from proxy.extract.collector import Collector
from proxy.extract.datatypes import Extraction, ExtractionError, RequestView, Segment
from proxy.extract.deferred_seams import DeferredSeams
from proxy.extract.encoding import decode_body
from proxy.extract.files.reader import FILES
from proxy.extract.registry import FALLBACK, select, select_ws
from proxy.extract.settings import ExtractionSettings

if TYPE_CHECKING:
    from mitmproxy import http

__all__ = [
    "Extraction",
    "ExtractionError",
    "ExtractionSettings",
    "RequestView",
    "Segment",
    "extract",
    "extract_view",
    "extract_websocket_message",
    "query_segments",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_DEFAULT_SETTINGS = ExtractionSettings()


def view_of(
    request: http.Request, max_bytes: int = DEFAULT_MAX_BYTES, notes: list[str] | None = None
) -> RequestView:
    """A decoded :class:`RequestView` of a mitmproxy request (Content-Encoding undone;
    ``notes`` collects what the codings carry besides the body: gzip FNAME / FCOMMENT)."""
    raw = request.raw_content or b""
    body = decode_body(raw, request.headers.get("content-encoding", ""), max_bytes, notes)
    path, _, query = request.path.partition("?")
    return RequestView(
        method=request.method.upper(),
        host=request.pretty_host,
        path=path,
        query=query,
        content_type=request.headers.get("content-type", ""),
        body=body,
        headers={k.lower(): v for k, v in request.headers.items()},
    )


def extract(
    request: http.Request,
    settings: ExtractionSettings | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Extraction:
    """Segments of ``request``'s body. Raises :class:`ExtractionError` (fail closed)."""
    return extract_view(view_of(request, max_bytes), settings, max_bytes)


def extract_view(
    view: RequestView,
    settings: ExtractionSettings | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Extraction:
    """Segments of an already-decoded request view."""
    settings = settings or _DEFAULT_SETTINGS
    if len(view.body) > max_bytes:
        raise ExtractionError("too_large", "body over the size limit")
    extraction = Extraction()
    if view.body:
        budget = Budget(settings, max_bytes)
        adapter = select(view)
        try:
            try:
                extraction = adapter.extract(view, _collector(settings, budget, adapter))
            except Declined:
                extraction = FALLBACK.extract(view, _collector(settings, budget, FALLBACK))
        except RecursionError as exc:
            raise ExtractionError("unparseable", "body nested too deeply") from exc
    extraction.segments.extend(query_segments(view.query, settings, max_bytes))
    extraction.seams = DeferredSeams(extraction.segments)  # built where scanned
    return extraction


def _collector(settings: ExtractionSettings, budget: Budget, adapter: Adapter) -> Collector:
    return Collector(settings, budget, FILES, adapter.structural_fields)


def query_segments(
    query: str, settings: ExtractionSettings | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Segment]:
    """URL query values (``chatgpt.com/?q=...``, ``perplexity.ai/search?q=...`` carry prompts)."""
    if not query:
        return []
    settings = settings or _DEFAULT_SETTINGS
    col = Collector(settings, Budget(settings, max_bytes), FILES)
    for key, value in parse_qsl(query, keep_blank_values=False):
        col.text(value, f"query.{key}", context=key)
    return col.segments


def extract_websocket_message(
    host: str,
    path: str,
    content: bytes,
    is_text: bool,
    settings: ExtractionSettings | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Extraction:
    """Segments of one client→server websocket message on ``host``/``path``."""
    settings = settings or _DEFAULT_SETTINGS
    if len(content) > max_bytes:
        raise ExtractionError("too_large", "websocket message over the size limit")
    if not content:
        return Extraction()
    path, _, query = path.partition("?")
    view = RequestView(
        method="WEBSOCKET",
        host=host,
        path=path,
        query=query,
        body=content,
        websocket=True,
        is_text=is_text,
    )
    adapter = select_ws(view)
    col = _collector(settings, Budget(settings, max_bytes), adapter)
    try:
        result: Extraction = adapter.extract_ws(view, col)
    except RecursionError as exc:
        raise ExtractionError("unparseable", "message nested too deeply") from exc
    result.seams = DeferredSeams(result.segments)
    return result
