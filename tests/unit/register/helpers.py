"""Events shaped like the proxy's (what the recorder hands the sinks), for register tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

_ids = itertools.count(1)


def stamp(day: str, hour: int = 12) -> str:
    return f"{day}T{hour:02d}:00:00.000Z"


def epoch(day: str, hour: int = 12) -> float:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+00:00").timestamp()


def decision(
    event: str = "ai.request.allowed",
    *,
    day: str = "2026-11-30",
    hour: int = 12,
    user: str = "alice",
    tool: str = "openai",
    categories: tuple[str, ...] = (),
    reason: str | None = None,
    approval: dict[str, str] | None = None,
    subjects: list[tuple[str, str]] | None = None,
    incident: bool | None = None,
    bytes_scanned: int = 100,
) -> dict[str, Any]:
    decision_value = {
        "ai.request.blocked": "block",
        "ai.tool.blocked": "block",
        "ai.scan.error": "block",
        "ai.request.monitored": "monitor",
    }.get(event, "allow")
    if incident is None:
        incident = event != "ai.request.allowed"
    out: dict[str, Any] = {
        "event": event,
        "timestamp": stamp(day, hour),
        "incident_id": f"AIDLP-{next(_ids):012X}" if incident else None,
        "user": user,
        "client_ip": "10.0.0.7",
        "tool": tool,
        "host": "api.openai.com",
        "method": "POST",
        "path": "/v1/chat/completions",
        "decision": decision_value,
        "reason": reason or ("findings" if decision_value == "block" else None),
        "policy_clauses": ["PS2"] if categories else [],
        "findings": [
            {
                "category": c,
                "entity_type": "UK_NINO",
                "count": 1,
                "max_score": 0.9,
                "detector": "NinoRecogniser",
            }
            for c in categories
        ],
        "approval": approval,
        "bytes_scanned": bytes_scanned,
        "scan_ms": 1.5,
        "content_hmac": "ab" * 32,
    }
    if subjects:
        out["subject_hmacs"] = [{"kind": k, "hmac": h} for k, h in subjects]
    return out
