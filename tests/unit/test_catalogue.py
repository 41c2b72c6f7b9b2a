"""Catalogue: which hosts are AI tools, and with what status."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from proxy.catalogue import Catalogue, Tool, ToolStatus
from proxy.config import load_config


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_config().catalogue


@pytest.mark.parametrize(
    "host,tool",
    [
        ("chatgpt.com", "openai"),
        ("chat.openai.com", "openai"),
        ("api.openai.com", "openai"),
        ("files.oaiusercontent.com", "openai"),
        ("claude.ai", "anthropic"),
        ("api.anthropic.com", "anthropic"),
        ("gemini.google.com", "google_gemini"),
        ("generativelanguage.googleapis.com", "google_gemini"),
        ("aistudio.google.com", "google_gemini"),
        ("europe-west2-aiplatform.googleapis.com", "google_gemini"),
        ("copilot.microsoft.com", "microsoft_copilot"),
        ("www.perplexity.ai", "perplexity"),
        ("api.mistral.ai", "mistral"),
        ("api.cohere.com", "cohere"),
        ("api.groq.com", "groq"),
        ("openrouter.ai", "openrouter"),
        ("api.together.xyz", "together"),
        ("huggingface.co", "huggingface"),
        ("poe.com", "poe"),
        ("grok.com", "xai_grok"),
        ("api.x.ai", "xai_grok"),
        ("www.meta.ai", "meta_ai"),
        ("API.OpenAI.com.", "openai"),
    ],
)
def test_default_catalogue_covers_the_required_tools(catalogue, host, tool):
    match = catalogue.match(host)
    assert match is not None and match.id == tool
    assert match.status is ToolStatus.ONLINE


@pytest.mark.parametrize(
    "host",
    [
        "deepseek.com",
        "chat.deepseek.com",
        "api.deepseek.com",
        "cdn.deepseek.com",
        "a.b.deepseek.com",
        "CHAT.DEEPSEEK.COM",
    ],
)
def test_deepseek_and_all_subdomains_are_blocked(catalogue, host):
    match = catalogue.match(host)
    assert match is not None and match.id == "deepseek" and match.status is ToolStatus.BLOCKED


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "gov.uk",
        "www.google.com",
        "notopenai.com",
        "openai.com.evil.example",
        "x.co",
        "deepseek.com.example.org",
        "",
        None,
    ],
)
def test_other_hosts_are_not_ai_tools(catalogue, host):
    assert catalogue.match(host) is None


def test_wildcard_does_not_match_apex_and_exact_beats_wildcard():
    tools = [
        Tool(id="wild", name="Wild", hosts=["*.example.net"]),
        Tool(id="dept", name="Dept", hosts=["ai.example.net"], status="approved"),
    ]
    cat = Catalogue(tools)
    assert cat.match("example.net") is None
    assert cat.match("x.example.net").id == "wild"
    assert cat.match("ai.example.net").id == "dept"


def test_blocked_wildcard_wins_over_exact_online_host():
    cat = Catalogue(
        [
            Tool(id="online", name="O", hosts=["api.bad.example"]),
            Tool(id="bad", name="B", hosts=["*.bad.example"], status="blocked"),
        ]
    )
    assert cat.match("api.bad.example").id == "bad"


@pytest.mark.parametrize(
    "model,blocked",
    [
        ("deepseek/deepseek-chat", True),
        ("deepseek-ai/DeepSeek-V3", True),
        ("DeepSeek-R1-Distill-Llama-70B", True),
        ("gpt-4o", False),
        ("mistralai/mistral-small", False),
        (None, False),
        (123, False),
    ],
)
def test_blocked_models(catalogue, model, blocked):
    assert catalogue.is_blocked_model(model) is blocked


@pytest.mark.parametrize(
    "pattern", ["https://x.com", "x.com/path", "x.com:443", "*x.com", "a.*.com", "", "exa mple.com"]
)
def test_bad_host_patterns_are_rejected(pattern):
    with pytest.raises(ValidationError):
        Tool(id="t", name="T", hosts=[pattern])


def test_domains_by_status(catalogue):
    blocked = catalogue.domains(ToolStatus.BLOCKED)
    assert "*.deepseek.com" in blocked and "api.openai.com" not in blocked


@pytest.mark.parametrize(
    "model",
    [
        "deep\u200bseek/deep\u200bseek-r1",
        "\uff44\uff45\uff45\uff50\uff53\uff45\uff45\uff4b/x",
        "d\u0435\u0435pseek/x",
    ],
)
def test_blocked_model_names_are_matched_through_invisible_and_lookalike_characters(model):
    """Rule: a router reads past zero-width, full-width and look-alike letters, so the
    blocked-model check does too (red team: 'deep\\u200bseek' reached OpenRouter)."""
    from proxy.config import load_config

    catalogue = load_config(None).catalogue
    assert catalogue.is_blocked_model(model)
    assert not catalogue.is_blocked_model("openai/gpt-4o")


RT68_HOSTS = {  # red team RT-68: AI tools and DeepSeek-serving providers once passed through
    "lmarena.ai": "lmarena",
    "yuanbao.tencent.com": "tencent_yuanbao",
    "metaso.cn": "metaso",
    "api.featherless.ai": "featherless",
    "api.parasail.io": "parasail",
    "api.inference.net": "inference_net",
    "api.venice.ai": "venice",
    "api.avian.io": "avian",
    "inference.api.nscale.com": "nscale",
    "api.scaleway.ai": "scaleway_genai",
    "oai.endpoints.kepler.ai.cloud.ovh.net": "ovh_ai_endpoints",
    "ollama.com": "ollama_cloud",
    "api.blackbox.ai": "blackbox",
    "router.requesty.ai": "requesty",
    "glama.ai": "glama",
    "api.aimlapi.com": "aimlapi",
    "api.302.ai": "ai302",
    "api.minimax.chat": "minimax",
    "www.doubao.com": "doubao",
    "yiyan.baidu.com": "baidu_yiyan",
    "www.tongyi.com": "tongyi",
    "api.stepfun.com": "stepfun",
    "api.baichuan-ai.com": "baichuan",
    "api.lingyiwanwu.com": "lingyiwanwu",
    "api.ai21.com": "ai21",
    "api.writer.com": "writer",
    "api.upstage.ai": "upstage",
    "https.extension.phind.com": "phind",
    "v0.dev": "v0",
    "bolt.new": "bolt",
    "api.lovable.dev": "lovable",
    "www.notion.so": "notion_ai",
    "capi.grammarly.com": "grammarly",
    "api.deepl.com": "deepl",
    "quillbot.com": "quillbot",
    "otter.ai": "otter",
    "api.gamma.app": "gamma",
    "api.jasper.ai": "jasper",
}


@pytest.mark.parametrize("host,tool", sorted(RT68_HOSTS.items()))
def test_rt68_tools_are_online_and_scanned(catalogue, host, tool):
    match = catalogue.match(host)
    assert match is not None and match.id == tool
    assert match.status is ToolStatus.ONLINE  # never a false block of their other models


@pytest.mark.parametrize(
    "host", ["www.tencent.com", "www.baidu.com", "www.grammarly.com", "vercel.com", "repl.co"]
)
def test_the_rest_of_a_shared_parent_domain_is_not_an_ai_tool(catalogue, host):
    assert catalogue.match(host) is None


def test_only_notion_ai_paths_are_the_tool(catalogue):
    notion = catalogue.match("www.notion.so")
    assert notion is not None
    assert notion.serves_path("/api/v3/runInferenceTranscript")
    assert notion.serves_path("/api/v3/getCompletion")
    assert not notion.serves_path("/api/v3/saveTransactions")
    assert not notion.serves_path("/my-page-0123456789abcdef")


def test_match_remembers_names_and_its_memory_stays_bounded():
    from proxy import catalogue as module
    from proxy.catalogue import Catalogue, Tool

    cat = Catalogue([Tool(id="t", name="T", hosts=["api.example.ai", "*.wild.example.ai"])])
    assert cat.match("API.example.ai.").id == "t"
    assert cat.match("x.wild.example.ai").id == "t" and cat.match("other.example") is None
    assert cat.match("x.wild.example.ai").id == "t"  # from memory, same answer
    for n in range(module._CACHED_NAMES + 10):
        cat.match(f"h{n}.example")
    assert len(cat._matched) <= module._CACHED_NAMES
    cat.match("a" * 300 + ".example")  # longer than a DNS name: answered, not remembered
    assert "a" * 300 + ".example" not in cat._matched


@pytest.mark.parametrize(
    "host,tool",
    [
        ("maas-cn-southwest-2.modelarts-maas.com", "huawei_modelarts_maas"),
        ("api.ppinfra.com", "ppio"),
        ("spark-api-open.xf-yun.com", "iflytek_spark"),
        ("wishub-x1.ctyun.cn", "ctyun_ai"),
        ("translate-pa.googleapis.com", "google_translate"),
        ("api-eur.cognitive.microsofttranslator.com", "microsoft_translator"),
        ("translate.eu-west-2.amazonaws.com", "aws_translate"),
        ("grok.x.com", "xai_grok"),
        ("x.com", "x_grok"),
        ("push.clients6.google.com", "google_gemini"),
        ("replit.com", "replit"),
    ],
)
def test_round_d_catalogue_additions(catalogue, host, tool):
    assert catalogue.match(host).id == tool


def test_grok_in_x_is_scoped_to_its_paths(catalogue):
    grok = catalogue.match("x.com")
    assert grok.serves_path("/i/api/2/grok/add_response.json")
    assert grok.serves_path("/i/api/graphql/AbC123/CreateGrokConversation")
    assert not grok.serves_path("/i/api/1.1/statuses/update.json")
    assert not grok.serves_path("/home")


def test_a_passthrough_group_leaves_its_tools_out(tmp_path):
    """RT-90 addendum: machine translation is scanned by default; a deployment may decide
    otherwise for the whole group (its hosts are then passthrough)."""
    assert load_config().catalogue.match("translation.googleapis.com") is not None
    path = tmp_path / "aidlp.yaml"
    path.write_text("catalogue:\n  passthrough_groups: [machine_translation]\n")
    catalogue = load_config(path).catalogue
    for host in (
        "translation.googleapis.com",
        "api.deepl.com",
        "api.cognitive.microsofttranslator.com",
    ):
        assert catalogue.match(host) is None
    assert catalogue.match("api.openai.com").id == "openai"


def test_an_unknown_passthrough_group_is_a_located_error(tmp_path):
    from proxy.config import ConfigError

    path = tmp_path / "aidlp.yaml"
    path.write_text("catalogue:\n  passthrough_groups:\n    - machine_translatoin\n")
    with pytest.raises(
        ConfigError, match=r"passthrough_groups \(.*aidlp\.yaml line 2\).*translatoin"
    ):
        load_config(path)


def test_a_blocked_tool_has_no_group():
    with pytest.raises(ValidationError, match="whatever its group"):
        Tool(id="x", name="X", hosts=["x.example"], status=ToolStatus.BLOCKED, group="g")
