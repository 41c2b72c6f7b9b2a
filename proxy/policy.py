"""Policy: findings + tool + approval → Decision (allow | block | monitor).

Minimal foundation version; the full per-category / per-status policy lands with issue 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Mode(StrEnum):
    ENFORCE = "enforce"
    MONITOR = "monitor"


class PolicySettings(BaseModel):
    """The ``policy:`` config section."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = Mode.ENFORCE


#: Policy clause for each category (AI Security Policy statements / annex).
CATEGORY_CLAUSES: dict[str, list[str]] = {
    "PERSONAL_DATA": ["PS2", "A1"],
    "SPECIAL_CATEGORY": ["PS2", "PS4"],
    "OFFICIAL_SENSITIVE": ["PS2"],
    "NON_PUBLIC_CODE": ["PS2"],
    "CREDENTIALS": ["PS2"],
}
BLOCKED_TOOL_CLAUSES = ["PS6"]

DecisionAction = Literal["allow", "block", "monitor"]


@dataclass(slots=True)
class Decision:
    """What to do with one request, and why (no sensitive values)."""

    action: DecisionAction
    event: str  # ai.request.blocked | ai.request.allowed | ai.request.approved | ...
    reason: str  # clean | findings | blocked_tool | blocked_model | scan_error | ...
    clauses: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return self.action == "block"


def clauses_for(categories: list[str]) -> list[str]:
    out: list[str] = []
    for category in categories:
        for clause in CATEGORY_CLAUSES.get(category, ["PS2"]):
            if clause not in out:
                out.append(clause)
    return out


def decide(categories: list[str], settings: PolicySettings) -> Decision:
    """Decide for an online tool with no approval."""
    if not categories:
        return Decision("allow", "ai.request.allowed", "clean")
    clauses = clauses_for(categories)
    if settings.mode is Mode.MONITOR:
        return Decision("monitor", "ai.request.monitored", "findings", clauses, categories)
    return Decision("block", "ai.request.blocked", "findings", clauses, categories)


def failure(reason: str, settings: PolicySettings) -> Decision:
    """Fail closed: an error, timeout, oversize or unparseable body blocks (or is monitored)."""
    if settings.mode is Mode.MONITOR:
        return Decision("monitor", "ai.request.monitored", reason, ["PS2"])
    return Decision(
        "block",
        "ai.scan.error" if reason.startswith("scan") else "ai.request.blocked",
        reason,
        ["PS2"],
    )


def blocked_tool(reason: str = "blocked_tool") -> Decision:
    """A blocked tool (DeepSeek) is refused in every mode."""
    return Decision("block", "ai.tool.blocked", reason, list(BLOCKED_TOOL_CLAUSES))
