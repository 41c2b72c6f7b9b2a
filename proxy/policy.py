"""Policy: findings + tool + approval → Decision (allow | block | monitor).

The ``policy:`` config section sets, per category, ``block`` (the default), ``monitor`` (allow
and record) or ``allow``; tools of status ``approved`` (department-hosted) may carry their own
per-category actions; ``blocked`` tools are always refused. A category that would block can be
let through by a valid approval token that covers the tool and every such category. The
global ``mode: monitor`` (shadow rollout) lets everything through except blocked tools, and
records what enforce mode would have blocked.

Pure functions: no I/O, no mitmproxy. The approval check is passed in as a callable so that
tokens are only verified when a decision depends on them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from detectors.types import CATEGORIES, Category
from proxy.approvals.settings import ApprovalSettings
from proxy.approvals.store import ApprovalCheck
from proxy.events.schema import (
    REQUEST_ALLOWED,
    REQUEST_APPROVED,
    REQUEST_BLOCKED,
    REQUEST_MONITORED,
    SCAN_ERROR,
    TOOL_BLOCKED,
)
from proxy.guidance import Guidance, default_guidance


class Mode(StrEnum):
    ENFORCE = "enforce"
    MONITOR = "monitor"


class Action(StrEnum):
    BLOCK = "block"
    MONITOR = "monitor"
    ALLOW = "allow"


CategoryActions = dict[Category, Action]


def _default_actions() -> dict[Category, Action]:
    return dict.fromkeys(CATEGORIES, Action.BLOCK)  # type: ignore[arg-type]


class StatusPolicy(BaseModel):
    """Per-category actions for the tools of one catalogue status (overrides ``categories``)."""

    model_config = ConfigDict(extra="forbid")

    categories: CategoryActions = Field(default_factory=dict)


class PolicySettings(BaseModel):
    """The ``policy:`` config section."""

    model_config = ConfigDict(extra="forbid")

    mode: Mode = Mode.ENFORCE
    categories: CategoryActions = Field(
        default_factory=_default_actions,
        description="Action per category for online tools (and any status without its own).",
    )
    statuses: dict[Literal["approved", "online"], StatusPolicy] = Field(
        default_factory=dict,
        description="Per-status overrides, e.g. approved: {categories: {PERSONAL_DATA: allow}}. "
        "Blocked tools are always refused and cannot be given a policy.",
    )
    approvals: ApprovalSettings = ApprovalSettings()
    guidance: Guidance = Field(
        default_factory=default_guidance,
        description="What block pages and messages tell staff: statements, routes, contacts.",
    )

    def action(self, category: str, status: str | None = None) -> Action:
        """The configured action for ``category`` at a tool of ``status`` (unknown: block)."""
        override = self.statuses.get(status) if status else None  # type: ignore[call-overload]
        if override is not None and category in override.categories:
            return override.categories[category]  # type: ignore[index]
        return self.categories.get(category, Action.BLOCK)  # type: ignore[call-overload]


#: Cited by an internal error, which has no config to read (see policy.guidance).
FAILURE_CLAUSES = ("PS2",)

#: An unexpected exception in aidlp's handling of a flow: blocked in every mode.
INTERNAL_ERROR = "internal_error"
#: The scan workers are not ready yet (start-up gate): the request is refused, retried later.
UNAVAILABLE = "unavailable"

#: Fail-closed reasons: the request could not be inspected, so it is not sent.
FAILURE_REASONS = frozenset(
    {
        "scan_error",
        "scan_timeout",
        "too_large",
        "unparseable",
        "overloaded",
        "uninspectable",
        INTERNAL_ERROR,
    }
)
SCAN_FAILURES = frozenset({"scan_error", "scan_timeout", "overloaded"})

DecisionAction = Literal["allow", "block", "monitor"]


@dataclass(slots=True)
class Decision:
    """What to do with one request, and why (no sensitive values, never a token).

    ``categories`` are every category found; ``blocking`` the ones that needed approval and
    did not have it (those named in the block message). ``approval`` is the audit record
    ``{jti, ref, issuer}`` of the token considered, ``approval_result`` its check result
    (``aidlp_approvals_total{result}``). ``would_block`` is set when monitor mode let through
    what enforce mode would have blocked.
    """

    action: DecisionAction
    event: str  # a decision event name of proxy.events.schema
    reason: (
        str  # clean | findings | approved | policy_allow | policy_monitor | <approval result> | ...
    )
    clauses: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)
    approval: dict[str, str] | None = None
    approval_result: str | None = None
    approval_detail: str = ""
    would_block: bool = False
    missing: list[str] = field(default_factory=list)  # what a valid-but-insufficient token lacks

    @property
    def blocked(self) -> bool:
        return self.action == "block"


Approver = Callable[[list[str]], ApprovalCheck | None]


def decide(
    categories: Sequence[str],
    settings: PolicySettings,
    *,
    tool_status: str | None = None,
    approve: Approver | None = None,
) -> Decision:
    """Decide for a scanned request to a tool of ``tool_status`` (None: online).

    ``approve(categories_needing_approval)`` returns the approval check, or None when no
    token was presented or registered; it is only called when a category would block.
    """
    if tool_status == "blocked":
        return blocked_tool()  # the pipeline refuses blocked tools first, citing their route
    found = list(dict.fromkeys(categories))
    if not found:
        return Decision("allow", REQUEST_ALLOWED, "clean")
    actions = {c: settings.action(c, tool_status) for c in found}
    needs = [c for c in found if actions[c] is Action.BLOCK]
    monitored = [c for c in found if actions[c] is Action.MONITOR]
    shadow = settings.mode is Mode.MONITOR

    if not needs:
        if monitored:
            return Decision(
                "monitor",
                REQUEST_MONITORED,
                "policy_monitor",
                settings.guidance.clauses_for(monitored),
                found,
            )
        return Decision(
            "allow", REQUEST_ALLOWED, "policy_allow", settings.guidance.clauses_for(found), found
        )

    check = approve(needs) if approve is not None else None
    clauses = settings.guidance.clauses_for(needs)
    audit = check.approval.audit() if check is not None and check.approval else None
    result = check.result if check is not None else None
    detail = check.detail if check is not None else ""
    missing = (
        check.approval.missing(needs)
        if check is not None and result == "insufficient" and check.approval
        else []
    )
    if check is not None and check.valid:
        return Decision(
            "allow",
            REQUEST_APPROVED,
            "approved",
            clauses,
            found,
            [],
            audit,
            result,
            detail,
        )
    reason = result or "findings"
    action, event = ("monitor", REQUEST_MONITORED) if shadow else ("block", REQUEST_BLOCKED)
    return Decision(
        action,
        event,
        reason,
        clauses,
        found,
        needs,
        audit,
        result,
        detail,
        would_block=shadow,
        missing=missing,
    )


def failure(reason: str, settings: PolicySettings) -> Decision:
    """Fail closed: an error, timeout, oversize, overload, unparseable or (when so configured)
    uninspectable body, or an internal error, blocks in enforce mode. Monitor mode lets it
    through and records it. Scan failures are ``ai.scan.error`` events."""
    shadow = settings.mode is Mode.MONITOR
    if reason in SCAN_FAILURES:
        event = SCAN_ERROR
    else:
        event = REQUEST_MONITORED if shadow else REQUEST_BLOCKED
    clauses = list(settings.guidance.failure_clauses)
    if shadow:
        return Decision("monitor", event, reason, clauses, would_block=True)
    return Decision("block", event, reason, clauses)


def blocked_tool(reason: str = "blocked_tool", clauses: Sequence[str] = ("PS6",)) -> Decision:
    """A blocked tool (DeepSeek) is refused in every mode, whatever approval is presented.
    ``clauses``: what ``policy.guidance.blocked_tools`` cites for it (PS6 for DeepSeek)."""
    return Decision("block", TOOL_BLOCKED, reason, list(clauses))


def unavailable(clauses: Sequence[str] = FAILURE_CLAUSES) -> Decision:
    """The scan workers are not ready (starting, or restarting after a crash): refused with
    503 + Retry-After in every mode, recorded as a scan error (reason ``unavailable``)."""
    return Decision("block", SCAN_ERROR, UNAVAILABLE, list(clauses))


def unreadable_protocol() -> Decision:
    """A switch to a protocol aidlp cannot read (an upgrade to anything but a websocket): it
    would be relayed as raw bytes, so it is refused in every mode (reason ``unparseable``)."""
    return Decision("block", SCAN_ERROR, "unparseable", list(FAILURE_CLAUSES))


def internal_error() -> Decision:
    """An aidlp bug while handling a flow: blocked in every mode, recorded as a scan error."""
    return Decision("block", SCAN_ERROR, INTERNAL_ERROR, list(FAILURE_CLAUSES))
