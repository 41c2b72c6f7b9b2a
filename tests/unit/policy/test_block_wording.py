"""Block wording built from policy.guidance (issue 18): each test states the rule it pins."""

from __future__ import annotations

from proxy.approvals.store import ApprovalCheck
from proxy.approvals.tokens import Approval
from proxy.guidance import default_guidance
from proxy.policy import PolicySettings, blocked_tool, decide
from proxy.responses import block_message, block_page, next_steps

PERSONAL_ONLY = Approval(
    jti="j1", ref="DPIA-1", issuer="DPO", sub="alice", categories=frozenset({"PERSONAL_DATA"}),
    tools=frozenset({"openai"}), exp=2, nbf=0, iat=0,
)  # fmt: skip


def test_an_insufficient_approval_names_what_the_token_lacks_not_what_it_covers():
    """Rule: after an insufficient approval, the message names only the missing categories."""

    def approve(categories):
        return ApprovalCheck("insufficient", PERSONAL_ONLY, "does not cover SPECIAL_CATEGORY")

    d = decide(["PERSONAL_DATA", "SPECIAL_CATEGORY"], PolicySettings(), approve=approve)
    assert d.missing == ["SPECIAL_CATEGORY"]
    steps = " ".join(next_steps(d, default_guidance()))
    assert "Remove the special category data" in steps
    assert "Remove the personal data" not in steps
    assert "Equality Analysis" in steps
    assert "does not cover special category data" in block_message(d, "inc-1")


def test_the_page_links_to_incident_reporting_when_configured():
    """Rule (Compliance b): a 'report this' link appears when a reporting URL is configured."""
    guidance = default_guidance()
    d = decide(["CREDENTIALS"], PolicySettings())
    assert 'id="report-link"' not in block_page(d, "inc-1", guidance)
    guidance.incident_report_url = "https://sirf.example.gov.uk/report"
    page = block_page(d, "inc-1", guidance)
    assert 'href="https://sirf.example.gov.uk/report" id="report-link"' in page
    assert "Security Incident Referral route" in page and "rotated" in page
    assert "Data Protection Impact" not in page  # a credential is not a DPIA matter


def test_official_sensitive_is_routed_to_the_governance_board_not_the_dpo():
    page = block_page(decide(["OFFICIAL_SENSITIVE"], PolicySettings()), "inc-1")
    assert "relevant governance board" in page and "DPO" not in page


def test_a_blocked_online_tool_shows_the_unblock_route_and_deepseek_does_not():
    """Rule (PS5): staff can ask for a blocked online tool; PS6: DeepSeek is never unblocked."""
    guidance = default_guidance()
    guidance.unblock_request_url = "https://itsm.example.gov.uk/unblock"
    other = blocked_tool(clauses=guidance.tool_clauses("some_tool"))
    page = block_page(other, "inc-1", guidance)
    assert "PS5" in page and "https://itsm.example.gov.uk/unblock" in page
    deepseek = blocked_tool(clauses=guidance.tool_clauses("deepseek"))
    page = block_page(deepseek, "inc-1", guidance)
    assert "PS6: DeepSeek must not be accessed" in page and "unblock" not in page
    assert "Digital Design Authority" in page
