"""DeepSeek under provider-side names, through the real `aidlp run` and the recording
upstream (issue 15): derivative names from the catalogue, a model named in a header, and
presets and deployments whose model is unknown (refused by default, `unknown_models`)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import TEST_CONFIG

PROMPT = [{"role": "user", "content": "name three rivers"}]


def _refused(response, upstream_log, host: str) -> str:
    assert response.status_code == 403, response.text[:200]
    assert "PS6" in response.text
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    return response.headers["X-AIDLP-Incident"]


@pytest.mark.parametrize(
    "host,path,model",
    [
        ("openrouter.ai", "/api/v1/chat/completions", "microsoft/mai-ds-r1:free"),
        ("openrouter.ai", "/api/v1/chat/completions", "perplexity/r1-1776"),
        ("api.groq.com", "/openai/v1/chat/completions", "deepseek-r1-distill-llama-70b"),
        ("api.together.xyz", "/v1/chat/completions", "bartowski/R1-Distill-Qwen-32B"),
    ],
)
def test_a_deepseek_derivative_is_refused(aidlp_proxy, upstream_log, host, path, model):
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json={"model": model, "messages": PROMPT})
    incident = _refused(response, upstream_log, host)
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["event"] == "ai.tool.blocked"
    assert event["reason"] == "blocked_model"


def test_a_bedrock_deepseek_profile_in_the_path_is_refused(aidlp_proxy, upstream_log):
    host = "bedrock-runtime.eu-west-2.amazonaws.com"
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            f"https://{host}/model/us.deepseek.r1-v1%3A0/converse",
            json={"messages": [{"role": "user", "content": [{"text": "hello"}]}]},
        )
    _refused(response, upstream_log, host)


@pytest.mark.parametrize(
    "header,value",
    [
        ("x-model", "deepseek/deepseek-r1"),
        ("x-portkey-provider", "deepseek"),
        ("azureml-model-deployment", "MAI-DS-R1"),
    ],
)
def test_a_deepseek_model_in_a_routing_header_is_refused(aidlp_proxy, upstream_log, header, value):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://openrouter.ai/api/v1/chat/completions",
            json={"model": "openai/gpt-4o-mini", "messages": PROMPT},
            headers={header: value},
        )
        _refused(response, upstream_log, "openrouter.ai")
        ok = client.post(
            "https://openrouter.ai/api/v1/chat/completions",
            json={"model": "openai/gpt-4o-mini", "messages": PROMPT},
            headers={header: "openai"},
        )
    assert ok.status_code == 200  # the same header naming another provider goes through


OPAQUE = [
    ("openrouter.ai", "/api/v1/chat/completions", {"model": "@preset/my-r1"}),
    ("openrouter.ai", "/api/v1/chat/completions", {"model": "gpt-4o-mini", "preset": "my-r1"}),
    (
        "dept-ai.openai.azure.com",
        "/openai/deployments/my-r1/chat/completions?api-version=2024-10-21",
        {},
    ),
]


@pytest.fixture(scope="module")
def allowing_proxy(start_proxy):
    return start_proxy(TEST_CONFIG + "catalogue:\n  unknown_models: allow\n", name="unknown")


@pytest.mark.parametrize("host,path,fields", OPAQUE, ids=["preset", "preset-field", "azure"])
def test_presets_and_deployments_are_refused_by_default(
    aidlp_proxy, upstream_log, host, path, fields
):
    """Their model is unknown to the proxy, and could be DeepSeek (PS6)."""
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json={**fields, "messages": PROMPT})
    incident = _refused(response, upstream_log, host)
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["reason"] == "unknown_model"
    assert event["policy_clauses"] == ["PS6"]


def test_named_models_still_go_through(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://openrouter.ai/api/v1/chat/completions",
            json={"model": "openai/gpt-4o-mini", "messages": PROMPT},
        )
    assert response.status_code == 200
    assert upstream_log.wait_for(lambda r: r.host == "openrouter.ai") is not None


@pytest.mark.parametrize("host,path,fields", OPAQUE, ids=["preset", "preset-field", "azure"])
def test_unknown_models_allow_scans_and_forwards_them(
    allowing_proxy, upstream_log, host, path, fields
):
    """`allow`: the documented residual (README, "Models behind other names")."""
    with allowing_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json={**fields, "messages": PROMPT})
    assert response.status_code == 200
    assert upstream_log.wait_for(lambda r: r.host == host) is not None


def test_a_provider_ignore_list_naming_deepseek_goes_through(aidlp_proxy, upstream_log):
    """OpenRouter's provider.ignore keeps DeepSeek out: it is not a request for it."""
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://openrouter.ai/api/v1/chat/completions",
            json={
                "model": "openai/gpt-4o-mini",
                "provider": {"ignore": ["DeepSeek"]},
                "messages": PROMPT,
            },
        )
    assert response.status_code == 200, response.text[:200]


def test_a_provider_serving_deepseek_among_others_refuses_only_deepseek(aidlp_proxy, upstream_log):
    """api.venice.ai (red team RT-68) was passed through undecrypted: now it is an online tool,
    so the blocked-model check and the scan run there, and its other models stay allowed."""
    host, url = "api.venice.ai", "https://api.venice.ai/api/v1/chat/completions"
    with aidlp_proxy.httpx() as client:
        refused = client.post(url, json={"model": "deepseek-r1", "messages": PROMPT})
        incident = _refused(refused, upstream_log, host)
        nino = client.post(
            url,
            json={
                "model": "llama-3.3-70b",
                "messages": [{"role": "user", "content": "my NI number is AB 12 34 56 C"}],
            },
        )
        ok = client.post(url, json={"model": "llama-3.3-70b", "messages": PROMPT})
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["reason"] == "blocked_model" and event["tool"] == "venice"
    assert nino.status_code == 403, nino.text[:200]
    assert upstream_log.wait_for(lambda r: b"AB 12 34 56 C" in r.body, timeout=0.5) is None
    assert ok.status_code == 200, ok.text[:200]
    arrived = upstream_log.wait_for(lambda r: r.host == host)
    assert arrived is not None and b"llama-3.3-70b" in arrived.body
    assert not any(b"deepseek" in r.body for r in upstream_log.snapshot() if r.host == host)
