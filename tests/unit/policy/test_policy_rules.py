"""The decision rules: per category, per tool status, global mode, approvals, failures."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from proxy.approvals import Approval, ApprovalCheck
from proxy.policy import (
    Decision,
    PolicySettings,
    blocked_tool,
    decide,
    failure,
)

APPROVAL = Approval(
    jti="j1",
    ref="DPIA-1",
    issuer="DPO",
    sub="alice",
    categories=frozenset({"PERSONAL_DATA"}),
    tools=frozenset({"openai"}),
    exp=2,
    nbf=0,
    iat=0,
)


def settings(**kw) -> PolicySettings:
    return PolicySettings.model_validate(kw)


def approver(result: str | None, calls: list | None = None):
    def approve(categories: list[str]) -> ApprovalCheck | None:
        if calls is not None:
            calls.append(list(categories))
        if result is None:
            return None
        return ApprovalCheck(result, None if result == "invalid" else APPROVAL, "why")

    return approve


def test_clean_is_allowed_without_checking_approval() -> None:
    calls: list = []
    d = decide([], settings(), approve=approver("valid", calls))
    assert (d.action, d.event, d.reason) == ("allow", "ai.request.allowed", "clean")
    assert calls == []
    assert d.approval is None and d.approval_result is None


@pytest.mark.parametrize(
    ("category", "clauses"),
    [
        # policy.guidance (issue 18): PS3 (DPIA) for personal data, PS4 (Equality Analysis) for
        # special category, Annex A1 (the supplier version of PS2) wherever PS2 applies; a
        # credential cites the security policy and the incident-reporting duty, not PS2
        ("PERSONAL_DATA", ["PS2", "PS3", "A1"]),
        ("SPECIAL_CATEGORY", ["PS2", "PS3", "PS4", "A1"]),
        ("OFFICIAL_SENSITIVE", ["PS2", "A1"]),
        ("NON_PUBLIC_CODE", ["PS2", "A1"]),
        ("CREDENTIALS", ["SECURITY", "COMPLIANCE_B"]),
    ],
)
def test_every_category_blocks_by_default_with_its_clauses(category, clauses) -> None:
    d = decide([category], settings())
    assert (d.action, d.event, d.reason) == ("block", "ai.request.blocked", "findings")
    assert d.clauses == clauses
    assert d.blocking == [category]
    assert d.blocked


def test_clauses_merge_without_duplicates() -> None:
    d = decide(["OFFICIAL_SENSITIVE", "SPECIAL_CATEGORY", "PERSONAL_DATA"], settings())
    assert d.clauses == ["PS2", "A1", "PS3", "PS4"]


def test_category_monitor_allows_and_records() -> None:
    d = decide(["CREDENTIALS"], settings(categories={"CREDENTIALS": "monitor"}))
    assert (d.action, d.event, d.reason) == ("monitor", "ai.request.monitored", "policy_monitor")
    assert d.categories == ["CREDENTIALS"] and d.blocking == []


def test_category_allow() -> None:
    d = decide(["CREDENTIALS"], settings(categories={"CREDENTIALS": "allow"}))
    assert (d.action, d.event, d.reason) == ("allow", "ai.request.allowed", "policy_allow")
    assert d.categories == ["CREDENTIALS"]


def test_partial_override_keeps_other_categories_blocking() -> None:
    s = settings(categories={"CREDENTIALS": "allow"})
    assert decide(["PERSONAL_DATA"], s).blocked


def test_one_blocking_category_blocks_the_request() -> None:
    s = settings(categories={"CREDENTIALS": "allow", "PERSONAL_DATA": "monitor"})
    d = decide(["CREDENTIALS", "PERSONAL_DATA", "OFFICIAL_SENSITIVE"], s)
    assert d.blocked
    assert d.blocking == ["OFFICIAL_SENSITIVE"]
    assert d.clauses == ["PS2", "A1"]


def test_approved_tool_status_policy() -> None:
    s = settings(statuses={"approved": {"categories": {"PERSONAL_DATA": "allow"}}})
    assert decide(["PERSONAL_DATA"], s, tool_status="approved").action == "allow"
    assert decide(["PERSONAL_DATA"], s, tool_status="online").blocked
    assert decide(["PERSONAL_DATA"], s).blocked  # no status: online rules
    # Categories the status does not mention fall back to the general rule.
    assert decide(["OFFICIAL_SENSITIVE"], s, tool_status="approved").blocked


def test_status_policy_can_be_stricter() -> None:
    s = settings(
        categories={"CREDENTIALS": "monitor"},
        statuses={"online": {"categories": {"CREDENTIALS": "block"}}},
    )
    assert decide(["CREDENTIALS"], s, tool_status="online").blocked
    assert decide(["CREDENTIALS"], s, tool_status="approved").action == "monitor"


def test_blocked_tool_is_always_refused() -> None:
    for mode in ("enforce", "monitor"):
        d = decide([], settings(mode=mode), tool_status="blocked", approve=approver("valid"))
        assert (d.action, d.event, d.reason, d.clauses) == (
            "block",
            "ai.tool.blocked",
            "blocked_tool",
            ["PS6"],
        )
    assert blocked_tool("blocked_model").reason == "blocked_model"


def test_blocked_status_cannot_be_given_a_policy() -> None:
    with pytest.raises(ValidationError):
        settings(statuses={"blocked": {"categories": {"PERSONAL_DATA": "allow"}}})


def test_valid_approval_allows_and_is_audited() -> None:
    calls: list = []
    d = decide(["PERSONAL_DATA"], settings(), approve=approver("valid", calls))
    assert (d.action, d.event, d.reason) == ("allow", "ai.request.approved", "approved")
    assert d.approval == {"jti": "j1", "ref": "DPIA-1", "issuer": "DPO"}
    assert d.approval_result == "valid"
    assert d.clauses == ["PS2", "PS3", "A1"]
    assert calls == [["PERSONAL_DATA"]]


def test_approval_asked_only_for_categories_that_would_block() -> None:
    calls: list = []
    s = settings(categories={"CREDENTIALS": "monitor"})
    decide(["CREDENTIALS", "PERSONAL_DATA"], s, approve=approver("valid", calls))
    assert calls == [["PERSONAL_DATA"]]
    calls.clear()
    decide(["CREDENTIALS"], s, approve=approver("valid", calls))
    assert calls == []


@pytest.mark.parametrize(
    "result", ["expired", "revoked", "invalid", "insufficient", "wrong_user", "wrong_tool"]
)
def test_unusable_approval_blocks_with_exact_reason(result: str) -> None:
    d = decide(["PERSONAL_DATA"], settings(), approve=approver(result))
    assert (d.action, d.event, d.reason) == ("block", "ai.request.blocked", result)
    assert d.approval_result == result
    assert d.approval_detail == "why"
    if result == "invalid":
        assert d.approval is None  # unverified claims are never recorded
    else:
        assert d.approval == {"jti": "j1", "ref": "DPIA-1", "issuer": "DPO"}


def test_no_approval_blocks_as_findings() -> None:
    d = decide(["PERSONAL_DATA"], settings(), approve=approver(None))
    assert d.reason == "findings" and d.approval_result is None


def test_monitor_mode_records_what_would_block() -> None:
    s = settings(mode="monitor")
    d = decide(["PERSONAL_DATA"], s)
    assert (d.action, d.event, d.reason) == ("monitor", "ai.request.monitored", "findings")
    assert d.would_block and not d.blocked
    assert d.blocking == ["PERSONAL_DATA"] and d.clauses == ["PS2", "PS3", "A1"]
    d = decide(["PERSONAL_DATA"], s, approve=approver("expired"))
    assert (d.action, d.reason, d.approval_result) == ("monitor", "expired", "expired")
    d = decide(["PERSONAL_DATA"], s, approve=approver("valid"))
    assert (d.action, d.event) == ("allow", "ai.request.approved")
    assert decide([], s).action == "allow"


@pytest.mark.parametrize("reason", ["scan_error", "scan_timeout", "overloaded"])
def test_scan_failures_fail_closed(reason: str) -> None:
    d = failure(reason, settings())
    assert (d.action, d.event, d.reason, d.clauses) == ("block", "ai.scan.error", reason, ["PS2"])
    m = failure(reason, settings(mode="monitor"))
    assert (m.action, m.event, m.would_block) == ("monitor", "ai.scan.error", True)


@pytest.mark.parametrize("reason", ["too_large", "unparseable", "uninspectable"])
def test_uninspectable_bodies_fail_closed(reason: str) -> None:
    d = failure(reason, settings())
    assert (d.action, d.event, d.reason) == ("block", "ai.request.blocked", reason)
    m = failure(reason, settings(mode="monitor"))
    assert (m.action, m.event) == ("monitor", "ai.request.monitored")


def test_decision_events_are_contract_events() -> None:
    contract = {
        "ai.request.blocked",
        "ai.request.allowed",
        "ai.request.approved",
        "ai.request.monitored",
        "ai.tool.blocked",
        "ai.scan.error",
    }
    s, m = settings(), settings(mode="monitor")
    decisions: list[Decision] = [
        decide([], s),
        decide(["PERSONAL_DATA"], s),
        decide(["PERSONAL_DATA"], m),
        decide(["PERSONAL_DATA"], s, approve=approver("valid")),
        blocked_tool(),
        failure("scan_timeout", s),
        failure("too_large", s),
        failure("too_large", m),
    ]
    assert {d.event for d in decisions} == contract


@pytest.mark.parametrize(
    "bad",
    [
        {"mode": "shadow"},
        {"categories": {"PERSONAL_DATA": "warn"}},
        {"categories": {"NAMES": "block"}},
        {"statuses": {"approved": {"categories": {"PERSONAL_DATA": "maybe"}}}},
        {"unknown": 1},
        {"guidance": {"contacts": {"dpo": {"name": "DPO", "email": "not-an-email"}}}},
        {"contacts": {"dpo": {"name": "DPO"}}},  # moved to guidance.contacts
    ],
)
def test_invalid_policy_settings_are_rejected(bad: dict) -> None:
    with pytest.raises(ValidationError):
        settings(**bad)
