"""The model check reads model fields generically (red team RT-67 / RT-85): keys found by
their words, multipart fields, uploaded JSONL batch files, JSON sent as a string, the
tools' own aliases and opaque ids; and a word in a page slug is no model selection."""

from __future__ import annotations

import json

import pytest

from proxy.config import load_config
from proxy.transport.routing import BLOCKED, RoutingCheck, key_words
from proxy.transport.vocabulary import RoutingDataError, routing_vocabulary

HELLO = [{"role": "user", "content": "hello"}]
BOUNDARY = "bNd7x"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@pytest.fixture(scope="module")
def loaded():
    return load_config(None)


@pytest.fixture(scope="module")
def check(loaded):
    settings = loaded.config.catalogue
    return RoutingCheck(
        loaded.catalogue.blocked_markers, settings.routing_fields, settings.routing_headers
    )


def _multipart(*parts: tuple[str, str | None, str | None, str]) -> bytes:
    out = ""
    for name, filename, ctype, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        out += f"Content-Type: {ctype}\r\n" if ctype else ""
        out += f"\r\n{data}\r\n"
    return (out + f"--{BOUNDARY}--\r\n").encode()


def _batch(model: str) -> str:
    return "\n".join(
        json.dumps({"custom_id": f"r{i}", "body": {"model": model, "messages": HELLO}})
        for i in range(3)
    )


def test_key_words_split_every_spelling():
    assert key_words("selectedAiModel") == ["selected", "ai", "model"]
    assert key_words("model_preference") == ["model", "preference"]
    assert key_words("LLMProvider") == ["llm", "provider"]
    assert key_words("x-portkey-config") == ["x", "portkey", "config"]


@pytest.mark.parametrize(
    "body",
    [
        {"queryName": "SendMessageMutation", "variables": {"bot": "DeepSeek-R1", "query": "hi"}},
        {"modelName": "deepseek-r1", "messages": HELLO},
        {"modelDetails": {"modelName": "deepseek-r1"}, "conversation": [{"text": "hi"}]},
        {"query_str": "hi", "params": {"model_preference": "deepseek-r1"}},
        {"selectedAiModel": "deepseek_r1"},
        {"llm": {"name": "DeepSeek R1"}},
        {"model": "gpt-4o", "extra_body": json.dumps({"model": "deepseek-chat"})},
        {"config": json.dumps({"provider": "deepseek"}), "messages": HELLO},
    ],
)
def test_app_specific_model_fields_are_read(check, body):
    assert check.body_verdict(json.dumps(body)) == BLOCKED


@pytest.mark.parametrize(
    "body",
    [
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "Is DeepSeek-R1 any good?"}]},
        {"model": "gpt-4o", "bot_instructions": "You explain what DeepSeek is and who built it."},
        # a user pasting a JSON snippet as the whole prompt asks about it, it does not route
        {
            "model": "gpt-4o",
            "messages": [{"role": "user", "content": '{"model": "deepseek-chat"}'}],
        },
        {"bot": "GPT-4o", "query": "compare deepseek and llama"},
        {"modelName": "gpt-4o", "notes": "deepseek"},
    ],
)
def test_prose_about_deepseek_is_no_model_selection(check, body):
    assert check.body_verdict(json.dumps(body)) is None


def test_a_multipart_model_field_is_read(check):
    body = _multipart(("model", None, None, "deepseek/deepseek-r1"), ("prompt", None, None, "hi"))
    assert check.body_verdict(body, MULTIPART) == BLOCKED
    clean = _multipart(("model", None, None, "openai/gpt-4o"), ("prompt", None, None, "deepseek?"))
    assert check.body_verdict(clean, MULTIPART) is None


@pytest.mark.parametrize("model", ["deepseek-ai/DeepSeek-R1", "deepseek-r1-distill-llama-70b"])
def test_an_uploaded_batch_file_naming_deepseek_is_read(check, model):
    body = _multipart(
        ("purpose", None, None, "batch"),
        ("file", "batch.jsonl", "application/jsonl", _batch(model)),
    )
    assert check.body_verdict(body, MULTIPART) == BLOCKED
    clean = body.replace(model.encode(), b"meta-llama/Llama-3.3-70B-Instruct-Turbo")
    assert check.body_verdict(clean, MULTIPART) is None


def test_a_batch_file_put_raw_is_read(check):
    assert check.body_verdict(_batch("deepseek-chat").encode(), "application/jsonl") == BLOCKED


def test_a_multipart_field_holding_json_is_read(check):
    body = _multipart(("extra_body", None, None, json.dumps({"model": "deepseek-chat"})))
    assert check.body_verdict(body, MULTIPART) == BLOCKED


