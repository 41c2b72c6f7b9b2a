"""Scrub mitmproxy's (and any library's) log lines of request content before they are written.

mitmproxy logs some protocol errors with the raw bytes it could not parse, e.g.
``Bad HTTP request line: b'GET /people/<NINO>?token=... HTTP/9.9'``. The proxy sees prompts,
tokens and identifiers in exactly those bytes, so every log record passing through the root
logger's handlers (mitmproxy's terminal log among them) is rewritten first:

- Python bytes literals (``b'...'``) → ``b'<redacted N chars>'``;
- URLs keep scheme and host; their path is masked like event paths; the query is dropped;
- ``Bearer``/``Basic`` credentials and ``token=``/``key=``/``password=``-style pairs are cut;
- long hex runs (mitmproxy prints an unparseable ClientHello in hex, SNI included) are cut;
- every other word-like token (bare host names such as ``jg103729a.openai.com`` in TLS errors,
  path segments, ids) has its identifying labels masked (:mod:`proxy.events.identifiers`).

aidlp's own listen addresses (the metrics endpoint, the proxy), registered with
:func:`exempt_own_address`, are printed as they are: exactly those host / host:port strings.

All patterns are linear-time (no nested quantifiers).
"""

from __future__ import annotations

import logging
import re

from proxy.events.identifiers import identifying
from proxy.events.schema import Redact, mask_host, mask_path

_BYTES = re.compile(r"""\bb(?:'(?:[^'\\\n]|\\.){0,65536}'|"(?:[^"\\\n]|\\.){0,65536}")""")
_URL = re.compile(r"\b(?P<scheme>(?:https?|wss?)://)(?P<host>[^/\s'\"?#]+)(?P<rest>[^\s'\"]*)")
_HEX = re.compile(r"\b[0-9a-fA-F]{32,}\b")
_TOKEN = re.compile(r"[A-Za-z0-9@_+~-][A-Za-z0-9@._+~-]{0,252}")
_AUTH = re.compile(r"(?i)\b(bearer|basic|splunk)\s+[A-Za-z0-9._~+/=-]+")
_PAIR = re.compile(
    r"(?i)\b(token|access_token|id_token|key|api[_-]?key|secret|password|passwd|pwd|auth"
    r"|authorization|session|sig|signature|code)(\s*[=:]\s*)"
    r"(?!(?i:bearer|basic|splunk)\s)[^\s&'\",;]+"
)


#: aidlp's own listen addresses ("host" and "host:port"), left readable in log lines.
_OWN_ADDRESSES: set[str] = set()


def exempt_own_address(host: str, port: int) -> None:
    """Keep aidlp's own listen address readable (operators need the real metrics address);
    nothing else is unmasked."""
    if host:
        _OWN_ADDRESSES.update({host, f"{host}:{port}", f"[{host}]:{port}"})


def _bytes(match: re.Match[str]) -> str:
    return f"b'<redacted {len(match.group(0)) - 3} chars>'"


def _url(match: re.Match[str]) -> str:
    host = match["host"]
    if host not in _OWN_ADDRESSES:
        try:
            host = mask_host(host.rsplit("@", 1)[-1])
        except Redact:
            host = "*"
    rest = match["rest"]
    try:
        path = mask_path(rest) if rest.startswith("/") else ""
    except Redact:
        path = "/*"
    return f"{match['scheme']}{host}{path}"


def _token(match: re.Match[str]) -> str:
    token = match.group(0)
    if token in _OWN_ADDRESSES:
        return token
    if "@" in token.strip("@"):
        return "*"  # an e-mail address
    if "." not in token:
        return "*" if identifying(token) else token
    labels = token.split(".")
    return ".".join("*" if identifying(label) else label for label in labels)


def scrub(text: str) -> str:
    """``text`` with request content, credentials and URL details removed."""
    text = _BYTES.sub(_bytes, text)
    text = _HEX.sub(lambda m: f"<hex {len(m.group(0)) // 2} bytes>", text)
    text = _URL.sub(_url, text)
    text = _AUTH.sub(lambda m: f"{m[1]} <redacted>", text)
    text = _PAIR.sub(lambda m: f"{m[1]}{m[2]}<redacted>", text)
    return _TOKEN.sub(_token, text)


class ScrubFilter(logging.Filter):
    """Rewrites each record's message (and traceback text) with :func:`scrub`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_aidlp_scrubbed", False):
            return True
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        record._aidlp_scrubbed = True  # type: ignore[attr-defined]
        return True


_FILTER = ScrubFilter()


def install(logger: logging.Logger | None = None) -> int:
    """Add the scrub filter to every handler of ``logger`` (default: root). Idempotent.

    Returns how many handlers carry it.
    """
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    return sum(_FILTER in h.filters for h in target.handlers)
