"""The event schema (contract: ../shared/DESIGN.md) as small structlog processors.

Every event passes through :data:`PROCESSORS` before any sink sees it:

- an unknown event name is replaced by ``aidlp.event.invalid`` (nothing else of it kept);
- fields that are not in the event's schema are dropped (never logged);
- every kept value must match its field's shape (tokens, ids, hex digests, numbers...);
  a value that does not is replaced by ``"<redacted>"`` (or ``None``), so free text such as
  a prompt fragment, a matched value or a token can never reach a log line;
- URL paths and host labels that carry identifiers (digit runs, ``@``, ``%``, long blobs)
  are masked to ``*`` segment by segment;
- fields are ordered as in the contract, missing ones filled with ``None``.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from proxy.events.identifiers import identifying

log = logging.getLogger("aidlp.events")

REDACTED: Final = "<redacted>"
INVALID_EVENT: Final = "aidlp.event.invalid"

# ---- event names ----------------------------------------------------------------------------

REQUEST_BLOCKED: Final = "ai.request.blocked"
REQUEST_ALLOWED: Final = "ai.request.allowed"
REQUEST_APPROVED: Final = "ai.request.approved"
REQUEST_MONITORED: Final = "ai.request.monitored"
TOOL_BLOCKED: Final = "ai.tool.blocked"
SCAN_ERROR: Final = "ai.scan.error"
#: Emitted by the config reload code: ``result`` ok, with the new config's digest.
CONFIG_RELOADED: Final = "aidlp.config.reloaded"
#: A reload that failed validation; the old config stays in force.
CONFIG_RELOAD_FAILED: Final = "aidlp.config.reload_failed"
#: Emitted by the approval-store reload code (new approvals / revocations picked up).
APPROVALS_RELOADED: Final = "aidlp.approvals.reloaded"
APPROVALS_RELOAD_FAILED: Final = "aidlp.approvals.reload_failed"
#: `aidlp evidence open` (proxy/register/evidence.py): every opening of sealed evidence.
EVIDENCE_OPENED: Final = "aidlp.evidence.opened"
#: A registered approval expires within ``policy.approvals.expiry_warning_days``
#: (proxy/approvals/expiry.py); once per approval per process. Metric: aidlp_approvals_expiring.
APPROVAL_EXPIRING: Final = "aidlp.approval.expiring"

DECISION_EVENTS: Final = frozenset(
    {
        REQUEST_BLOCKED,
        REQUEST_ALLOWED,
        REQUEST_APPROVED,
        REQUEST_MONITORED,
        TOOL_BLOCKED,
        SCAN_ERROR,
    }
)
RELOAD_EVENTS: Final = frozenset(
    {CONFIG_RELOADED, CONFIG_RELOAD_FAILED, APPROVALS_RELOADED, APPROVALS_RELOAD_FAILED}
)

#: Contract field order of a decision event (``stage`` is an addition: sni | connect | request;
#: ``subject_hmacs`` too: keyed hashes of strong identifiers, see proxy/register/README.md).
DECISION_FIELDS: Final = (
    "event",
    "timestamp",
    "incident_id",
    "user",
    "client_ip",
    "tool",
    "host",
    "method",
    "path",
    "decision",
    "reason",
    "policy_clauses",
    "findings",
    "approval",
    "bytes_scanned",
    "scan_ms",
    "content_hmac",
    "stage",
    "subject_hmacs",
)
#: Reload events: ``{"event", "timestamp", "source", "result": "ok"|"failed", "reason",
#: "digest", "counts": {name: int}, "changed": [name, ...]}``.
RELOAD_FIELDS: Final = (
    "event",
    "timestamp",
    "source",
    "result",
    "reason",
    "digest",
    "counts",
    "changed",
)
#: ``{"event", "timestamp", "incident_id", "user", "result": "ok"|"failed", "reason"}``.
EVIDENCE_FIELDS: Final = ("event", "timestamp", "incident_id", "user", "result", "reason")
#: ``{"event", "timestamp", "user" (the token's sub), "approval": {"jti", "ref", "issuer"},
#: "expires" (UTC ISO-8601), "days_left"}``: never the token.
APPROVAL_EXPIRY_FIELDS: Final = ("event", "timestamp", "user", "approval", "expires", "days_left")
#: Fields filled with ``None`` when absent (optional ones are omitted instead).
OPTIONAL_FIELDS: Final = frozenset({"stage", "subject_hmacs"})

# ---- value shapes -----------------------------------------------------------------------------

#: A bounded token (ids, names, labels): the one definition, shared with reload and approvals.
TOKEN_PATTERN: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_TOKEN = TOKEN_PATTERN
_CLAUSE = re.compile(r"^[A-Z0-9][A-Z0-9.]{0,15}$")
_INCIDENT = re.compile(r"^AIDLP-[0-9A-F]{12}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@\\:%-]{0,127}$")
_METHOD = re.compile(r"^[A-Z]{1,16}$")
_SOURCE = re.compile(r"^[A-Za-z0-9_./:+@ -]{1,1024}$")
_JWT_LIKE = re.compile(r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.")
_HOST_CHARS = re.compile(r"^[A-Za-z0-9.:_-]{1,253}$")
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_.:,;=+~-]{1,40}$")
_SEGMENT_DIGITS = 4  # a path segment / host label with this many digits is masked

Check = Callable[[Any], Any]


class Redact(ValueError):
    """The value does not fit the field: replace it."""


def _fits(regex: re.Pattern[str]) -> Callable[[str], bool]:
    """A cached test: labels, tool ids, entity types... repeat in almost every event."""

    @functools.lru_cache(maxsize=4096)
    def fits(value: str) -> bool:
        return bool(regex.match(value)) and not _JWT_LIKE.search(value)

    return fits


_token_fits = _fits(_TOKEN)


def _token(value: Any) -> str:
    if isinstance(value, str) and _token_fits(value):
        return value
    raise Redact


def _optional(check: Check) -> Check:
    def inner(value: Any) -> Any:
        return None if value is None else check(value)

    return inner


def _choice(*allowed: str) -> Check:
    def inner(value: Any) -> str:
        if value in allowed:
            return value
        raise Redact

    return inner


def _pattern(regex: re.Pattern[str]) -> Check:
    fits = _fits(regex)

    def inner(value: Any) -> str:
        if isinstance(value, str) and fits(value):
            return value
        raise Redact

    return inner


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Redact
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Redact
    if not math.isfinite(value) or value < 0:
        raise Redact
    return round(float(value), 3)


def _string_check(mask: Callable[[str], str]) -> Callable[[Any], str]:
    """A check of string values only (anything else is redacted), its answers cached:
    addresses, hosts and paths repeat in almost every event."""
    cached = functools.lru_cache(maxsize=4096)(mask)

    @functools.wraps(mask)
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise Redact
        return cached(value)

    return check


@_string_check
def _ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.split("%", 1)[0]))
    except ValueError:
        raise Redact from None


def _masked_segment(segment: str) -> str:
    if not segment:
        return segment
    if (
        not _SAFE_SEGMENT.match(segment)
        or sum(map(str.isdigit, segment)) >= _SEGMENT_DIGITS
        or _JWT_LIKE.search(segment)
        or identifying(segment)  # keys, postcodes, names (proxy/events/identifiers.py)
    ):
        return "*"
    return segment


@_string_check
def mask_path(value: str) -> str:
    """The URL path without query/fragment, identifier-like segments masked to ``*``."""
    path = value.split("?", 1)[0].split("#", 1)[0][:2048]
    masked = "/".join(_masked_segment(s) for s in path.split("/"))
    return masked[:512]


@_string_check
def mask_host(value: str) -> str:
    """A host name (labels with identifiers masked to ``*``) or an IP literal."""
    host = value.strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not _HOST_CHARS.match(host):
        raise Redact
    return ".".join(_masked_segment(label) for label in host.split("."))


def _list_of(check: Check, limit: int) -> Check:
    def inner(value: Any) -> list[Any]:
        if not isinstance(value, list | tuple):
            raise Redact
        return [_or_redacted(check, item) for item in list(value)[:limit]]

    return inner


def _or_redacted(check: Check, value: Any) -> Any:
    try:
        return check(value)
    except Redact:
        return REDACTED


def _finding(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Redact
    out = {
        "category": _or_redacted(_token, value.get("category")),
        "entity_type": _or_redacted(_token, value.get("entity_type")),
        "count": _or_redacted(_count, value.get("count", 0)),
        "max_score": _or_redacted(_number, value.get("max_score", 0.0)),
        "detector": _or_redacted(_token, value.get("detector")),
    }
    if value.get("extracted_from") in EXTRACTED_FROM:  # optional: findings read out of images
        out["extracted_from"] = value["extracted_from"]
    return out


#: Where a finding's text came from, when not typed text (issue 20).
EXTRACTED_FROM = frozenset({"image"})


_APPROVAL_VALUE = _pattern(re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]{0,127}$"))


def _approval(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise Redact
    return {
        key: _or_redacted(_optional(_APPROVAL_VALUE), value.get(key))
        for key in ("jti", "ref", "issuer")
    }


def _counts(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Redact
    out: dict[str, Any] = {}
    for key, item in list(value.items())[:50]:
        if isinstance(key, str) and _TOKEN.match(key):
            out[key] = _or_redacted(_count, item)
    return out


def _subject_hmac(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise Redact
    return {
        "kind": _or_redacted(_token, value.get("kind")),
        "hmac": _or_redacted(_pattern(_HEX64), value.get("hmac")),
    }


_COMMON: dict[str, Check] = {"event": _token, "timestamp": _pattern(re.compile(r"^[0-9T:.+Z-]+$"))}

DECISION_CHECKS: dict[str, Check] = {
    **_COMMON,
    "incident_id": _optional(_pattern(_INCIDENT)),
    "user": _optional(_pattern(_USER)),
    "client_ip": _optional(_ip),
    "tool": _optional(_token),
    "host": _optional(mask_host),
    "method": _optional(_pattern(_METHOD)),
    "path": _optional(mask_path),
    "decision": _optional(_choice("allow", "block", "monitor")),
    "reason": _optional(_token),
    "policy_clauses": _list_of(_pattern(_CLAUSE), 20),
    "findings": _list_of(_finding, 100),
    "approval": _approval,
    "bytes_scanned": _optional(_count),
    "scan_ms": _optional(_number),
    "content_hmac": _optional(_pattern(_HEX64)),
    "stage": _optional(_choice("sni", "connect", "request")),
    "subject_hmacs": _optional(_list_of(_subject_hmac, 100)),
}
RELOAD_CHECKS: dict[str, Check] = {
    **_COMMON,
    "source": _optional(_pattern(_SOURCE)),
    "result": _choice("ok", "failed"),
    "reason": _optional(_token),
    "digest": _optional(_pattern(_HEX64)),
    "counts": _optional(_counts),
    "changed": _optional(_list_of(_token, 50)),
}
EVIDENCE_CHECKS: dict[str, Check] = {
    **_COMMON,
    "incident_id": _optional(_pattern(_INCIDENT)),
    "user": _optional(_pattern(_USER)),
    "result": _choice("ok", "failed"),
    "reason": _optional(_token),
}
APPROVAL_EXPIRY_CHECKS: dict[str, Check] = {
    **_COMMON,
    "user": _optional(_pattern(_USER)),
    "approval": _approval,
    "expires": _pattern(re.compile(r"^[0-9T:.+Z-]+$")),
    "days_left": _number,
}
_DEFAULTS: dict[str, Any] = {"policy_clauses": [], "findings": []}


def schema_for(event: Any) -> tuple[tuple[str, ...], dict[str, Check]] | None:
    if event in DECISION_EVENTS:
        return DECISION_FIELDS, DECISION_CHECKS
    if event in RELOAD_EVENTS:
        return RELOAD_FIELDS, RELOAD_CHECKS
    if event == EVIDENCE_OPENED:
        return EVIDENCE_FIELDS, EVIDENCE_CHECKS
    if event == APPROVAL_EXPIRING:
        return APPROVAL_EXPIRY_FIELDS, APPROVAL_EXPIRY_CHECKS
    return None


_warned: set[tuple[str, str]] = set()


def _warn_once(kind: str, name: str) -> None:
    """Warn about a programming error, naming fields/events only (never values)."""
    name = re.sub(r"[^A-Za-z0-9_.:-]", "?", str(name))[:64]
    if (kind, name) not in _warned and len(_warned) < 1000:
        _warned.add((kind, name))
        log.warning("aidlp events: %s %r removed by the event schema", kind, name)


# ---- processors ---------------------------------------------------------------------------


def add_timestamp(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """UTC ISO-8601 with milliseconds, unless the caller set one."""
    if not event_dict.get("timestamp"):
        event_dict["timestamp"] = (
            datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
    return event_dict


def reject_unknown_event(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """An event name outside the schema keeps nothing but a marker and its timestamp."""
    if schema_for(event_dict.get("event")) is None:
        _warn_once("event", event_dict.get("event"))
        return {"event": INVALID_EVENT, "timestamp": event_dict.get("timestamp")}
    return event_dict


def drop_unknown_fields(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Fields outside the event's schema are never logged."""
    schema = schema_for(event_dict.get("event"))
    if schema is None:
        return event_dict
    fields, _ = schema
    for key in [k for k in event_dict if k not in fields]:
        _warn_once(f"field of {event_dict['event']}", key)
        del event_dict[key]
    return event_dict


def check_values(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Each value must fit its field's shape, else it becomes ``<redacted>``."""
    schema = schema_for(event_dict.get("event"))
    if schema is None:
        return event_dict
    _, checks = schema
    for key, value in event_dict.items():
        try:
            event_dict[key] = checks[key](value)
        except Redact:
            _warn_once(f"value of {event_dict['event']}", key)
            event_dict[key] = REDACTED
    return event_dict


def order_fields(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Contract order; every contract field present (``None`` / ``[]`` when unset)."""
    schema = schema_for(event_dict.get("event"))
    if schema is None:
        return event_dict
    fields, _ = schema
    return {
        key: event_dict.get(key, _DEFAULTS.get(key))
        for key in fields
        if key in event_dict or key not in OPTIONAL_FIELDS
    }


PROCESSORS: Final = (
    add_timestamp,
    reject_unknown_event,
    drop_unknown_fields,
    check_values,
    order_fields,
)


def sanitise(event: Mapping[str, Any]) -> dict[str, Any]:
    """Run an event through the schema processors (what every sink receives, before JSON)."""
    event_dict = dict(event)
    for processor in PROCESSORS:
        event_dict = processor(None, "info", event_dict)
    return event_dict