def test_a_model_in_the_query_under_an_app_name(check):
    assert check.url_verdict("/api/streamingSearch?q=hi&selectedAiModel=deepseek_r1") == BLOCKED
    assert check.url_verdict("/api/streamingSearch?q=what+is+deepseek") is None


@pytest.mark.parametrize(
    "path",
    [
        "/search/what-is-deepseek-and-why-is-it-popular-x1Y2z3",
        "/search/deepseek-vs-chatgpt-Ab12Cd",
        "/g/g-abc123-deepseek-helper-guide",
        "/page/is-deepseek-safe-for-government-use",
    ],
)
def test_a_word_in_a_page_slug_is_no_model_selection(check, path):
    assert check.url_verdict(path) is None


@pytest.mark.parametrize(
    "path",
    [
        "/DeepSeek-R1",  # Poe's bot page
        "/v1/acct/gateway/deepseek/chat/completions",  # a gateway's provider segment
        "/client/v4/accounts/a/ai/run/@cf/deepseek-ai/deepseek-r1-distill-qwen-32b",
        "/v1/models/deepseek-ai/deepseek-r1/predictions",
        "/models/some-org/deepseek-vs-everything-finetune-v2",  # after a routing segment
    ],
)
def test_a_path_segment_naming_a_model_is(check, path):
    assert check.url_verdict(path) == BLOCKED


def test_a_host_label_naming_a_model(check):
    assert check.host_verdict("someone-deepseek-r1-chat.hf.space") == BLOCKED
    assert check.host_verdict("news-about-deepseek-and-other-things.hf.space") is None
    assert check.host_verdict("my-tenant.openai.azure.com") is None


@pytest.mark.parametrize(
    "host,path,headers,body,ctype",
    [
        (
            "api.replicate.com",
            "/v1/predictions",
            [],
            json.dumps({"version": "6c8c4b7f0f3a0c0b1b9e1a3c5b7d9e2f", "input": {"prompt": "x"}}),
            "application/json",
        ),
        (
            "bedrock-runtime.us-east-1.amazonaws.com",
            "/model/arn%3Aaws%3Asagemaker%3Aus-east-1%3A1%3Aendpoint%2Fquick-start-r1/converse",
            [],
            "{}",
            "application/json",
        ),
        (
            "us-central1-aiplatform.googleapis.com",
            "/v1/projects/p/locations/us-central1/endpoints/1234567890123456789:predict",
            [],
            "{}",
            "application/json",
        ),
        ("api.portkey.ai", "/v1/chat/completions", [("x-portkey-config", "pc-r1-1a2b")], "{}", ""),
        (
            "api.portkey.ai",
            "/v1/chat/completions",
            [("x-portkey-virtual-key", "ds-prod-7f3a")],
            "{}",
            "",
        ),
    ],
)
def test_opaque_ids_are_unknown_models(loaded, check, host, path, headers, body, ctype):
    tool = loaded.catalogue.match(host)
    values = check.routing_values(path, headers, body, ctype, tool.routing_fields)
    assert loaded.catalogue.names_opaque_model(tool, path, values)


@pytest.mark.parametrize(
    "host,path,body",
    [
        ("api.replicate.com", "/v1/models/meta/meta-llama-3-70b/predictions", '{"input": {}}'),
        (
            "us-central1-aiplatform.googleapis.com",
            "/v1/projects/p/locations/us-central1/endpoints/openapi/chat/completions",
            '{"model": "google/gemini-2.0-flash"}',
        ),
        ("api.portkey.ai", "/v1/chat/completions", '{"model": "gpt-4o"}'),
    ],
)
def test_names_that_say_the_model_are_not_opaque(loaded, check, host, path, body):
    tool = loaded.catalogue.match(host)
    values = check.routing_values(path, [], body, "application/json", tool.routing_fields)
    assert not loaded.catalogue.names_opaque_model(tool, path, values)


@pytest.mark.parametrize(
    "body,blocked",
    [
        ({"query_str": "hi", "params": {"model_preference": "r1", "mode": "copilot"}}, True),
        ({"model": "sonar-reasoning-pro", "messages": HELLO}, True),
        ({"model": "sonar-pro", "messages": HELLO}, False),
        ({"query_str": "what is r1?", "params": {"model_preference": "pplx_pro"}}, False),
    ],
)
def test_a_tools_own_alias_for_deepseek(loaded, check, body, blocked):
    tool = loaded.catalogue.match("www.perplexity.ai")
    values = check.routing_values("/rest/sse/perplexity_ask", [], json.dumps(body))
    assert loaded.catalogue.names_blocked_alias(tool, values) is blocked


