"""Reports over the register: the answers the AI Security Policy asks for.

- usage (PS11, A5, PS10): requests, blocks by reason and category, approvals used, by tool,
  user, day or category, with use over time;
- user (PS11, a SAR about a member of staff): one person's declared use;
- approvals (PS3): every approval used, by DPIA reference, with counts per tool;
- incidents (Compliance b): blocks with their incident ids;
- subject (a SAR about a data subject): events whose keyed identifier hashes match.

Each returns a :class:`Report` (tables, an optional chart, a JSON-able ``data``) that
``proxy/register/render.py`` prints as a table, CSV, JSON or a printable HTML page.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from proxy.register.store import DAY_MS

GROUPS = ("tool", "user", "day", "category")
NO_CATEGORY = "(none)"


@dataclass(slots=True)
class Table:
    id: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


@dataclass(slots=True)
class Chart:
    """Stacked daily counts (use over time)."""

    title: str
    days: list[str]
    series: dict[str, list[int]]


@dataclass(slots=True)
class Report:
    kind: str
    title: str
    scope: list[tuple[str, str]]
    tables: list[Table]
    data: dict[str, Any]
    chart: Chart | None = None
    generated: str = field(
        default_factory=lambda: (
            datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        )
    )


@dataclass(slots=True)
class Filters:
    """A half-open period [start_ms, end_ms) and optional user / tool."""

    start_ms: int | None = None
    end_ms: int | None = None
    user: str | None = None
    tool: str | None = None

    def where(self, alias: str = "d") -> tuple[str, list[Any]]:
        clauses, params = [], []
        for column, op, value in (
            ("ts_ms", ">=", self.start_ms),
            ("ts_ms", "<", self.end_ms),
            ("user", "=", self.user),
            ("tool", "=", self.tool),
        ):
            if value is not None:
                clauses.append(f"{alias}.{column} {op} ?")
                params.append(value)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def scope(self) -> list[tuple[str, str]]:
        out = [("Period", self.period())]
        if self.user:
            out.append(("User", self.user))
        if self.tool:
            out.append(("Tool", self.tool))
        return out

    def period(self) -> str:
        start = iso_day(self.start_ms) if self.start_ms is not None else "the start of the register"
        end = iso_day(self.end_ms - 1) if self.end_ms is not None else "now"
        return f"{start} to {end} (UTC)"


def parse_when(value: str, *, end: bool = False) -> int:
    """Epoch ms of ``YYYY-MM-DD`` (a whole day: ``end`` gives the next midnight) or ISO time."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            return int(((day + timedelta(days=1)) if end else day).timestamp() * 1000)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r}: expected YYYY-MM-DD or an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def iso_time(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_day(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d")


def outcome(event: str, decision: str | None) -> str:
    """allowed | approved | monitored | blocked: one column per request in the reports."""
    if event == "ai.request.approved":
        return "approved"
    if decision == "block":
        return "blocked"
    if decision == "monitor":
        return "monitored"
    return "allowed"


OUTCOMES = ("allowed", "approved", "monitored", "blocked")

_ROWS = (
    "SELECT d.id, d.ts_ms, d.day, d.user, d.tool, d.event, d.decision, d.reason,"
    " d.approval_jti, d.approval_ref, d.approval_issuer, d.bytes_scanned, d.incident_id,"
    " d.client_ip, d.policy_clauses,"
    " (SELECT group_concat(DISTINCT f.category) FROM findings f WHERE f.decision_id = d.id)"
    " AS categories FROM decisions d"
)


def _rows(
    db: sqlite3.Connection, filters: Filters, extra: str = "", extra_params: Iterable[Any] = ()
) -> Iterable[sqlite3.Row]:
    where, params = filters.where()
    if extra:
        where = (where + " AND " if where else " WHERE ") + extra
    db.row_factory = sqlite3.Row
    return db.execute(f"{_ROWS}{where} ORDER BY d.ts_ms, d.id", [*params, *extra_params])


