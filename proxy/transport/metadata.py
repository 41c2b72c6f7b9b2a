"""Request metadata as text to scan: host names, headers, cookies, the URL path and query keys,
and trailers (HTTP/2, chunked HTTP/1.1).

A prompt, an identifier or a key can travel outside the body (``OpenAI-User: AKIA…``,
``GET /v1/files/JG103729A``, a cookie, a trailer). For a request to an AI tool, these
channels become :class:`~proxy.extract.Segment` s appended to the body's extraction, so one
scan covers everything that leaves.

Narrow exemptions keep a provider's own session machinery from blocking every request; each
applies only where the catalogue says that machinery lives:

- in the tool's credential headers (``Authorization``, ``x-api-key``, ``api-key``: the
  catalogue's ``credential_headers``), the tool's own key types (its ``credential_entities``:
  Bedrock's SigV4 access key id, Copilot's GitHub token) and generic bearer-token shapes
  (``request_metadata.credential_header_entities``) do not count;
- for a tool with ``own_credentials_only`` (OpenAI, Anthropic), only its own key shape in
  those headers: a finding of its own type, a generic bearer shape on it, a JWT whose
  ``iss`` the tool declares (``credential_jwt_issuers``); an internal JWT or a password there
  counts (red team RT-63);
- in the tool's session cookies (``request_metadata.session_cookies`` and the tool's
  ``session_cookies``, exact names and their ``.N`` chunks: no globs, the client names its
  cookies) and session headers (``request_metadata.session_headers``:
  the websocket nonce, when it is one: 16 bytes, base64; and the tool's ``session_headers``), generic
  session tokens (``request_metadata.session_entities``) do not count when they are the
  value's own token: a ``key=value`` pair, a quoted or JSON value inside it still counts
  (the client names the cookie: ``my_session=db_password=…``, red team RT-63).

Everything else counts everywhere: another service's typed key (AWS, GitHub, a private key, a
Basic credential) in ``Authorization: Bearer …``, a password or JWT in a custom ``X-*``
header, any key in the path or a trailer. Other categories are never exempt.

Pure functions over header pairs: no mitmproxy import.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email.errors
import email.header
import json
import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from proxy.extract.datatypes import SEGMENT_SEPARATOR, Extraction, ExtractionError, Segment
from proxy.transport.upgrades import WEBSOCKET_KEY, is_websocket_nonce

CREDENTIAL_HEADER = "credential-header"
METADATA_PREFIXES = ("header.", "cookie", "trailer.", "path", "host", CREDENTIAL_HEADER)
MAX_METADATA_CHARS = 1024 * 1024  # more than this in headers and cookies: refused, not cut

#: Headers never scanned: a length h11 has checked is digits; the host names are scanned
#: from ``names``; aidlp's approval and the proxy's credentials never leave. Every other
#: header can carry free text to the AI host (``Accept-Language: en; note=…``,
#: ``Keep-Alive: …``), whatever its usual shape, so it is scanned.
DEFAULT_SKIP_HEADERS = ["host", "content-length", "x-aidlp-approval", "proxy-authorization"]

#: A detector entity type (``AWS_ACCESS_KEY``); a misspelt one would silently exempt nothing.
EntityType = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")]
#: A cookie name, ``*`` / ``?`` as wildcards (matched case-insensitively).
HeaderName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")]
#: An exact cookie name (case-insensitive; its ``name.0``, ``name.1`` chunks count too). No
#: wildcards: the client names its cookies, so a glob (``*session*``, ``__Secure-*``) let it
#: make any cookie an exempt channel (red team RT-63).
CookieNamePattern = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9!#$%&'+.^_`|~-]{1,64}$")]
#: A glob over a JWT's ``iss`` claim (``https://auth.openai.com*``).
IssuerGlob = Annotated[str, StringConstraints(pattern=r"^https://\S{1,200}$")]
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*")
_CHUNK = re.compile(r"\.\d{1,2}$")


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
    session_entities: list[EntityType] = Field(
        default_factory=lambda: ["GENERIC_SECRET", "GENERIC_PASSWORD", "JWT", "AUTH_HEADER_TOKEN"],
        description="Generic credential types that do not count in a tool's session cookies "
        "(session_cookies) and session headers (the catalogue's session_headers): a web "
        "app's own session cookies and anti-bot tokens look like generic secrets. Anywhere "
        "else in the metadata (a custom header, the path, a trailer) they count.",
    )
    session_cookies: list[CookieNamePattern] = Field(
        default_factory=lambda: [
            "__Secure-next-auth.session-token",
            "__Secure-next-auth.callback-url",
            "__Host-next-auth.csrf-token",
            "__Secure-authjs.session-token",
            "__Host-authjs.csrf-token",
            "cf_clearance",
            "__cf_bm",
            "_cfuvid",
            "__cflb",
        ],
        description="Exact cookie names (case-insensitive; no wildcards: the client names its "
        "cookies) that are web sessions on every AI tool; a tool adds its own in the catalogue "
        "(session_cookies).",
    )
    session_headers: list[HeaderName] = Field(
        default_factory=lambda: ["sec-websocket-key"],
        description="Headers that carry a random token on every AI tool (the websocket "
        "handshake nonce reads as a generic secret); a tool adds its own in the catalogue "
        "(session_headers). Generic session tokens do not count there; typed keys do.",
    )
    credential_header_entities: list[EntityType] = Field(
        default_factory=lambda: ["AUTH_HEADER_TOKEN", "GENERIC_SECRET", "JWT"],
        description="Generic bearer-token shapes that do not count in a tool's credential "
        "headers, besides the tool's own credential_entities. Typed keys of other services "
        "(AWS, GitHub, private keys, Basic credentials) there still count.",
    )


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(text: str) -> str:
    """``text`` with the bytes that were not UTF-8 (surrogate escapes of a path or header:
    ``caf\\udce9``) read as latin-1, as most servers read them, and any other lone surrogate
    as U+FFFD: the scanner takes real text only (it raised on them: scan_error)."""
    if not _SURROGATE.search(text):
        return text
    text = _ESCAPED_BYTE.sub(lambda m: chr(ord(m.group()) - 0xDC00), text)
    return _SURROGATE.sub("\ufffd", text)


def header_text(raw: bytes) -> str:
    """A header value as servers read it. Valid UTF-8 is read as UTF-8; other bytes are read
    both ways, because servers disagree: Node, h11, Starlette and most others decode header
    bytes as latin-1 (a raw 0xA0 is a no-break space there, red team RT-95), some as UTF-8
    (an invalid byte is a replacement character). Both readings are scanned."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace") + "\n" + raw.decode("latin-1")


