"""Block responses: provider-shaped 403 JSON for API clients, an HTML page for browsers.

Foundation version; the full GOV.UK-style page and messages land with issue 5.
"""

from __future__ import annotations

import html
import json

from mitmproxy import http

from proxy.policy import Decision


def error_style(host: str, path: str, accept: str) -> str:
    """Which error shape the client understands: html | anthropic | gemini | openai."""
    if "text/html" in accept:
        return "html"
    host = host.lower()
    if host.endswith(("anthropic.com", "claude.ai")) or path.startswith("/v1/messages"):
        return "anthropic"
    if (
        host.endswith("googleapis.com")
        or ":generatecontent" in path.lower()
        or ":streamgeneratecontent" in path.lower()
    ):
        return "gemini"
    return "openai"


def block_message(decision: Decision, incident_id: str) -> str:
    what = ", ".join(decision.categories) if decision.categories else decision.reason
    clauses = ", ".join(decision.clauses)
    return (
        f"Blocked by aidlp under the department's AI Security Policy ({clauses}): {what}. "
        f"Incident {incident_id}. To send this, seek approval from the governance board "
        "(DPIA via the DPO team) and present the approval token."
    )


def block_response(
    host: str, path: str, accept: str, decision: Decision, incident_id: str
) -> http.Response:
    """A 403 in the client's own error shape, with the X-AIDLP-* headers."""
    message = block_message(decision, incident_id)
    style = error_style(host, path, accept)
    headers = {
        "X-AIDLP-Decision": "block",
        "X-AIDLP-Incident": incident_id,
        "Cache-Control": "no-store",
    }
    if style == "html":
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Blocked by aidlp'
            f"</title></head><body><h1>Blocked by aidlp</h1><p>{html.escape(message)}</p></body></html>"
        )
        return http.Response.make(
            403, body, {**headers, "Content-Type": "text/html; charset=utf-8"}
        )
    if style == "anthropic":
        payload: dict = {"type": "error", "error": {"type": "permission_error", "message": message}}
    elif style == "gemini":
        payload = {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": message}}
    else:
        payload = {
            "error": {"message": message, "type": "policy_violation", "code": "aidlp_blocked"}
        }
    return http.Response.make(
        403, json.dumps(payload), {**headers, "Content-Type": "application/json"}
    )
