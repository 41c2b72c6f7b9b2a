"""The typed decision event: one per decision, built once, read by every subscriber.

The pipeline turns an inspection outcome into a :class:`DecisionEvent`
(:mod:`proxy.inspection.record`). Two subscribers consume it: the event recorder renders
its contract fields as one JSON line (``EventRecorder.on_decision``) and the metrics count
it (``Metrics.on_decision``). Event names are the schema's constants
(:mod:`proxy.events.schema`); nothing here holds a raw value, a prompt or a token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class FindingSummary:
    """The findings of one (category, entity type, detector): how many, best score."""

    category: str
    entity_type: str
    count: int
    max_score: float
    detector: str
    extracted_from: str | None = None  # "image": found in text read by OCR (never the text)

    def fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "category": self.category,
            "entity_type": self.entity_type,
            "count": self.count,
            "max_score": self.max_score,
            "detector": self.detector,
        }
        if self.extracted_from:
            out["extracted_from"] = self.extracted_from
        return out


@dataclass(slots=True)
class DecisionEvent:
    """A decision event: the contract fields, then facts only the metrics read."""

    event: str
    incident_id: str | None
    user: str | None
    client_ip: str | None
    tool: str
    host: str | None
    method: str | None
    path: str | None
    decision: str
    reason: str
    policy_clauses: list[str]
    findings: list[FindingSummary] = field(default_factory=list)
    approval: dict[str, str] | None = None
    bytes_scanned: int = 0
    scan_ms: float = 0.0
    content_hmac: str | None = None
    stage: str | None = None  # sni | connect | request; omitted from the line when None
    subject_hmacs: list[dict[str, str]] = field(default_factory=list)  # {kind, hmac}
    # ---- for the metrics only (never in the event line) ----
    categories: list[str] = field(default_factory=list)
    approval_result: str | None = None
    scanned_chars: int | None = None  # set when a scan completed
    scan_failure: str | None = None  # scan_error | scan_timeout | overloaded

    @property
    def blocked(self) -> bool:
        return self.decision == "block"

    def fields(self) -> dict[str, Any]:
        """The event line's fields (contract: ../shared/DESIGN.md), before the schema."""
        out: dict[str, Any] = {
            "event": self.event,
            "incident_id": self.incident_id,
            "user": self.user,
            "client_ip": self.client_ip,
            "tool": self.tool,
            "host": self.host,
            "method": self.method,
            "path": self.path,
            "decision": self.decision,
            "reason": self.reason,
            "policy_clauses": list(self.policy_clauses),
            "findings": [f.fields() for f in self.findings],
            "approval": dict(self.approval) if self.approval else None,
            "bytes_scanned": self.bytes_scanned,
            "scan_ms": self.scan_ms,
            "content_hmac": self.content_hmac,
        }
        if self.stage is not None:
            out["stage"] = self.stage
        if self.subject_hmacs:  # keyed hashes of strong identifiers (proxy/register/README.md)
            out["subject_hmacs"] = [dict(h) for h in self.subject_hmacs]
        return out