def encoded_words(value: str) -> str | None:
    """``value`` with its RFC 2047 encoded-words (``=?utf-8?Q?NI_=4A=47...?=``, the B form
    too) decoded, as a mail-minded server or gateway reads them; None when it holds none."""
    if "=?" not in value or "?=" not in value:
        return None
    try:
        parts = email.header.decode_header(value)
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return None
    if all(isinstance(text, str) for text, _ in parts):
        return None  # nothing was encoded
    out = []
    for text, charset in parts:
        if isinstance(text, str):
            out.append(text)
            continue
        try:
            out.append(text.decode(charset or "latin-1", "replace"))
        except LookupError:  # an unknown charset name: its bytes as latin-1
            out.append(text.decode("latin-1"))
    return "".join(out)


def _decoded(segment: str) -> str:
    for _ in range(3):  # %254A → %4A → J
        decoded = unquote(segment)
        if decoded == segment:
            break
        segment = decoded
    return segment


#: the boundary parameter of a multipart Content-Type (a random token: ``boundary=<token>``
#: reads as a secret assignment to the credential rules, so every browser upload, whose
#: boundary is ``----WebKitFormBoundary`` and 16 random letters and digits, was blocked)
_MULTIPART_BOUNDARY = re.compile(
    r'(?i)^(\s*multipart/[^;]*(?:;.*?)?;\s*boundary\s*=\s*)("[^"]*"|[^;\s]*)'
)


def _boundary_apart(value: str) -> tuple[str, str] | None:
    """A multipart Content-Type value without its boundary, and the boundary: each is
    scanned as a segment of its own (the boundary as it is)."""
    match = _MULTIPART_BOUNDARY.match(value)
    if match is None or not match.group(2):
        return None
    rest = value[: match.start(2)] + value[match.end(2) :]
    return rest, match.group(2).strip('"')


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
        text = readable(text).strip()
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
        if lname == WEBSOCKET_KEY and not is_websocket_nonce(value):
            where = f"header.{lname}.malformed"  # not a nonce: no session exemption
        apart = _boundary_apart(value) if lname == "content-type" else None
        if apart is not None:
            add(f"{name}: {apart[0]}", where)
            add(apart[1], f"{where}.boundary")
        else:
            add(f"{name}: {value}", where)
        decoded = encoded_words(value)
        if decoded is not None:
            add(f"{name}: {decoded}", where)
    for name, value in trailers:
        if name.lower() not in skip:
            add(f"{name}: {value}", f"trailer.{name.lower()}")
            decoded = encoded_words(value)
            if decoded is not None:
                add(f"{name}: {decoded}", f"trailer.{name.lower()}")
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


#: what a session token's value never holds before the token: key=value pairs, spaces,
#: quotes, JSON, escapes (``my_session=db_password=...``: the client chose the name, red
#: team RT-63)
_STRUCTURE = frozenset("= \t&\"'{};,\\")
#: a key naming a secret right before a finding in a session value, or opening the value
#: the finding covers: the value is a key and its secret whatever the separator
#: (``db_password|...``, ``password:...``, ``secret~...``, ``pwd\u003d...``)
_KEY_BEFORE = re.compile(
    r"(?i)(?:pass|pwd|secret|token|api.?key|cred)[a-z0-9_]{0,20}"
    r"(?:[^a-z0-9_.\-]|\\u003d|\\x3d|%3d){1,6}$"
)
_KEY_OPENS = re.compile(
    r"(?i)[a-z0-9_.-]{0,40}?(?:pass|secret|token|api.?key|cred)[a-z0-9_]{0,20}"
    r"(?:[^a-z0-9_.\-]|\\u003d|\\x3d|%3d)"
)