def test_the_vocabulary_is_data_validated_with_a_located_message(tmp_path):
    assert "bot" in routing_vocabulary().field_words
    bad = tmp_path / "routing.yaml"
    bad.write_text(
        "fields: [model]\nfield_words: [Model Name]\nname_max_words: 4\nname_max_chars: 200\n"
        "path_keywords: [models]\nslug_words: 2\nheaders: ['*model*']\n"
    )
    with pytest.raises(RoutingDataError, match=r"field_words\.0 \(.*routing\.yaml line 2\)"):
        routing_vocabulary(bad)


@pytest.mark.parametrize(
    "header",
    [
        ("helicone-target-url", "https://api.deepseek.com"),
        ("x-portkey-custom-host", "https://api.deepseek.com/v1"),
    ],
)
def test_a_gateway_header_pointing_at_deepseek_is_refused(check, header):
    """Red team RT-101: the gateway forwards to the URL it is given."""
    assert check.headers_verdict([header]) == BLOCKED
    assert check.headers_verdict([(header[0], "https://api.openai.com/v1")]) is None


@pytest.mark.parametrize(
    "host,address",
    [
        ("1-2-3-4.sslip.io", True),
        ("www-1-2-3-4.sslip.io", True),
        ("1.2.3.4.nip.io", True),
        ("cloudflare-ech.com", True),  # an ECH public name (RT-98)
        ("CLOUDFLARE-ECH.COM.", True),
        ("www.cloudflare-ech.com.example", False),
        ("1-2-3-4.example.com", True),
        ("ec2-54-12-34-56.compute-1.amazonaws.com", False),  # a name, not only an address
        ("api.openai.com", False),
        ("v1.2.3.4cdn.com", False),
    ],
)
def test_a_name_that_only_spells_an_address_is_unnamed(host, address):
    """Red team RT-102: wildcard DNS turns an address into a name."""
    from proxy.transport.names import is_ip_literal

    assert is_ip_literal(host) is address


@pytest.mark.parametrize(
    "header,value,verdict",
    [
        ("x-portkey-override-params", '{"model": "deepseek-chat"}', BLOCKED),
        ("x-anything", '{"override": {"provider": {"only": ["deepseek"]}}}', BLOCKED),
        ("x-anything", '[{"model": "deepseek/deepseek-r1"}]', BLOCKED),
        ("x-portkey-override-params", '{"model": "gpt-4o-mini"}', None),
        ("x-note", '{"topic": "a blog post about deepseek"}', None),  # no routing key
        ("x-note", "{not json deepseek", None),
    ],
)
def test_a_header_holding_json_is_read_for_routing_fields(check, header, value, verdict):
    """Red team RT-101: a gateway's override header, whatever its name, routes by its JSON."""
    assert check.headers_verdict([(header, value)]) == verdict


@pytest.mark.parametrize(
    "value,verdict",
    [
        ("https://api.deepseek.com/v1", BLOCKED),
        ("HTTPS://user:pw@Chat.DeepSeek.com:443/x", BLOCKED),
        ("https%3A%2F%2Fapi.deepseek.com%2Fv1", BLOCKED),
        ("first https://api.openai.com, then wss://deepseek.com/", BLOCKED),
        ("https://api.openai.com/v1", None),
        ("https://www.google.com/search?q=api.deepseek.com", None),  # a query is not the host
        ("https://mydeepseekblog.example/post", None),  # not DeepSeek's host
    ],
)
def test_a_header_url_to_a_blocked_tool_is_refused(value, verdict):
    """Red team RT-101: a URL in any header (a gateway's target / base URL under a name the
    routing-header globs do not know) that points at a blocked tool's host."""
    from proxy.inspection.pipeline import Inspector

    loaded = load_config()
    inspector = Inspector.__new__(Inspector)
    inspector.catalogue = loaded.catalogue
    assert inspector.header_urls_name_blocked_tool([("x-forward-to", value)]) == verdict


@pytest.mark.parametrize(
    "host,verdict",
    [
        ("deepseek-r1.lepton.run", BLOCKED),
        ("deepseek-chat.example-gw.io", BLOCKED),
        ("api-deepseek.example.cn", BLOCKED),
        ("someone--deepseek-v3-serve.modal.run", BLOCKED),
        ("DeepSeek-R1.inference.example.net", BLOCKED),
        ("what-is-deepseek.example", None),  # a page of words about it
        ("deepseek-news-and-reviews.example.com", None),
        ("mydeepseekblog.example", None),  # the marker does not start a word
        ("www.example.com", None),
        ("r1.example.com", None),
    ],
)
def test_a_deepseek_model_name_under_an_unlisted_domain(check, host, verdict):
    """Red team RT-123: refused at CONNECT whatever the domain; a blog about it is not."""
    assert check.unlisted_host_verdict(host) == verdict
