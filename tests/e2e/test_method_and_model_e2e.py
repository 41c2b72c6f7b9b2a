"""Red-team leftovers through the real proxy: a secret written as the HTTP method, and a
DeepSeek model name hidden by invisible characters, never reach the upstream."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("method", ["JG103729A", "AKIAQ3EGRT5ZXWVPLM4N"])
def test_a_secret_as_the_http_method_is_refused(aidlp_proxy, upstream_log, method):
    """Rule: only the methods AI tools use are forwarded; any other method token is refused
    (fail closed, recorded) and nothing reaches the AI host."""
    with aidlp_proxy.httpx() as client:
        response = client.request(method, "https://api.openai.com/v1/models")
        assert response.status_code == 403
        incident = response.headers["X-AIDLP-Incident"]
        ok = client.get("https://api.openai.com/v1/models")
    assert ok.status_code == 200  # an ordinary GET still goes through
    assert upstream_log.wait_for(lambda r: r.method == method, timeout=0.5) is None
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["reason"] == "unparseable"


def test_a_zero_width_deepseek_model_name_is_refused(aidlp_proxy, upstream_log):
    """Rule: the blocked-model check reads past zero-width characters, as the router does."""
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            "https://openrouter.ai/api/v1/chat/completions",
            json={
                "model": "deep\u200bseek/deep\u200bseek-r1",
                "messages": [{"role": "user", "content": "hello"}],
            },
        )
    assert response.status_code == 403 and "PS6" in response.text
    assert upstream_log.wait_for(lambda r: r.host == "openrouter.ai", timeout=0.5) is None
