"""Request metadata as text to scan: host names, headers, cookies, the URL path and query keys,
and trailers (HTTP/2, chunked HTTP/1.1).

A prompt, an identifier or a key can travel outside the body (``OpenAI-User: AKIA…``,
``GET /v1/files/JG103729A``, a cookie, a trailer). For a request to an AI tool, these
channels become :class:`~proxy.extract.Segment` s appended to the body's extraction, so one
scan covers everything that leaves.

Two exemptions keep a provider's own session machinery from blocking every request:

- the tool's credential headers (``Authorization``, ``x-api-key``, ``api-key``, declared per
  tool in the catalogue) are excepted from the CREDENTIALS check (other categories still count);
- generic secrets (session cookies, anti-bot tokens, JWTs: ``request_metadata.session_entities``)
  and the tool's own key types (``credential_entities`` in the catalogue) found in metadata do
  not count. Typed credentials of other services (AWS, GitHub, private keys…) always do.

Pure functions over header pairs: no mitmproxy import.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field

from proxy.extract.datatypes import SEGMENT_SEPARATOR, Extraction, ExtractionError, Segment

CREDENTIAL_HEADER = "credential-header"
METADATA_PREFIXES = ("header.", "cookie", "trailer.", "path", "host", CREDENTIAL_HEADER)
MAX_METADATA_CHARS = 1024 * 1024  # more than this in headers and cookies: refused, not cut

#: Headers never scanned: a length h11 has checked is digits; the host names are scanned
#: from ``names``; aidlp's approval and the proxy's credentials never leave. Every other
#: header can carry free text to the AI host (``Accept-Language: en; note=…``,
#: ``Keep-Alive: …``), whatever its usual shape, so it is scanned.
DEFAULT_SKIP_HEADERS = ["host", "content-length", "x-aidlp-approval", "proxy-authorization"]


class RequestMetadataSettings(BaseModel):
    """The ``catalogue.request_metadata:`` config section."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=True,
        description="Scan headers, cookies, URL path and trailers of AI-tool requests.",
    )
    skip_headers: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SKIP_HEADERS),
        description="Headers never scanned (protocol machinery only); case-insensitive.",
    )
    session_entities: list[str] = Field(
        default_factory=lambda: ["GENERIC_SECRET", "GENERIC_PASSWORD", "JWT", "AUTH_HEADER_TOKEN"],
        description="Credential entity types that do not count when found in request metadata "
        "(a web app's own session cookies and anti-bot tokens look like generic secrets).",
    )


def _decoded(segment: str) -> str:
    for _ in range(3):  # %254A → %4A → J
        decoded = unquote(segment)
        if decoded == segment:
            break
        segment = decoded
    return segment


def metadata_segments(
    path: str,
    headers: Iterable[tuple[str, str]],
    trailers: Iterable[tuple[str, str]] = (),
    *,
    names: Iterable[str] = (),
    credential_headers: Iterable[str] = (),
    settings: RequestMetadataSettings | None = None,
) -> list[Segment]:
    """Segments for the host names, the URL path, the query's keys and bare pieces (its
    values are the body extraction's), a fragment (clients do not send one; a crafted
    request may), every header but the skipped ones, each cookie (with
    or without ``=``), and every trailer."""
    settings = settings or RequestMetadataSettings()
    if not settings.enabled:
        return []
    skip = {h.lower() for h in settings.skip_headers}
    credentials = {h.lower() for h in credential_headers}
    out: list[Segment] = []
    budget = MAX_METADATA_CHARS

    def add(text: str, where: str) -> None:
        nonlocal budget
        text = text.strip()
        if text:
            budget -= len(text)
            if budget < 0:  # never scan a prefix and pass the rest
                raise ExtractionError("too_large", "request headers over the metadata limit")
            out.append(Segment(text, where))

    hosts = [n for n in names if n]
    if hosts:
        add(" , ".join(hosts), "host")
    target, _, fragment = path.partition("#")  # a client may send one: it reaches the host
    bare, _, query = target.partition("?")
    parts = [_decoded(p) for p in bare.split("/") if p]
    if parts:
        add(" / ".join(parts), "path")
    if fragment.strip():
        add(_decoded(fragment), "path.fragment")
    keys = [_decoded(p.partition("=")[0].replace("+", " ")) for p in query.split("&")]
    if any(k.strip() for k in keys):
        add(" & ".join(k for k in keys if k.strip()), "path.query")
    for name, value in headers:
        lname = name.lower()
        if lname in skip or lname.startswith(":"):
            continue
        if lname == "cookie":
            for cookie in value.split(";"):
                key, sep, val = cookie.strip().partition("=")
                if sep:
                    add(f"{key}: {_decoded(val)}", f"cookie.{key[:64]}")
                else:  # a bare piece reaches the server whole (`Cookie: a=1; JG103729A`)
                    add(_decoded(key), "cookie")
            continue
        where = CREDENTIAL_HEADER if lname in credentials else f"header.{lname}"
        add(f"{name}: {value}", where)
    for name, value in trailers:
        if name.lower() not in skip:
            add(f"{name}: {value}", f"trailer.{name.lower()}")
    return out


def is_metadata(segment: Segment) -> bool:
    return segment.where.startswith(METADATA_PREFIXES)


def body_text(extraction: Extraction) -> str:
    """The extraction's text without the metadata segments (what ``content_hmac`` covers, so
    that an investigator holding a prompt can match it to its event)."""
    return "\n\n".join(s.text for s in extraction.segments if not is_metadata(s))


def prompt_end(extraction: Extraction) -> int | None:
    """Put the metadata segments last (stable) and return where they start in
    ``extraction.text``: the scanner reads them as a document of their own, so that header
    words never frame the prompt (``python-httpx`` and ``application/json`` made a
    name-and-health prompt a "programming task"). None when there is no metadata or no body."""
    segments = extraction.segments
    if not any(is_metadata(s) for s in segments):
        return None
    segments.sort(key=is_metadata)  # images read after the headers were added go before them
    body = [s for s in segments if not is_metadata(s)]
    if not body:
        return None
    return sum(len(s.text) for s in body) + len(SEGMENT_SEPARATOR) * len(body)


def without_exempt_findings(
    result: Any,
    extraction: Extraction,
    *,
    tool_entities: Iterable[str] = (),
    settings: RequestMetadataSettings | None = None,
) -> Any:
    """``result`` (a detectors ScanResult of ``extraction.text``) without the findings the
    exemptions above cover; categories recomputed. Body findings are never touched."""
    settings = settings or RequestMetadataSettings()
    exempt_types = set(settings.session_entities) | set(tool_entities)
    spans: list[tuple[int, int, bool]] = []  # (start, end, credential header)
    offset = 0
    for segment in extraction.segments:
        end = offset + len(segment.text)
        if is_metadata(segment):
            spans.append((offset, end, segment.where == CREDENTIAL_HEADER))
        offset = end + 2  # Extraction.text joins segments with "\n\n"
    if not spans or result is None:
        return result

    def exempt(finding: Any) -> bool:
        if finding.category != "CREDENTIALS":
            return False
        for start, end, credential_header in spans:
            if start <= finding.start and finding.end <= end:
                return credential_header or finding.entity_type in exempt_types
        return False

    kept = [f for f in result.findings if not exempt(f)]
    if len(kept) == len(result.findings):
        return result
    categories = sorted({f.category for f in kept})
    return dataclasses.replace(result, findings=kept, categories=categories)
