"""Act: the one way a blocked outcome is answered — a 403 in the client's own error shape,
an accessible HTML page, or a websocket close.

:func:`render` reads the shape the pipeline chose (``Outcome.style``) and returns a plain
:class:`Reply`; the addons turn it into a mitmproxy response.

API clients get the provider's error JSON (OpenAI, Anthropic, Gemini, or a generic form) so
their SDKs raise a permission error carrying our message. Browsers (``Accept: text/html``)
get a GOV.UK-style page. Every block carries ``X-AIDLP-Decision: block`` and
``X-AIDLP-Incident``. Messages name categories and clauses, never values or tokens.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from proxy.approvals.header import APPROVAL_HEADER
from proxy.events.schema import TOOL_BLOCKED
from proxy.guidance import Contact, Guidance, default_guidance
from proxy.inapp import IN_APP_STYLES, explanation, render_stream
from proxy.inspection.model import Outcome
from proxy.policy import FAILURE_REASONS, Decision

DECISION_HEADER = "X-AIDLP-Decision"
INCIDENT_HEADER = "X-AIDLP-Incident"
WEBSOCKET_POLICY_VIOLATION = 1008
_WS_REASON_MAX_BYTES = 123  # RFC 6455: close reason fits a 125-byte control frame

#: Why an approval token was not accepted, in plain words.
APPROVAL_PROBLEMS: dict[str, str] = {
    "expired": "your approval token has expired",
    "revoked": "your approval token has been withdrawn (revoked)",
    "invalid": "your approval token is not valid",
    "insufficient": "your approval token does not cover everything this request contains",
    "wrong_user": "your approval token was issued to someone else",
    "wrong_tool": "your approval token does not cover this AI tool",
}

FAILURE_TEXT: dict[str, str] = {
    "scan_error": "aidlp could not check this request, so it was not sent",
    "scan_timeout": "aidlp could not check this request in time, so it was not sent",
    "overloaded": "aidlp was too busy to check this request, so it was not sent",
    "too_large": "this request is larger than aidlp can check, so it was not sent",
    "unparseable": "aidlp could not read the content of this request, so it was not sent",
    "uninspectable": "this request carries content aidlp cannot inspect (such as images, "
    "audio or encrypted files), so it was not sent",
    "internal_error": "aidlp hit an internal error while checking this request, so it was not sent",
}

# ---- wording (the words come from policy.guidance: proxy/guidance.py) --------------------------


def _is_tool_block(decision: Decision) -> bool:
    return decision.event == TOOL_BLOCKED


def summary(decision: Decision, guidance: Guidance) -> str:
    """One sentence: what was blocked and why (category names, never codes or values)."""
    if _is_tool_block(decision):
        if decision.reason == "blocked_model":
            return "The AI model requested is blocked: DeepSeek models must never be used"
        if decision.reason == "unknown_model":
            return (
                "The AI model requested is named only by a preset or deployment, which could "
                "be a DeepSeek model: DeepSeek models must never be used"
            )
        if "PS6" in decision.clauses:
            return "This AI tool is blocked: DeepSeek must never be accessed"
        return "This AI tool is blocked for use in " + guidance.organisation
    if decision.reason in FAILURE_REASONS:
        return FAILURE_TEXT[decision.reason].capitalize()
    cats = decision.blocking or decision.categories
    text = f"This request contains {guidance.names(cats)}" if cats else "This request was blocked"
    if decision.approval_result in APPROVAL_PROBLEMS:
        text += f", and {APPROVAL_PROBLEMS[decision.approval_result]}"
        if decision.missing:
            text += f": it does not cover {guidance.names(decision.missing)}"
    return text


def next_steps(decision: Decision, guidance: Guidance) -> list[str]:
    """What the person can do, in order (no HTTP details: this is read by staff)."""
    if _is_tool_block(decision):
        steps = ["Use an approved AI tool instead."]
        if "PS5" in decision.clauses:
            where = guidance.unblock_request_url or guidance.contact("dda").text()
            steps.append(
                f"If you have a business need for this tool, ask for it to be unblocked: {where}."
            )
        steps.append(
            f"To ask for a new AI tool to be assessed and approved, contact {guidance.contact('dda').text()}."
        )
        return steps
    if decision.reason in FAILURE_REASONS:
        if decision.reason == "uninspectable":
            steps = ["Send the information as plain text instead, and try again."]
        else:
            steps = ["Try again with a smaller or simpler request."]
        steps.append(
            "If this keeps happening, report the incident reference to your IT service desk."
        )
        return steps
    cats = decision.blocking or decision.categories
    incidents = guidance.incident_steps(cats)
    approvable = [c for c in cats if not guidance.route(c).incident]
    steps = []
    if approvable and not decision.missing:
        steps.append(f"Remove the {guidance.names(approvable)} and try again.")
    elif decision.missing:
        steps.append(f"Remove the {guidance.names(decision.missing)} and try again.")
    if incidents:
        steps.append(f"Remove the {guidance.names([c for c in cats if c not in approvable])}.")
        steps += incidents
    result = decision.approval_result
    if approvable:
        if result == "expired":
            steps.append("Your approval has expired: ask the board that issued it to renew it.")
        elif result == "revoked":
            steps.append(
                "Your approval was withdrawn: ask the board that issued it before sending it again."
            )
        elif result == "wrong_user":
            steps.append("The approval presented was issued to someone else: use your own.")
        elif result == "wrong_tool":
            steps.append("Your approval does not cover this AI tool: ask for one that does.")
        steps += guidance.approval_steps(approvable, decision.missing or None)
    return steps


def block_message(decision: Decision, incident_id: str, guidance: Guidance | None = None) -> str:
    """The one-line message API clients show (no values, no token)."""
    guidance = guidance or default_guidance()
    clauses = ", ".join(decision.clauses)
    policy = f" (AI Security Policy {clauses})" if clauses else ""
    steps = next_steps(decision, guidance)
    if decision.blocking and not _is_tool_block(decision):
        steps.append(
            f"An approval token is then registered to your account or sent in the "
            f"{APPROVAL_HEADER} header."
        )
    return (
        f"Blocked by aidlp, incident {incident_id}: {summary(decision, guidance)}{policy}. "
        + " ".join(steps)
    )


def websocket_close_reason(decision: Decision, incident_id: str) -> str:
    """A close reason for code 1008 (≤ 123 UTF-8 bytes; the incident id always fits)."""
    what = ",".join(decision.blocking or decision.categories) or decision.reason
    clauses = ",".join(decision.clauses)
    text = f"Blocked by aidlp, incident {incident_id}: {what} ({clauses})"
    if len(text.encode()) <= _WS_REASON_MAX_BYTES:
        return text
    text = f"Blocked by aidlp, incident {incident_id}: {decision.reason}"
    return text.encode()[:_WS_REASON_MAX_BYTES].decode("utf-8", "ignore")


# ---- shapes ------------------------------------------------------------------------------------


def error_payload(style: str, decision: Decision, incident_id: str, message: str) -> dict:
    """The JSON error body for ``style`` (contract shapes in DESIGN.md)."""
    if style == "anthropic":
        return {"type": "error", "error": {"type": "permission_error", "message": message}}
    if style == "gemini":
        return {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": message}}
    payload: dict = {
        "error": {"message": message, "type": "policy_violation", "code": "aidlp_blocked"}
    }
    if style == "generic":
        payload["error"].update(
            {
                "incident_id": incident_id,
                "reason": decision.reason,
                "categories": list(decision.blocking or decision.categories),
                "policy_clauses": list(decision.clauses),
            }
        )
    return payload


@cache
def _template() -> Template:
    return Template((Path(__file__).with_name("templates") / "block.html").read_text("utf-8"))


def _contact_html(role: str, contact: Contact) -> str:
    name = html.escape(contact.name)
    links = []
    if contact.email:
        email = html.escape(contact.email)
        links.append(f'<a href="mailto:{email}">{email}</a>')
    if contact.url:
        url = html.escape(contact.url)
        links.append(f'<a href="{url}">{url}</a>')
    extra = f": {' or '.join(links)}" if links else ""
    return f"      <li>{html.escape(role)}: {name}{extra}</li>"


def _contacts(decision: Decision, guidance: Guidance) -> list[str]:
    """Who to contact for this block: the routes of its categories, then new tools."""
    items: list[str] = []
    seen: set[str] = set()
    if not _is_tool_block(decision) and decision.reason not in FAILURE_REASONS:
        for category in decision.blocking or decision.categories:
            route = guidance.route(category)
            role = "Report the incident" if route.incident else f"Approval for {route.name}"
            if route.contact not in seen:
                seen.add(route.contact)
                items.append(_contact_html(role, guidance.contact(route.contact)))
            if route.evidence and "dpo" not in seen and "dpo" in guidance.contacts:
                seen.add("dpo")
                items.append(
                    _contact_html("Data Protection Impact Assessments", guidance.contact("dpo"))
                )
    items.append(_contact_html("New AI tools", guidance.contact("dda")))
    return items


def block_page(decision: Decision, incident_id: str, guidance: Guidance | None = None) -> str:
    """The HTML block page (escaped throughout; no external assets, no script)."""
    guidance = guidance or default_guidance()
    esc = html.escape
    organisation = guidance.organisation
    organisation_title = organisation[:1].upper() + organisation[1:]
    if _is_tool_block(decision):
        heading = "This AI tool is blocked"
    elif decision.reason in FAILURE_REASONS:
        heading = "Your request could not be checked"
    else:
        heading = "Your request to the AI tool was blocked"
    why = [f"    <p>{esc(summary(decision, guidance))}.</p>"]
    if decision.clauses:
        items = "\n".join(f"      <li>{esc(guidance.statement(c))}</li>" for c in decision.clauses)
        why.append(
            f"    <p>{esc(organisation_title)}'s AI Security Policy says:</p>"
            f"\n    <ul>\n{items}\n    </ul>"
        )
    steps = "\n".join(f"      <li>{esc(s)}</li>" for s in next_steps(decision, guidance))
    report = ""
    if guidance.incident_report_url:
        url = esc(guidance.incident_report_url)
        report = (
            f'    <p><a href="{url}" id="report-link">Report this incident</a> '
            "(quote the incident reference).</p>"
        )
    return _template().substitute(
        title=esc(f"Request blocked ({incident_id}) - AI data protection"),
        heading=esc(heading),
        organisation=esc(organisation),
        organisation_title=esc(organisation_title),
        incident_id=esc(incident_id),
        what_happened=esc(
            "Nothing was sent to the AI tool: aidlp stopped the request on the network."
        ),
        why="\n".join(why),
        next_steps=f"    <ul>\n{steps}\n    </ul>" + (f"\n{report}" if report else ""),
        contacts="    <ul>\n" + "\n".join(_contacts(decision, guidance)) + "\n    </ul>",
    )


@dataclass(frozen=True, slots=True)
class Reply:
    """A response to send instead of forwarding: status, headers, body (no mitmproxy)."""

    status: int
    headers: dict[str, str]
    body: bytes


def render(outcome: Outcome, guidance: Guidance | None = None) -> Reply:
    """The 403 for a blocked outcome, in the shape it chose (``outcome.style``), with the
    ``X-AIDLP-*`` headers."""
    decision, incident_id = outcome.decision, outcome.incident_id or ""
    headers = {
        DECISION_HEADER: "block",
        INCIDENT_HEADER: incident_id,
        "Cache-Control": "no-store",
    }
    if outcome.style == "html":
        return Reply(
            403,
            {
                **headers,
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff",
            },
            block_page(decision, incident_id, guidance).encode("utf-8"),
        )
    if outcome.style in IN_APP_STYLES:
        # the web app reads its own answer stream: the explanation is an assistant turn
        guidance = guidance or default_guidance()
        text = explanation(
            summary(decision, guidance),
            [guidance.statement(c) for c in decision.clauses],
            next_steps(decision, guidance),
            incident_id,
        )
        return Reply(
            200,
            {**headers, "Content-Type": "text/event-stream; charset=utf-8"},
            render_stream(outcome.style, text, incident_id),
        )
    message = block_message(decision, incident_id, guidance)
    payload = error_payload(outcome.style, decision, incident_id, message)
    return Reply(
        403, {**headers, "Content-Type": "application/json"}, json.dumps(payload).encode("utf-8")
    )


def websocket_close(outcome: Outcome) -> tuple[int, str]:
    """The close code (1008, policy violation) and reason for a blocked websocket message."""
    return WEBSOCKET_POLICY_VIOLATION, websocket_close_reason(
        outcome.decision, outcome.incident_id or ""
    )