def _is_the_token(segment: Segment, start: int, end: int) -> bool:
    """Whether a finding at ``start:end`` of a ``name: value`` session segment is the
    value's own token: nothing structured (``=`` but base64 padding, spaces, quotes, JSON,
    backslash escapes) in the value up to the finding's end, and no key naming a secret
    right before the finding or opening the value it covers."""
    _, sep, _ = segment.text.partition(": ")
    value_start = segment.text.find(": ") + 2 if sep else 0
    if start > value_start and _KEY_BEFORE.search(
        segment.text[max(value_start, start - 40) : start]
    ):
        return False
    if _KEY_OPENS.match(segment.text, value_start, end):
        return False
    return not _STRUCTURE.intersection(segment.text[value_start:end].rstrip("="))


def _cookie_name(where: str) -> str | None:
    if not where.startswith("cookie."):
        return None
    return _CHUNK.sub("", where.removeprefix("cookie.").lower())  # name.0, name.1: chunks


def jwt_issuer(token: str) -> str | None:
    """The ``iss`` claim of a compact JWT (unverified: it says whose token shape it is)."""
    match = _JWT.search(token)
    if match is None:
        return None
    payload = match.group(1)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def without_exempt_findings(
    result: Any,
    extraction: Extraction,
    *,
    tool_entities: Iterable[str] = (),
    session_headers: Iterable[str] = (),
    session_cookies: Iterable[str] = (),
    own_credentials_only: bool = False,
    jwt_issuers: Iterable[str] = (),
    settings: RequestMetadataSettings | None = None,
) -> Any:
    """``result`` (a detectors ScanResult of ``extraction.text``) without the CREDENTIALS
    findings the exemptions above cover, for a tool with these ``credential_entities``,
    ``session_headers`` and ``session_cookies``; categories recomputed. Body findings are
    never touched."""
    settings = settings or RequestMetadataSettings()
    credential_types = set(settings.credential_header_entities) | set(tool_entities)
    session_types = set(settings.session_entities)
    header_places = {f"header.{h.lower()}" for h in (*settings.session_headers, *session_headers)}
    cookie_names = {c.lower() for c in (*settings.session_cookies, *session_cookies)}
    own_types = set(tool_entities)
    issuers = [i.lower() for i in jwt_issuers]
    # the tool's own session headers carry its own tokens: a name like
    # "openai-sentinel-proof-token" makes keyword rules read the value as a provider key
    own_headers = {f"header.{h.lower()}" for h in session_headers}
    own_session_types = session_types | credential_types

    def exempt_types(where: str) -> set[str]:
        if where == CREDENTIAL_HEADER:
            return credential_types
        if where in own_headers:
            return own_session_types
        cookie = _cookie_name(where)
        if where in header_places or cookie in cookie_names:
            return session_types
        return set()

    # (start, end, types exempt there, the segment when the exemption is a session one)
    spans: list[tuple[int, int, set[str], Segment | None]] = []
    owned: list[tuple[int, int]] = []  # the tool's own credentials in its credential headers
    offset = 0
    for segment in extraction.segments:
        end = offset + len(segment.text)
        if is_metadata(segment):
            session = None if segment.where == CREDENTIAL_HEADER else segment
            spans.append((offset, end, exempt_types(segment.where), session))
            if own_credentials_only and segment.where == CREDENTIAL_HEADER and issuers:
                for match in _JWT.finditer(segment.text):
                    issuer = (jwt_issuer(match.group(0)) or "").lower()
                    if issuer and any(fnmatchcase(issuer, glob) for glob in issuers):
                        owned.append((offset + match.start(), offset + match.end()))
        offset = end + 2  # Extraction.text joins segments with "\n\n"
    if not spans or result is None:
        return result
    if own_credentials_only:
        owned += [(f.start, f.end) for f in result.findings if f.entity_type in own_types]

    def exempt(finding: Any) -> bool:
        if finding.category != "CREDENTIALS":
            return False
        for start, end, types, session in spans:
            if start <= finding.start and finding.end <= end:
                if session is not None and not _is_the_token(
                    session, finding.start - start, finding.end - start
                ):
                    return False  # a key=value inside a session cookie is no session token
                if own_credentials_only and session is None and types is credential_types:
                    # only the tool's own key shape: a generic bearer shape on it, never
                    # an internal JWT or a password in its place
                    return finding.entity_type in own_types or any(
                        a < finding.end and finding.start < b for a, b in owned
                    )
                return finding.entity_type in types
        return False

    kept = [f for f in result.findings if not exempt(f)]
    if len(kept) == len(result.findings):
        return result
    categories = sorted({f.category for f in kept})
    return dataclasses.replace(result, findings=kept, categories=categories)
