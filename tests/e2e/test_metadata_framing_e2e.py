"""Request headers never frame the prompt (red team RT-17/RT-62): through the real proxy,
the SDKs' own headers (``x-stainless-lang: python``, ``content-type: application/json``) and
a browser's must not turn a prompt naming people with their health conditions into a
"programming task" whose names are toy data. The headers are still scanned, as a document
of their own."""

from __future__ import annotations

import json
import time

import anthropic
import httpx
import httpx2
import openai
import pytest

RECORDS = json.dumps(
    [
        {"name": "Eleanor Whitfield", "condition": "multiple sclerosis"},
        {"name": "Marcus Oyelaran", "condition": "HIV"},
    ]
)
PROMPT = RECORDS + " -> summarise these for the case conference"


def _not_forwarded(upstream_log, path: str) -> bool:
    time.sleep(0.3)
    return upstream_log.wait_for(lambda r: r.path == path, timeout=0.5) is None


def test_openai_sdk_headers_do_not_hide_people_records(aidlp_proxy, upstream_log):
    """Rule: the openai SDK's headers are read apart from the prompt; a JSON list of named
    people with their conditions is personal and special-category data, blocked."""
    http_client = httpx.Client(proxy=aidlp_proxy.url, verify=aidlp_proxy.ssl_context())
    client = openai.OpenAI(
        api_key="sk-test",
        base_url="https://api.openai.com/v1",
        http_client=http_client,
        max_retries=0,
    )
    with pytest.raises(openai.PermissionDeniedError) as blocked:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}]
        )
    incident = blocked.value.response.headers["X-AIDLP-Incident"]
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None
    assert {"PERSONAL_DATA", "SPECIAL_CATEGORY"} <= {f["category"] for f in event["findings"]}
    assert _not_forwarded(upstream_log, "/v1/chat/completions")


def test_anthropic_sdk_headers_do_not_hide_people_records(aidlp_proxy, upstream_log):
    """Rule: as above for the anthropic SDK (``anthropic-version``, ``x-stainless-*``)."""
    http_client = httpx2.Client(proxy=aidlp_proxy.url, verify=aidlp_proxy.ssl_context())
    client = anthropic.Anthropic(
        api_key="sk-ant-test",
        base_url="https://api.anthropic.com",
        http_client=http_client,
        max_retries=0,
    )
    with pytest.raises(anthropic.PermissionDeniedError):
        client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=50,
            messages=[{"role": "user", "content": PROMPT}],
        )
    assert _not_forwarded(upstream_log, "/v1/messages")


def test_browser_headers_do_not_hide_people_records(aidlp_proxy, upstream_log):
    """Rule: a browser's Accept/Accept-Encoding/User-Agent are read apart from the prompt."""
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            headers={
                "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                "accept": "*/*",
                "accept-encoding": "gzip, deflate",
            },
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": PROMPT}]},
        )
    assert response.status_code == 403
    assert _not_forwarded(upstream_log, "/v1/chat/completions")


def test_headers_are_still_scanned_on_their_own(aidlp_proxy, upstream_log):
    """Rule: reading the headers as their own document still finds what they carry (a NINO
    in a custom header blocks a clean prompt), and a clean request still passes."""
    with aidlp_proxy.httpx() as client:
        clean = client.post(
            "https://api.openai.com/v1/chat/completions",
            headers={"x-stainless-lang": "python"},
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Sort a list"}]},
        )
        assert clean.status_code == 200
        upstream_log.clear()
        leak = client.post(
            "https://api.openai.com/v1/chat/completions",
            headers={"x-case-note": "claimant JG103729A"},
            json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Sort a list"}]},
        )
    assert leak.status_code == 403
    assert _not_forwarded(upstream_log, "/v1/chat/completions")