def _categories(row: sqlite3.Row) -> list[str]:
    return sorted(filter(None, (row["categories"] or "").split(",")))


def _counts_text(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class _Group:
    __slots__ = ("bytes", "categories", "jtis", "outcomes", "reasons", "requests")

    def __init__(self) -> None:
        self.requests = 0
        self.outcomes: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.categories: Counter[str] = Counter()
        self.jtis: Counter[str] = Counter()
        self.bytes = 0

    def add(self, row: sqlite3.Row, cats: list[str]) -> None:
        self.requests += 1
        what = outcome(row["event"], row["decision"])
        self.outcomes[what] += 1
        if what == "blocked":
            self.reasons[row["reason"] or "unknown"] += 1
            self.categories.update(cats)
        if row["approval_jti"]:
            self.jtis[row["approval_jti"]] += 1
        self.bytes += row["bytes_scanned"] or 0

    def json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            **{name: self.outcomes[name] for name in OUTCOMES},
            "blocks_by_reason": dict(sorted(self.reasons.items())),
            "blocks_by_category": dict(sorted(self.categories.items())),
            "approvals_used": sum(self.jtis.values()),
            "distinct_approvals": len(self.jtis),
            "bytes_scanned": self.bytes,
        }

    def row(self, key: str) -> list[Any]:
        return [
            key,
            self.requests,
            *(self.outcomes[name] for name in OUTCOMES),
            _counts_text(self.reasons),
            _counts_text(self.categories),
            sum(self.jtis.values()),
            self.bytes,
        ]


USAGE_COLUMNS = [
    "requests",
    *OUTCOMES,
    "blocks by reason",
    "blocks by category",
    "approvals used",
    "bytes scanned",
]


def _day_range(first: str, last: str, limit: int = 3660) -> list[str]:
    start = datetime.strptime(first, "%Y-%m-%d")
    end = datetime.strptime(last, "%Y-%m-%d")
    days = []
    while start <= end and len(days) < limit:
        days.append(start.strftime("%Y-%m-%d"))
        start += timedelta(days=1)
    return days


def usage(db: sqlite3.Connection, filters: Filters, group_by: str = "tool") -> Report:
    if group_by not in GROUPS:
        raise ValueError(f"group by one of {', '.join(GROUPS)}")
    groups: dict[str, _Group] = defaultdict(_Group)
    total = _Group()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _rows(db, filters):
        cats = _categories(row)
        keys = (cats or [NO_CATEGORY]) if group_by == "category" else [row[group_by] or "(unknown)"]
        for key in keys:
            groups[key].add(row, cats)
        total.add(row, cats)
        per_day[row["day"]][outcome(row["event"], row["decision"])] += 1
    chart = None
    if per_day or filters.start_ms is not None:
        first = iso_day(filters.start_ms) if filters.start_ms is not None else min(per_day)
        last = (
            iso_day(filters.end_ms - 1)
            if filters.end_ms is not None
            else max(per_day or {first: None})
        )
        days = _day_range(first, max(first, last))
        chart = Chart(
            "Use over time (requests per day)",
            days,
            {name: [per_day[d][name] for d in days] for name in OUTCOMES},
        )
    ordered = sorted(groups.items())
    table = Table(
        "usage",
        f"Use by {group_by}",
        [group_by, *USAGE_COLUMNS],
        [g.row(k) for k, g in ordered] + ([total.row("total")] if ordered else []),
    )
    reasons = Table(
        "block-reasons",
        "Blocks by reason",
        ["reason", "blocks"],
        [[k, v] for k, v in sorted(total.reasons.items())],
    )
    categories = Table(
        "block-categories",
        "Blocks by category",
        ["category", "blocks"],
        [[k, v] for k, v in sorted(total.categories.items())],
    )
    return Report(
        "usage",
        "AI tool usage report",
        [*filters.scope(), ("Grouped by", group_by)],
        [table, reasons, categories],
        {
            "report": "usage",
            "period": _period_json(filters),
            "filters": {"user": filters.user, "tool": filters.tool},
            "group_by": group_by,
            "total": total.json(),
            "groups": {k: g.json() for k, g in ordered},
            "by_day": {d: dict(per_day[d]) for d in sorted(per_day)},
        },
        chart,
    )


