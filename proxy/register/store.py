"""The usage register's storage: one SQLite file of decisions, never of content.

What a row keeps (PS11, PS13): time, event, incident id, user, client IP, tool, host,
method, stage, decision, reason, policy clauses, approval jti / reference / issuer, bytes
scanned, scan time, the content HMAC; per finding its category, entity type, detector and
count; per strong identifier its keyed subject hash. No prompt, path, matched value or token.

Rows are keyed by incident id (else by a digest of the whole sanitised event), so loading
the same events twice (live sink, then ``aidlp register import`` of the event files) keeps
one copy. Schema versions live in ``PRAGMA user_version``; :data:`MIGRATIONS` brings any
older file up to date, each step in its own transaction. Deleted rows are overwritten
(``secure_delete``), so retention really removes them from the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from proxy.events.schema import DECISION_EVENTS, sanitise

DB_NAME = "register.sqlite3"
DAY_MS = 86_400_000

#: (version, SQL) in order; never edit a released step, add a new one.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            event_key TEXT NOT NULL UNIQUE,
            ts_ms INTEGER NOT NULL,
            day TEXT NOT NULL,
            event TEXT NOT NULL,
            incident_id TEXT,
            user TEXT,
            client_ip TEXT,
            tool TEXT,
            host TEXT,
            method TEXT,
            stage TEXT,
            decision TEXT,
            reason TEXT,
            policy_clauses TEXT NOT NULL DEFAULT '',
            approval_jti TEXT,
            approval_ref TEXT,
            approval_issuer TEXT,
            bytes_scanned INTEGER NOT NULL DEFAULT 0,
            scan_ms REAL NOT NULL DEFAULT 0,
            content_hmac TEXT
        );
        CREATE INDEX decisions_ts ON decisions (ts_ms);
        CREATE INDEX decisions_user_ts ON decisions (user, ts_ms);
        CREATE INDEX decisions_incident ON decisions (incident_id);
        CREATE INDEX decisions_approval ON decisions (approval_ref, approval_jti);
        CREATE TABLE findings (
            decision_id INTEGER NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
            category TEXT NOT NULL,
            entity_type TEXT NOT NULL,
            detector TEXT,
            count INTEGER NOT NULL DEFAULT 0,
            max_score REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX findings_decision ON findings (decision_id);
        CREATE TABLE subjects (
            decision_id INTEGER NOT NULL REFERENCES decisions (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            hmac TEXT NOT NULL
        );
        CREATE INDEX subjects_hmac ON subjects (hmac);
        CREATE INDEX subjects_decision ON subjects (decision_id);
        """,
    ),
    (
        2,
        """
        CREATE TABLE evidence_openings (
            id INTEGER PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            incident_id TEXT NOT NULL,
            user TEXT,
            result TEXT NOT NULL,
            reason TEXT
        );
        CREATE INDEX evidence_openings_ts ON evidence_openings (ts_ms)
        """,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


class RegisterError(RuntimeError):
    """The register file cannot be used: the message is ready to show the user."""


def parse_timestamp(value: Any) -> int | None:
    """Epoch milliseconds of an event timestamp (ISO 8601, UTC when no offset), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def day_of(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%d")


class Occurrences:
    """How often each event digest has been seen in one stream (a file, the live sink).

    Two allowed requests can make identical events (same client, tool, text, millisecond).
    They are two requests: the second gets ``digest:1``. Loading the same stream again gives
    the same keys, so it is still stored once. Bounded: identical events are adjacent in
    time, so forgetting the oldest digests loses nothing.
    """

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._seen: OrderedDict[str, int] = OrderedDict()

    def next(self, digest: str) -> int:
        n = self._seen.pop(digest, 0)
        self._seen[digest] = n + 1
        if len(self._seen) > self.limit:
            self._seen.popitem(last=False)
        return n


def event_key(event: Mapping[str, Any], seen: Occurrences | None = None) -> str:
    """Incident id when there is one, else a digest of the sanitised event (+ occurrence)."""
    incident = event.get("incident_id")
    if isinstance(incident, str) and incident.startswith("AIDLP-"):
        return incident
    blob = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = "sha256:" + hashlib.sha256(blob.encode()).hexdigest()[:32]
    n = seen.next(digest) if seen is not None else 0
    return f"{digest}:{n}" if n else digest


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "<redacted>" else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


_INSERT_DECISION = (
    "INSERT INTO decisions (event_key, ts_ms, day, event, incident_id, user, client_ip, tool,"
    " host, method, stage, decision, reason, policy_clauses, approval_jti, approval_ref,"
    " approval_issuer, bytes_scanned, scan_ms, content_hmac)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_FINDING = (
    "INSERT INTO findings (decision_id, category, entity_type, detector, count, max_score)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_SUBJECT = "INSERT INTO subjects (decision_id, kind, hmac) VALUES (?, ?, ?)"


def _rows(
    event: dict[str, Any], ts_ms: int, key: str
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The decision row, its findings and its subject hashes (without the row id)."""
    approval = event.get("approval") or {}
    decision = (
        key,
        ts_ms,
        day_of(ts_ms),
        event["event"],
        _text(event.get("incident_id")),
        _text(event.get("user")),
        _text(event.get("client_ip")),
        _text(event.get("tool")),
        _text(event.get("host")),
        _text(event.get("method")),
        _text(event.get("stage")),
        _text(event.get("decision")),
        _text(event.get("reason")),
        ",".join(c for c in event.get("policy_clauses") or [] if _text(c)),
        _text(approval.get("jti")),
        _text(approval.get("ref")),
        _text(approval.get("issuer")),
        _int(event.get("bytes_scanned")),
        event.get("scan_ms") if isinstance(event.get("scan_ms"), float) else 0.0,
        _text(event.get("content_hmac")),
    )
    findings = [
        (f["category"], f["entity_type"], _text(f.get("detector")), _int(f["count"]),
         f["max_score"] if isinstance(f.get("max_score"), float) else 0.0)
        for f in event.get("findings") or []
        if isinstance(f, dict) and _text(f.get("category")) and _text(f.get("entity_type"))
    ]  # fmt: skip
    subjects = [
        (s["kind"], s["hmac"])
        for s in event.get("subject_hmacs") or []
        if isinstance(s, dict) and _text(s.get("kind")) and _text(s.get("hmac"))
    ]
    return decision, findings, subjects


class RegisterStore:
    """One connection to the register file. Not thread-safe: one per thread."""

    def __init__(
        self, directory: str | os.PathLike[str], *, clock: Callable[[], float] = time.time
    ) -> None:
        self.directory = Path(directory)
        self.path = self.directory / DB_NAME
        self.clock = clock
        try:
            self.directory.mkdir(mode=0o750, parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o640))
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        except (OSError, sqlite3.Error) as exc:
            raise RegisterError(f"register {self.path}: cannot open: {exc}") from None
        try:
            for pragma in (
                "journal_mode=WAL",
                "synchronous=NORMAL",
                "foreign_keys=ON",
                "secure_delete=ON",
                "busy_timeout=10000",
            ):
                self.db.execute(f"PRAGMA {pragma}")
            self.migrate()
        except sqlite3.Error as exc:
            self.db.close()
            raise RegisterError(f"register {self.path}: {exc}") from None

    # ---- schema ---------------------------------------------------------------------------

    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        current = self.version()
        if current > SCHEMA_VERSION:
            raise RegisterError(
                f"register {self.path}: schema version {current} is newer than this aidlp "
                f"({SCHEMA_VERSION}); upgrade aidlp"
            )
        for version, sql in MIGRATIONS:
            if version <= current:
                continue
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if self.version() < version:  # another process may have just done it
                    for statement in filter(str.strip, sql.split(";")):
                        self.db.execute(statement)
                    self.db.execute(f"PRAGMA user_version = {int(version)}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    # ---- writing --------------------------------------------------------------------------

    def cutoff_ms(self, retention_days: int) -> int:
        return int(self.clock() * 1000) - retention_days * DAY_MS

    def add(
        self,
        events: Iterable[Mapping[str, Any]],
        retention_days: int | None = None,
        seen: Occurrences | None = None,
        *,
        sanitised: bool = False,
    ) -> int:
        """Store decision events; returns how many were new.

        Each event goes through the event schema first, unless ``sanitised`` (the live sink:
        the recorder already ran it). Events that are not decisions, have no timestamp, or
        are already past retention are skipped. ``seen``: the stream's :class:`Occurrences`
        (one per file / sink).
        """
        cutoff = self.cutoff_ms(retention_days) if retention_days else None
        rows: dict[str, tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]] = {}
        for raw in events:
            ts_ms = parse_timestamp(raw.get("timestamp"))  # (the schema would add "now")
            if raw.get("event") not in DECISION_EVENTS or ts_ms is None:
                continue
            if cutoff is not None and ts_ms < cutoff:
                continue
            event = dict(raw) if sanitised else sanitise(raw)
            key = event_key(event, seen)
            if key not in rows:
                rows[key] = _rows(event, ts_ms, key)
        if not rows:
            return 0
        # A handful of calls per batch, not per event: few GIL hand-offs with the event loop.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            existing = self._ids(list(rows))
            new = [k for k in rows if k not in existing]
            self.db.executemany(_INSERT_DECISION, [rows[k][0] for k in new])
            ids = self._ids(new)
            self.db.executemany(_INSERT_FINDING, [(ids[k], *f) for k in new for f in rows[k][1]])
            self.db.executemany(_INSERT_SUBJECT, [(ids[k], *h) for k in new for h in rows[k][2]])
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return len(new)

    def _ids(self, keys: list[str]) -> dict[str, int]:
        """Row ids of the given event keys that are already stored."""
        found: dict[str, int] = {}
        for chunk in range(0, len(keys), 500):
            part = keys[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            found.update(
                self.db.execute(
                    f"SELECT event_key, id FROM decisions WHERE event_key IN ({marks})",  # noqa: S608 - placeholders only
                    part,
                ).fetchall()
            )
        return found

    def purge(self, retention_days: int) -> int:
        """Delete what is older than ``retention_days`` (by the store's clock); returns rows."""
        cutoff = self.cutoff_ms(retention_days)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            deleted = self.db.execute("DELETE FROM decisions WHERE ts_ms < ?", (cutoff,)).rowcount
            self.db.execute("DELETE FROM evidence_openings WHERE ts_ms < ?", (cutoff,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        if deleted:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        from proxy.register.evidence import expire  # sealed evidence: the same retention

        expire(self.directory, cutoff / 1000)
        return deleted

    def audit_opening(
        self, incident: str, user: str | None, result: str, reason: str | None
    ) -> None:
        """Record one ``aidlp evidence open`` (kept, like the decisions, until retention)."""
        self.db.execute(
            "INSERT INTO evidence_openings (ts_ms, incident_id, user, result, reason)"
            " VALUES (?, ?, ?, ?, ?)",
            (int(self.clock() * 1000), incident, user, result, reason),
        )

    # ---- reading --------------------------------------------------------------------------

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM decisions").fetchone()[0])

    def close(self) -> None:
        self.db.close()
