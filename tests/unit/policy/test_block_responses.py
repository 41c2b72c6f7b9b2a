"""Block responses: provider shapes, headers, the HTML page, websocket close reasons."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from mitmproxy import http

from proxy.catalogue import Tool
from proxy.guidance import Contact, default_guidance
from proxy.inspection import Outcome, Subject
from proxy.inspection.style import response_style
from proxy.policy import Decision, PolicySettings, blocked_tool, decide, failure
from proxy.responses import (
    WEBSOCKET_POLICY_VIOLATION,
    block_message,
    block_page,
    render,
    websocket_close_reason,
)

INCIDENT = "AIDLP-0123456789AB"
TOOL = Tool(id="test_tool", name="Test tool", hosts=["example.ai"], status="online")


def error_style(host: str, path: str, accept: str) -> str:
    return response_style(None, host, path, "text/html" in accept)


def block_response(
    host: str, path: str, accept: str, decision: Decision, incident: str, guidance=None
) -> http.Response:
    """What the addons send for a blocked outcome refused before extraction."""
    subject = Subject(TOOL, host=host, method="POST", path=path, accept=accept)
    outcome = Outcome(
        subject, decision, style=error_style(host, path, accept), incident_id=incident
    )
    reply = render(outcome, guidance)
    return http.Response.make(reply.status, reply.body, reply.headers)


def findings_decision(**kw) -> Decision:
    return decide(["PERSONAL_DATA", "OFFICIAL_SENSITIVE"], PolicySettings(), **kw)


@pytest.mark.parametrize(
    ("host", "path", "accept", "style"),
    [
        ("api.openai.com", "/v1/chat/completions", "application/json", "openai"),
        ("chatgpt.com", "/backend-api/conversation", "*/*", "openai"),
        ("myres.openai.azure.com", "/openai/deployments/gpt/chat/completions", "", "openai"),
        ("openrouter.ai", "/api/v1/chat/completions", "", "openai"),
        ("api.anthropic.com", "/v1/messages", "application/json", "anthropic"),
        ("claude.ai", "/api/organizations/x/completion", "*/*", "anthropic"),
        ("generativelanguage.googleapis.com", "/v1beta/models/g:generateContent", "", "gemini"),
        ("europe-west2-aiplatform.googleapis.com", "/v1/x:streamGenerateContent", "", "gemini"),
        ("api.mistral.ai", "/v1/agents/run", "", "generic"),
        ("api.openai.com", "/v1/chat/completions", "text/html,application/xhtml+xml", "html"),
    ],
)
def test_error_style(host: str, path: str, accept: str, style: str) -> None:
    assert error_style(host, path, accept) == style


def _json(resp) -> dict:
    assert resp.status_code == 403
    assert resp.headers["X-AIDLP-Decision"] == "block"
    assert resp.headers["X-AIDLP-Incident"] == INCIDENT
    assert resp.headers["Content-Type"] == "application/json"
    return json.loads(resp.get_text())


def test_openai_shape() -> None:
    body = _json(
        block_response("api.openai.com", "/v1/chat/completions", "", findings_decision(), INCIDENT)
    )
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "code"}
    assert body["error"]["type"] == "policy_violation"
    assert body["error"]["code"] == "aidlp_blocked"


def test_anthropic_shape() -> None:
    body = _json(
        block_response("api.anthropic.com", "/v1/messages", "", findings_decision(), INCIDENT)
    )
    assert body["type"] == "error"
    assert set(body["error"]) == {"type", "message"}
    assert body["error"]["type"] == "permission_error"


def test_gemini_shape() -> None:
    body = _json(
        block_response(
            "generativelanguage.googleapis.com",
            "/v1beta/models/x:generateContent",
            "",
            findings_decision(),
            INCIDENT,
        )
    )
    assert body["error"]["code"] == 403
    assert body["error"]["status"] == "PERMISSION_DENIED"
    assert set(body["error"]) == {"code", "status", "message"}


def test_generic_shape_is_machine_readable() -> None:
    body = _json(block_response("api.example.ai", "/run", "", findings_decision(), INCIDENT))
    error = body["error"]
    assert error["code"] == "aidlp_blocked" and error["type"] == "policy_violation"
    assert error["incident_id"] == INCIDENT
    assert error["categories"] == ["PERSONAL_DATA", "OFFICIAL_SENSITIVE"]
    assert error["policy_clauses"] == ["PS2", "PS3", "A1"]
    assert error["reason"] == "findings"


def test_message_names_categories_clause_incident_and_approval_route() -> None:
    message = block_message(findings_decision(), INCIDENT)
    assert INCIDENT in message
    assert "personal data" in message and "OFFICIAL-SENSITIVE" in message
    assert "PERSONAL_DATA" not in message  # staff wording: names, not codes
    assert "PS2" in message and "PS3" in message and "A1" in message
    assert "DPIA" in message and "approval" in message
    assert "X-AIDLP-Approval" in message


def test_message_uses_configured_contacts() -> None:
    guidance = default_guidance()
    guidance.contacts["governance"] = Contact(name="the board", email="board@example.gov.uk")
    message = block_message(findings_decision(), INCIDENT, guidance)
    assert "board@example.gov.uk" in message


def test_special_category_message_asks_for_equality_analysis() -> None:
    d = decide(["SPECIAL_CATEGORY"], PolicySettings())
    message = block_message(d, INCIDENT)
    assert "Equality Analysis" in message and "PS4" in message


@pytest.mark.parametrize(
    ("result", "phrase"),
    [
        ("expired", "expired"),
        ("revoked", "revoked"),
        ("invalid", "not valid"),
        ("insufficient", "does not cover everything"),
        ("wrong_user", "issued to someone else"),
        ("wrong_tool", "does not cover this AI tool"),
    ],
)
def test_approval_failures_are_explained(result: str, phrase: str) -> None:
    from proxy.approvals import ApprovalCheck

    d = findings_decision(approve=lambda cats: ApprovalCheck(result, None, "detail"))
    assert phrase in block_message(d, INCIDENT)
    assert phrase in block_page(d, INCIDENT)


def test_blocked_tool_message_points_to_dda() -> None:
    message = block_message(blocked_tool(), INCIDENT)
    assert "PS6" in message and "DDA" in message and "DeepSeek" in message


@pytest.mark.parametrize(
    "reason",
    ["scan_error", "scan_timeout", "overloaded", "too_large", "unparseable", "uninspectable"],
)
def test_failure_messages(reason: str) -> None:
    message = block_message(failure(reason, PolicySettings()), INCIDENT)
    assert "not sent" in message and INCIDENT in message


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.headings: list[int] = []
        self.title = ""
        self._in_title = False
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "title":
            self._in_title = True
        for attr in ("src", "href"):
            value = a.get(attr) or ""
            if tag in ("img", "script", "link", "iframe") and value:
                self.external.append(value)
        if tag in ("script", "img", "link"):
            self.external.append(tag)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)


def test_html_page_structure() -> None:
    resp = block_response(
        "chatgpt.com", "/backend-api/conversation", "text/html", findings_decision(), INCIDENT
    )
    assert resp.status_code == 403
    assert resp.headers["Content-Type"].startswith("text/html")
    assert resp.headers["X-AIDLP-Incident"] == INCIDENT
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    page = _Page()
    page.feed(resp.get_text())
    assert page.lang == "en"
    assert INCIDENT in page.title and "blocked" in page.title.lower()
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    assert page.external == []  # no external assets, no scripts
    text = " ".join(page.text)
    for needed in (
        INCIDENT,
        "personal data",
        "PS2",
        "PS3",
        "DPIA",
        "DPO",
        "DDA",
        "What you can do next",
        "Who to contact",
        "Why this happened",
    ):
        assert needed in text
    assert "PERSONAL_DATA" not in text and "X-AIDLP" not in text  # staff wording, no headers


def test_html_escapes_configured_text() -> None:
    guidance = default_guidance()
    guidance.organisation = "<script>alert(1)</script>"
    guidance.contacts["dpo"] = Contact(name="DPO & <b>team</b>", email="dpo@example.gov.uk")
    html = block_page(findings_decision(), INCIDENT, guidance)
    assert "<script>" not in html and "<b>team" not in html
    assert "&lt;script&gt;" in html and 'href="mailto:dpo@example.gov.uk"' in html


def test_no_template_placeholders_left() -> None:
    for d in (findings_decision(), blocked_tool(), failure("too_large", PolicySettings())):
        html = block_page(d, INCIDENT)
        assert "$" not in html


def test_websocket_close_reason_fits_and_keeps_incident() -> None:
    assert WEBSOCKET_POLICY_VIOLATION == 1008
    d = decide(
        [
            "PERSONAL_DATA",
            "SPECIAL_CATEGORY",
            "OFFICIAL_SENSITIVE",
            "NON_PUBLIC_CODE",
            "CREDENTIALS",
        ],
        PolicySettings(),
    )
    reason = websocket_close_reason(d, INCIDENT)
    assert len(reason.encode()) <= 123
    assert INCIDENT in reason and reason.startswith("Blocked by aidlp")
    short = websocket_close_reason(decide(["PERSONAL_DATA"], PolicySettings()), INCIDENT)
    assert "PERSONAL_DATA" in short and "PS2" in short
