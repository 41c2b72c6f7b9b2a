"""Red team round D/E transport items, through the real `aidlp run` and the recording upstream:
the value never arrives (or DeepSeek is never reached) and the refusal is recorded.

- RT-92 addendum: Chinese clouds and API resellers serving DeepSeek by name are AI tools:
  a NINO is blocked there, a DeepSeek model name refused.
- RT-90 addendum: machine translators are AI tools (catalogue group `machine_translation`).
- RT-106: Grok inside X (`x.com/i/api/2/grok/...`) is a path-scoped tool; X's other paths are
  forwarded untouched and unrecorded. RT-82: Gemini web's upload host push.clients6.google.com.
  RT-68: replit.com.
- RT-101: a gateway header whose value is JSON naming DeepSeek (Portkey
  `x-portkey-override-params`), or a URL to DeepSeek's host under any header name, is refused.
"""

from __future__ import annotations

import json

import pytest

NINO = "AB 12 34 56 C"


def _chat(text: str, model: str = "gpt-4o-mini") -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}]}


def _blocked(proxy, upstream_log, response, host: str, event: str, reason: str | None = None):
    assert response.status_code == 403, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    incident = response.headers["X-AIDLP-Incident"]
    found = proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert found is not None and found["event"] == event, found
    if reason is not None:
        assert found["reason"] == reason


RESELLERS = [
    ("maas-cn-southwest-2.modelarts-maas.com", "/v1/infers/abc/v1/chat/completions"),
    ("api.scnet.cn", "/api/llm/v1/chat/completions"),
    ("cloud.infini-ai.com", "/maas/v1/chat/completions"),
    ("api.ppinfra.com", "/v3/openai/chat/completions"),
    ("api.qnaigc.com", "/v1/chat/completions"),
    ("maas-api.cn-huabei-1.xf-yun.com", "/v1/chat/completions"),
    ("api.modelverse.cn", "/v1/chat/completions"),
    ("wishub-x1.ctyun.cn", "/v1/chat/completions"),
    ("maas-api.lanyun.net", "/v1/chat/completions"),
]


@pytest.mark.parametrize("host,path", RESELLERS, ids=[h for h, _ in RESELLERS])
def test_a_nino_to_a_chinese_reseller_is_blocked(aidlp_proxy, upstream_log, host, path):
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json=_chat(f"My NI number is {NINO}"))
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.request.blocked")


@pytest.mark.parametrize(
    "host,model",
    [("api.qnaigc.com", "deepseek-r1"), ("api.modelverse.cn", "deepseek-ai/DeepSeek-R1")],
)
def test_deepseek_at_a_chinese_reseller_is_refused(aidlp_proxy, upstream_log, host, model):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            f"https://{host}/v1/chat/completions", json=_chat("name three rivers", model)
        )
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.tool.blocked", "blocked_model")


TRANSLATORS = [
    ("translate-pa.googleapis.com", "/v1/translateHtml"),
    ("translate.googleapis.com", "/translate_a/single?client=gtx&sl=en&tl=cy&dt=t"),
    ("translation.googleapis.com", "/v3/projects/p1:translateText"),
    ("api.cognitive.microsofttranslator.com", "/translate?api-version=3.0&to=cy"),
    ("www.bing.com", "/ttranslatev3?isVertical=1"),
]


@pytest.mark.parametrize("host,path", TRANSLATORS, ids=[h + p[:12] for h, p in TRANSLATORS])
def test_a_letter_sent_to_a_translator_is_blocked(aidlp_proxy, upstream_log, host, path):
    text = f"Dear Ms Smith, your NI number {NINO} and your claim"
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json={"q": text})
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.request.blocked")


def test_a_clean_translation_arrives(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://translation.googleapis.com/v3/projects/p1:translateText",
            json={"contents": ["The library opens at nine."], "targetLanguageCode": "cy"},
        )
    assert response.status_code == 200, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == "translation.googleapis.com") is not None


@pytest.mark.parametrize(
    "host,path",
    [
        ("x.com", "/i/api/2/grok/add_response.json"),
        ("x.com", "/i/api/graphql/AbCdEf123/CreateGrokConversation"),
        ("grok.x.com", "/2/grok/add_response.json"),
        ("push.clients6.google.com", "/upload/"),
        ("replit.com", "/graphql"),
    ],
)
def test_a_nino_to_grok_in_x_gemini_uploads_and_replit_is_blocked(
    aidlp_proxy, upstream_log, host, path
):
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json={"message": f"My NI number is {NINO}"})
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.request.blocked")


def test_x_paths_that_are_not_grok_are_forwarded_unrecorded(aidlp_proxy, upstream_log):
    marker = "rte-x-home"
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://x.com/i/api/1.1/statuses/update.json",
            json={"status": f"My NI number is {NINO}"},
            headers={"x-marker": marker},
        )
    assert response.status_code == 200, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == "x.com") is not None
    recorded = [
        e for e in aidlp_proxy.events() if e.get("host") == "x.com" and "statuses" in e["path"]
    ]
    assert recorded == []


@pytest.mark.parametrize(
    "header,value",
    [
        ("x-portkey-override-params", json.dumps({"model": "deepseek-chat"})),
        ("x-gateway-options", json.dumps({"override": {"models": ["deepseek/deepseek-r1"]}})),
        ("x-forward-to", "https://api.deepseek.com/v1"),
        ("x-litellm-api-base", "https%3A%2F%2Fapi.deepseek.com%2Fv1"),
    ],
    ids=["override-params", "json-options", "url", "encoded-url"],
)
def test_a_gateway_header_naming_deepseek_is_refused(aidlp_proxy, upstream_log, header, value):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.portkey.ai/v1/chat/completions",
            json=_chat("name three rivers", "gpt-4o"),
            headers={header: value},
        )
    _blocked(
        aidlp_proxy, upstream_log, response, "api.portkey.ai", "ai.tool.blocked", "blocked_model"
    )


def test_a_json_header_naming_another_model_arrives(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.portkey.ai/v1/chat/completions",
            json=_chat("name three rivers", "gpt-4o"),
            headers={
                "x-portkey-override-params": json.dumps({"model": "gpt-4o-mini"}),
                "x-note": json.dumps({"topic": "a blog post about deepseek"}),
                "x-forward-to": "https://api.openai.com/v1",
            },
        )
    assert response.status_code == 200, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == "api.portkey.ai") is not None