def _period_json(filters: Filters) -> dict[str, str | None]:
    return {
        "from": iso_time(filters.start_ms) if filters.start_ms is not None else None,
        "to": iso_time(filters.end_ms) if filters.end_ms is not None else None,
    }


EVENT_COLUMNS = ["time", "tool", "outcome", "reason", "categories", "approval ref", "incident"]


def _event_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "time": iso_time(row["ts_ms"]),
        "event": row["event"],
        "incident_id": row["incident_id"],
        "user": row["user"],
        "client_ip": row["client_ip"],
        "tool": row["tool"],
        "decision": row["decision"],
        "outcome": outcome(row["event"], row["decision"]),
        "reason": row["reason"],
        "categories": _categories(row),
        "policy_clauses": [c for c in (row["policy_clauses"] or "").split(",") if c],
        "approval": (
            {
                "jti": row["approval_jti"],
                "ref": row["approval_ref"],
                "issuer": row["approval_issuer"],
            }
            if row["approval_jti"] or row["approval_ref"]
            else None
        ),
        "bytes_scanned": row["bytes_scanned"],
    }


def _event_row(event: dict[str, Any]) -> list[Any]:
    approval = event["approval"] or {}
    return [
        event["time"],
        event["tool"] or "",
        event["outcome"],
        event["reason"] or "",
        " ".join(event["categories"]),
        approval.get("ref") or "",
        event["incident_id"] or "",
    ]


def user_report(db: sqlite3.Connection, filters: Filters) -> Report:
    assert filters.user
    by_tool: dict[str, _Group] = defaultdict(_Group)
    total = _Group()
    events = []
    for row in _rows(db, filters):
        cats = _categories(row)
        by_tool[row["tool"] or "(unknown)"].add(row, cats)
        total.add(row, cats)
        events.append(_event_json(row))
    ordered = sorted(by_tool.items())
    return Report(
        "user",
        f"AI tool use by {filters.user}",
        filters.scope(),
        [
            Table("events", "Requests", EVENT_COLUMNS, [_event_row(e) for e in events]),
            Table(
                "usage",
                "Use by tool",
                ["tool", *USAGE_COLUMNS],
                [g.row(k) for k, g in ordered] + ([total.row("total")] if ordered else []),
            ),
        ],
        {
            "report": "user",
            "user": filters.user,
            "period": _period_json(filters),
            "total": total.json(),
            "tools": {k: g.json() for k, g in ordered},
            "events": events,
        },
    )


