"""The event schema processors: contract fields, order, and nothing sensitive gets through."""

from __future__ import annotations

import json

import pytest

from proxy.events import schema
from proxy.events.schema import DECISION_FIELDS, REDACTED, mask_host, mask_path, sanitise

NINO = "AB123456C"
JWT = "eyJhbGciOiJFZERTQSJ9.eyJqdGkiOiJhYmMifQ.c2lnbmF0dXJlc2lnbmF0dXJl"


def decision_event(**overrides):
    event = {
        "event": "ai.request.blocked",
        "incident_id": "AIDLP-0123456789AB",
        "user": "jane.doe",
        "client_ip": "10.1.2.3",
        "tool": "openai",
        "host": "api.openai.com",
        "method": "POST",
        "path": "/v1/chat/completions",
        "decision": "block",
        "reason": "findings",
        "policy_clauses": ["PS2", "A1"],
        "findings": [
            {
                "category": "PERSONAL_DATA",
                "entity_type": "UK_NINO",
                "count": 2,
                "max_score": 0.95,
                "detector": "uk_nino",
            }
        ],
        "approval": None,
        "bytes_scanned": 120,
        "scan_ms": 1.23456,
        "content_hmac": "ab" * 32,
    }
    event.update(overrides)
    return event


def test_contract_fields_in_contract_order():
    out = sanitise(decision_event())
    assert list(out) == [f for f in DECISION_FIELDS if f not in schema.OPTIONAL_FIELDS]
    assert out["timestamp"].endswith("Z")
    assert out["scan_ms"] == 1.235
    assert out["findings"][0] == {
        "category": "PERSONAL_DATA",
        "entity_type": "UK_NINO",
        "count": 2,
        "max_score": 0.95,
        "detector": "uk_nino",
    }


def test_missing_contract_fields_are_present_as_null():
    out = sanitise({"event": "ai.request.allowed", "tool": "openai"})
    assert set(out) == set(DECISION_FIELDS) - schema.OPTIONAL_FIELDS
    assert out["incident_id"] is None and out["findings"] == [] and out["policy_clauses"] == []


def test_unknown_fields_are_dropped():
    out = sanitise(decision_event(prompt=f"my NINO is {NINO}", matched_value=NINO, token=JWT))
    assert "prompt" not in out and "matched_value" not in out and "token" not in out
    assert NINO not in json.dumps(out)


def test_unknown_event_keeps_nothing():
    out = sanitise({"event": "debug", "text": f"NINO {NINO}"})
    assert out == {"event": schema.INVALID_EVENT, "timestamp": out["timestamp"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reason", f"found {NINO} in prompt"),
        ("tool", "openai prompt: hello"),
        ("user", "John Smith"),
        ("incident_id", "AIDLP-not-an-id"),
        ("content_hmac", NINO),
        ("method", "post me"),
        ("decision", "maybe"),
        ("client_ip", "not-an-ip"),
        ("bytes_scanned", -1),
        ("scan_ms", float("nan")),
    ],
)
def test_values_that_do_not_fit_are_redacted(field, value):
    out = sanitise(decision_event(**{field: value}))
    assert out[field] == REDACTED
    assert json.dumps(out, allow_nan=False)  # always renderable


def test_nested_values_are_checked():
    out = sanitise(
        decision_event(
            findings=[
                {
                    "category": "PERSONAL_DATA",
                    "entity_type": "UK_NINO",
                    "count": 1,
                    "max_score": 0.9,
                    "detector": "uk_nino",
                    "value": NINO,
                    "text": "ctx",
                },
                {
                    "category": NINO + " leaked",
                    "entity_type": "X",
                    "count": 1,
                    "max_score": 0.5,
                    "detector": "d",
                },
            ],
            approval={
                "jti": JWT,
                "ref": "DPIA-2024-017",
                "issuer": "governance-board",
                "token": JWT,
            },
            policy_clauses=["PS2", "because " + NINO],
        )
    )
    text = json.dumps(out)
    assert NINO not in text and JWT not in text
    assert set(out["findings"][0]) == {"category", "entity_type", "count", "max_score", "detector"}
    assert out["findings"][1]["category"] == REDACTED
    assert out["approval"] == {
        "jti": REDACTED,
        "ref": "DPIA-2024-017",
        "issuer": "governance-board",
    }
    assert out["policy_clauses"] == ["PS2", REDACTED]


def test_identifier_segments_of_paths_are_masked():
    assert mask_path("/v1/chat/completions?key=" + NINO) == "/v1/chat/completions"
    assert mask_path(f"/api/people/{NINO}/notes") == "/api/people/*/notes"
    assert mask_path("/backend-api/conversation/6f1c2a1e-93b4-4c55-8d0e-0a4f6b1c2d3e") == (
        "/backend-api/conversation/*"
    )
    assert mask_path("/search/John%20Smith") == "/search/*"
    assert mask_path("/u/jane@example.gov.uk") == "/u/*"
    assert mask_path("/v1beta/models/gemini-1.5-pro:generateContent") == (
        "/v1beta/models/gemini-1.5-pro:generateContent"
    )


def test_identifier_labels_of_hosts_are_masked():
    assert mask_host("api.openai.com") == "api.openai.com"
    assert mask_host(f"{NINO.lower()}.deepseek.com") == "*.deepseek.com"
    assert mask_host("[::1]") == "::1"
    with pytest.raises(schema.Redact):
        mask_host("evil host/with spaces")


def test_stage_is_optional_and_checked():
    assert "stage" not in sanitise(decision_event())
    assert sanitise(decision_event(event="ai.tool.blocked", stage="sni"))["stage"] == "sni"
    assert sanitise(decision_event(event="ai.tool.blocked", stage="x y"))["stage"] == REDACTED


def test_reload_events():
    out = sanitise(
        {
            "event": "aidlp.config.reloaded",
            "source": "/etc/aidlp/aidlp.yaml",
            "result": "ok",
            "digest": "0f" * 32,
            "counts": {"tools": 17, "bad key": 1},
            "changed": ["policy", "catalogue"],
            "detail": f"contains {NINO}",
        }
    )
    assert list(out) == list(schema.RELOAD_FIELDS)
    assert out["counts"] == {"tools": 17}
    assert "detail" not in out
    failed = sanitise(
        {"event": "aidlp.approvals.reload_failed", "result": "failed", "reason": "bad_signature"}
    )
    assert failed["result"] == "failed" and failed["reason"] == "bad_signature"


def test_caller_dict_is_not_mutated():
    event = decision_event(prompt="x")
    sanitise(event)
    assert "prompt" in event and "timestamp" not in event
