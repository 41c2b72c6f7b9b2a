"""policy.guidance: clause texts, routes and contacts pinned to the AI Security Policy's words.

Each test states the policy rule it pins (DESIGN.md, "The policy statements aidlp serves").
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from detectors.types import CATEGORIES
from proxy.guidance import Guidance

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def guidance() -> Guidance:
    raw = yaml.safe_load((ROOT / "config" / "aidlp.yaml").read_text())
    return Guidance.model_validate(raw["policy"]["guidance"])


def test_the_board_for_new_digital_tools_is_the_digital_design_authority(guidance):
    """PS1 / Annex B: new digital tools are approved by the Digital Design Authority (DDA)."""
    assert guidance.contact("dda").name == "the Digital Design Authority (DDA)"
    assert "Digital Design Authority" in guidance.statement("PS1")
    assert "Assurance" not in guidance.model_dump_json()


def test_ps2_is_approval_from_the_relevant_governance_board(guidance):
    """PS2: OFFICIAL-SENSITIVE, personal data and non-public code need explicit approval from the
    relevant governance board (Annex B)."""
    text = guidance.statement("PS2")
    for words in ("OFFICIAL-SENSITIVE", "personal data", "non-public", "explicit approval",
                  "relevant governance board", "Annex B"):  # fmt: skip
        assert words in text
    for category in ("PERSONAL_DATA", "OFFICIAL_SENSITIVE", "NON_PUBLIC_CODE", "SPECIAL_CATEGORY"):
        assert "PS2" in guidance.route(category).clauses
        assert guidance.route(category).contact == "governance"


def test_annex_a1_is_the_supplier_version_of_ps2_not_data_protection_principles(guidance):
    """Annex A1: suppliers must not use OFFICIAL-SENSITIVE, personal data or non-public code
    without the department's explicit approval (data protection principles are PS13 / A7)."""
    text = guidance.statement("A1")
    assert "suppliers" in text and "explicit approval from the department" in text
    assert "principles" not in text


def test_personal_data_cites_ps3_and_needs_a_dpia_from_the_dpo_team(guidance):
    """PS3: a DPIA is needed to process personal data with an AI tool; the DPO team is the
    DPIA contact."""
    assert "Data Protection Impact Assessment" in guidance.statement("PS3")
    route = guidance.route("PERSONAL_DATA")
    assert "PS3" in route.clauses
    assert any("DPIA" in e and "DPO" in e for e in route.evidence)


def test_special_category_cites_ps4_and_needs_an_equality_analysis(guidance):
    """PS4: an Equality Analysis where protected characteristics (Equality Act 2010) are
    processed."""
    assert "Equality Analysis" in guidance.statement("PS4")
    assert "Equality Act 2010" in guidance.statement("PS4")
    route = guidance.route("SPECIAL_CATEGORY")
    assert {"PS3", "PS4"} <= set(route.clauses)
    assert "an Equality Analysis" in route.evidence


def test_official_sensitive_and_code_are_not_sent_to_the_dpo(guidance):
    """Annex B: OFFICIAL-SENSITIVE and non-public code approvals come from the relevant
    governance board, not the DPO team's DPIA route."""
    for category in ("OFFICIAL_SENSITIVE", "NON_PUBLIC_CODE"):
        steps = " ".join(guidance.approval_steps([category]))
        assert "governance board" in steps
        assert "DPO" not in steps and "DPIA" not in steps


def test_a_credential_is_an_incident_to_report_and_rotate(guidance):
    """Compliance b): incidents are reported as soon as possible through the Security Incident
    Referral route. No policy statement covers credentials, so the block says why it still
    applies (the security policy) and that the credential must be rotated."""
    route = guidance.route("CREDENTIALS")
    assert route.incident and route.contact == "security"
    assert "PS2" not in route.clauses
    assert "security policy" in guidance.statement(route.clauses[0])
    assert "Security Incident Referral route" in guidance.statement("COMPLIANCE_B")
    assert guidance.approval_steps(["CREDENTIALS"]) == []
    steps = " ".join(guidance.incident_steps(["CREDENTIALS"]))
    assert "as soon as possible" in steps and "Security Incident Referral route" in steps
    assert "rotated" in steps


def test_incident_link_is_shown_when_configured(guidance):
    linked = guidance.model_copy(update={"incident_report_url": "https://sirf.example.gov.uk/"})
    assert "https://sirf.example.gov.uk/" in " ".join(linked.incident_steps(["CREDENTIALS"]))


def test_deepseek_cites_ps6_and_is_not_unblockable_while_others_cite_ps5(guidance):
    """PS6: DeepSeek must not be accessed. PS5: other blocked online tools may be asked for."""
    assert guidance.tool_clauses("deepseek") == ["PS6"]
    assert not guidance.tool_unblockable("deepseek")
    assert guidance.tool_clauses("some_other_tool") == ["PS5"]
    assert guidance.tool_unblockable("some_other_tool")
    assert "DeepSeek" in guidance.statement("PS6") and "unblocked" in guidance.statement("PS5")


def test_staff_wording_names_categories_in_words_not_codes(guidance):
    """Wording is for staff: 'personal data', never 'PERSONAL_DATA'."""
    text = guidance.names(["PERSONAL_DATA", "OFFICIAL_SENSITIVE"])
    assert text == "personal data and information marked OFFICIAL-SENSITIVE or above"
    for category in CATEGORIES:
        assert "_" not in guidance.name(category)


def test_an_insufficient_approval_names_only_what_it_lacks(guidance):
    """After an insufficient approval, the steps name what the token lacks, not what it covers."""
    steps = " ".join(guidance.approval_steps(["PERSONAL_DATA", "SPECIAL_CATEGORY"],
                                             missing=["SPECIAL_CATEGORY"]))  # fmt: skip
    assert "special category data" in steps and "personal data," not in steps
    assert "Equality Analysis" in steps


def test_every_category_has_a_route_and_every_cited_clause_a_text(guidance):
    for category in CATEGORIES:
        for clause in guidance.route(category).clauses:
            assert clause in guidance.statements


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories": {"PERSONAL_DATA": {"name": "x", "clauses": ["PS99"], "contact": "dpo"}}},
         "no route for"),
        ({"failure_clauses": ["PS99"]}, "not in statements: PS99"),
        ({"blocked_tools": {"deepseek": {"clauses": ["PS6"]}}}, "needs a 'default'"),
        ({"incident_report_url": "javascript:alert(1)"}, "incident_report_url"),
    ],
)  # fmt: skip
def test_bad_guidance_is_refused_with_a_clear_message(guidance, change, message):
    data = guidance.model_dump()
    data.update(change)
    with pytest.raises(ValueError, match=message):
        Guidance.model_validate(data)


def test_a_route_to_an_unknown_contact_is_refused(guidance):
    data = guidance.model_dump()
    data["categories"]["PERSONAL_DATA"]["contact"] = "nobody"
    with pytest.raises(ValueError, match="'nobody' is not a key of contacts"):
        Guidance.model_validate(data)