def approvals_report(db: sqlite3.Connection, filters: Filters) -> Report:
    used: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    per_ref: dict[str, Counter[str]] = defaultdict(Counter)
    for row in _rows(db, filters, "d.approval_jti IS NOT NULL"):
        key = (
            row["approval_ref"] or "(no reference)",
            row["approval_issuer"] or "",
            row["approval_jti"],
            row["tool"] or "(unknown)",
        )
        entry = used.setdefault(
            key, {"uses": 0, "users": set(), "first": row["ts_ms"], "last": row["ts_ms"]}
        )
        entry["uses"] += 1
        entry["users"].add(row["user"] or "")
        entry["last"] = row["ts_ms"]
        per_ref[key[0]][key[3]] += 1
    rows = [
        [
            ref,
            issuer,
            jti,
            tool,
            e["uses"],
            len(e["users"]),
            iso_time(e["first"]),
            iso_time(e["last"]),
        ]
        for (ref, issuer, jti, tool), e in sorted(used.items())
    ]
    return Report(
        "approvals",
        "Approvals used",
        filters.scope(),
        [
            Table(
                "approvals",
                "Every approval used",
                [
                    "DPIA reference",
                    "issuer",
                    "approval (jti)",
                    "tool",
                    "uses",
                    "users",
                    "first used",
                    "last used",
                ],
                rows,
            ),
            Table(
                "by-reference",
                "Uses per DPIA reference and tool",
                ["DPIA reference", "uses", "by tool"],
                [[ref, sum(c.values()), _counts_text(c)] for ref, c in sorted(per_ref.items())],
            ),
        ],
        {
            "report": "approvals",
            "period": _period_json(filters),
            "approvals": [
                dict(
                    zip(
                        ["ref", "issuer", "jti", "tool", "uses", "users", "first", "last"],
                        r,
                        strict=True,
                    )
                )
                for r in rows
            ],
            "by_reference": {
                ref: {"uses": sum(c.values()), "tools": dict(sorted(c.items()))}
                for ref, c in sorted(per_ref.items())
            },
        },
    )


INCIDENT_COLUMNS = ["time", "incident", "user", "tool", "event", "reason", "categories", "clauses"]


def incidents_report(db: sqlite3.Connection, filters: Filters) -> Report:
    events = [_event_json(r) for r in _rows(db, filters, "d.decision = 'block'")]
    rows = [
        [e["time"], e["incident_id"] or "", e["user"] or "", e["tool"] or "", e["event"],
         e["reason"] or "", " ".join(e["categories"]), " ".join(e["policy_clauses"])]
        for e in events
    ]  # fmt: skip
    return Report(
        "incidents",
        "Blocked requests (security incidents)",
        filters.scope(),
        [Table("incidents", "Incidents", INCIDENT_COLUMNS, rows)],
        {"report": "incidents", "period": _period_json(filters), "incidents": events},
    )


def subject_report(
    db: sqlite3.Connection, filters: Filters, hashes: dict[str, list[str]]
) -> Report:
    """``hashes``: family → the hashes of the value(s) asked about (one per key)."""
    matches: dict[int, set[str]] = defaultdict(set)
    for family, values in hashes.items():
        for chunk in range(0, len(values), 500):
            part = values[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            for decision_id, kind in db.execute(
                f"SELECT decision_id, kind FROM subjects WHERE kind = ? AND hmac IN ({marks})",  # noqa: S608 - placeholders only
                [family, *part],
            ):
                matches[decision_id].add(kind)
    events = []
    if matches:
        ids = sorted(matches)
        marks = ",".join("?" * len(ids))
        for row in _rows(db, filters, f"d.id IN ({marks})", ids):
            event = _event_json(row)
            event["identifiers"] = sorted(matches[row["id"]])
            events.append(event)
    rows = [
        [e["time"], e["incident_id"] or "", e["user"] or "", e["tool"] or "", e["outcome"],
         e["reason"] or "", " ".join(e["identifiers"]), (e["approval"] or {}).get("ref") or ""]
        for e in events
    ]  # fmt: skip
    return Report(
        "subject",
        "Subject access request: events matching the identifiers given",
        [*filters.scope(), ("Identifiers", ", ".join(sorted(hashes)) or "none")],
        [
            Table(
                "matches",
                "Matching events",
                [
                    "time",
                    "incident",
                    "user",
                    "tool",
                    "outcome",
                    "reason",
                    "identifier",
                    "approval ref",
                ],
                rows,
            )
        ],
        {
            "report": "subject",
            "period": _period_json(filters),
            "identifiers": sorted(hashes),
            "matches": events,
        },
    )


__all__ = [
    "DAY_MS",
    "GROUPS",
    "Chart",
    "Filters",
    "Report",
    "Table",
    "approvals_report",
    "incidents_report",
    "parse_when",
    "subject_report",
    "usage",
    "user_report",
]
