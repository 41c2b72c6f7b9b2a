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
from proxy.inspection.model import Outcome
from proxy.policy import CLAUSE_TEXT, FAILURE_REASONS, Contact, Contacts, Decision

DECISION_HEADER = "X-AIDLP-Decision"
INCIDENT_HEADER = "X-AIDLP-Incident"
WEBSOCKET_POLICY_VIOLATION = 1008
_WS_REASON_MAX_BYTES = 123  # RFC 6455: close reason fits a 125-byte control frame

CATEGORY_NAMES: dict[str, str] = {
    "PERSONAL_DATA": "personal data",
    "SPECIAL_CATEGORY": "special category data (such as health or other protected characteristics)",
    "OFFICIAL_SENSITIVE": "information marked OFFICIAL-SENSITIVE or above",
    "NON_PUBLIC_CODE": "non-public departmental code",
    "CREDENTIALS": "credentials (such as keys, tokens or passwords)",
}

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

# ---- wording ---------------------------------------------------------------------------------


def category_list(categories: list[str]) -> str:
    """``personal data (PERSONAL_DATA) and …`` — names and codes, never values."""
    names = [f"{CATEGORY_NAMES.get(c, c.lower())} ({c})" for c in categories]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _contact_text(contact: Contact) -> str:
    where = contact.email or contact.url
    return f"{contact.name} ({where})" if where else contact.name


def _is_tool_block(decision: Decision) -> bool:
    return decision.event == TOOL_BLOCKED


def summary(decision: Decision) -> str:
    """One sentence: what was blocked and why."""
    if _is_tool_block(decision):
        if decision.reason == "blocked_model":
            return "The AI model requested is blocked: DeepSeek models must never be used"
        return "This AI tool is blocked: DeepSeek must never be accessed"
    if decision.reason in FAILURE_REASONS:
        return FAILURE_TEXT[decision.reason].capitalize()
    cats = decision.blocking or decision.categories
    text = f"This request contains {category_list(cats)}" if cats else "This request was blocked"
    if decision.approval_result in APPROVAL_PROBLEMS:
        text += f", and {APPROVAL_PROBLEMS[decision.approval_result]}"
    return text


def next_steps(decision: Decision, contacts: Contacts) -> list[str]:
    """What the person can do, in order."""
    dpo, dda = _contact_text(contacts.dpo), _contact_text(contacts.dda)
    if _is_tool_block(decision):
        return [
            "Use an approved AI tool instead.",
            f"To ask for a new AI tool to be assessed and approved, contact {dda}.",
        ]
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
    steps = [f"Remove the {category_list(cats)} and try again."]
    need = "a Data Protection Impact Assessment (DPIA)"
    if "SPECIAL_CATEGORY" in cats:
        need += " and an Equality Analysis"
    result = decision.approval_result
    if result == "expired":
        steps.append(f"If you still need to send it, ask {dpo} to renew your approval.")
    elif result == "revoked":
        steps.append(f"Your approval was withdrawn: contact {dpo} before sending it again.")
    elif result in ("insufficient", "wrong_tool"):
        steps.append(
            f"Ask {dpo} for an approval that covers this AI tool and {', '.join(cats)}; "
            f"it must be backed by {need}."
        )
    elif result == "wrong_user":
        steps.append(f"Use an approval issued to you: ask {dpo}.")
    else:
        steps.append(
            f"If you have a business need to send it, ask {dpo} for approval; it must be "
            f"backed by {need}. The approval token is then registered to your account or sent "
            f"in the {APPROVAL_HEADER} header."
        )
    return steps


def block_message(decision: Decision, incident_id: str, contacts: Contacts | None = None) -> str:
    """The one-line message API clients show (no values, no token)."""
    contacts = contacts or Contacts()
    clauses = ", ".join(decision.clauses)
    policy = f" (AI Security Policy {clauses})" if clauses else ""
    return f"Blocked by aidlp, incident {incident_id}: {summary(decision)}{policy}. " + " ".join(
        next_steps(decision, contacts)
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


def block_page(decision: Decision, incident_id: str, contacts: Contacts | None = None) -> str:
    """The HTML block page (escaped throughout; no external assets)."""
    contacts = contacts or Contacts()
    esc = html.escape
    if _is_tool_block(decision):
        heading = "This AI tool is blocked"
    elif decision.reason in FAILURE_REASONS:
        heading = "Your request could not be checked"
    else:
        heading = "Your request to the AI tool was blocked"
    why = [f"    <p>{esc(summary(decision))}.</p>"]
    if decision.clauses:
        items = "\n".join(f"      <li>{esc(CLAUSE_TEXT.get(c, c))}</li>" for c in decision.clauses)
        why.append(
            f"    <p>{esc(contacts.organisation[:1].upper() + contacts.organisation[1:])}'s "
            "AI Security Policy says:</p>"
            f"\n    <ul>\n{items}\n    </ul>"
        )
    if decision.approval_detail and decision.approval_result not in (None, "valid"):
        why.append(f'    <p class="app-inset">Approval check: {esc(decision.approval_detail)}.</p>')
    steps = "\n".join(f"      <li>{esc(s)}</li>" for s in next_steps(decision, contacts))
    contact_items = "\n".join(
        [
            _contact_html("Approval for personal or sensitive data (DPIA)", contacts.dpo),
            _contact_html("New AI tools", contacts.dda),
        ]
    )
    return _template().substitute(
        title=esc(f"Request blocked ({incident_id}) - AI data protection"),
        heading=esc(heading),
        organisation=esc(contacts.organisation),
        organisation_title=esc(contacts.organisation[:1].upper() + contacts.organisation[1:]),
        incident_id=esc(incident_id),
        what_happened=esc(
            "Nothing was sent to the AI tool: aidlp stopped the request on the network."
        ),
        why="\n".join(why),
        next_steps=f"    <ul>\n{steps}\n    </ul>",
        contacts=f"    <ul>\n{contact_items}\n    </ul>",
    )


@dataclass(frozen=True, slots=True)
class Reply:
    """A response to send instead of forwarding: status, headers, body (no mitmproxy)."""

    status: int
    headers: dict[str, str]
    body: bytes


def render(outcome: Outcome, contacts: Contacts | None = None) -> Reply:
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
            block_page(decision, incident_id, contacts).encode("utf-8"),
        )
    message = block_message(decision, incident_id, contacts)
    payload = error_payload(outcome.style, decision, incident_id, message)
    return Reply(
        403, {**headers, "Content-Type": "application/json"}, json.dumps(payload).encode("utf-8")
    )


def websocket_close(outcome: Outcome) -> tuple[int, str]:
    """The close code (1008, policy violation) and reason for a blocked websocket message."""
    return WEBSOCKET_POLICY_VIOLATION, websocket_close_reason(
        outcome.decision, outcome.incident_id or ""
    )
