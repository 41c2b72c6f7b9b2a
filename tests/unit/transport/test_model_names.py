"""DeepSeek under provider-side names (issue 15): derivative and vendor names from catalogue
data, the model read from every place a provider reads it (body, path, query, headers), and
names that do not say which model serves them (presets, deployments)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from proxy.catalogue import Tool
from proxy.config import load_config
from proxy.transport.routing import BLOCKED, RoutingCheck


@pytest.fixture(scope="module")
def loaded():
    return load_config(None)


@pytest.fixture(scope="module")
def check(loaded):
    settings = loaded.config.catalogue
    return RoutingCheck(
        loaded.catalogue.blocked_markers, settings.routing_fields, settings.routing_headers
    )


@pytest.mark.parametrize(
    "model",
    [
        "microsoft/mai-ds-r1:free",  # OpenRouter
        "MAI-DS-R1",  # GitHub Models / Azure AI Foundry
        "perplexity/r1-1776",
        "r1-1776",
        "deepseek-r1-distill-llama-70b",  # Groq
        "bartowski/R1-Distill-Qwen-32B-GGUF",  # a distill whose name drops "deepseek"
        "us.deepseek.r1-v1:0",  # Bedrock cross-region profile
        "accounts/fireworks/models/deepseek-v3",
        "deepseek-ai/DeepSeek-R1",  # Together
        "Deep-Seek-R1",
        "deep_seek/r1",
    ],
)
def test_derivative_and_vendor_names_are_blocked(loaded, model):
    assert loaded.catalogue.is_blocked_model(model)


@pytest.mark.parametrize(
    "model",
    [
        "openai/gpt-4o",
        "meta-llama/llama-3.3-70b-instruct",
        "command-r-plus",
        "qwen/qwen-2.5-72b-instruct",
        "o1-mini",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
    ],
)
def test_other_models_are_not(loaded, model):
    assert not loaded.catalogue.is_blocked_model(model)


def test_the_markers_are_catalogue_data(loaded):
    deepseek = loaded.catalogue.tools["deepseek"]
    assert "mai-ds-r1" in deepseek.models
    assert set(deepseek.models) <= set(loaded.catalogue.blocked_markers)


def test_a_blocked_tool_without_models_is_matched_by_its_id():
    from proxy.catalogue import Catalogue

    catalogue = Catalogue([Tool(id="badai", name="B", hosts=["badai.example"], status="blocked")])
    assert catalogue.is_blocked_model("vendor/BadAI-7b")


@pytest.mark.parametrize("marker", ["", "ab", "has space", "UPPER?"])
def test_bad_model_markers_are_refused(marker):
    with pytest.raises(ValidationError):
        Tool(id="t", name="T", hosts=["t.example"], status="blocked", models=[marker])


@pytest.mark.parametrize(
    "path",
    [
        "/v1/models/microsoft/mai-ds-r1/chat",
        "/openai/deployments/r1-1776/chat/completions",
        "/model/deepseek-r1-distill-qwen-32b/invoke",
    ],
)
def test_derivative_names_in_the_path(check, path):
    assert check.url_verdict(path) == BLOCKED


@pytest.mark.parametrize(
    "headers",
    [
        [("x-model", "deepseek-r1")],
        [("X-Model-Name", "mai-ds-r1")],
        [("x-portkey-provider", "deepseek")],
        [("x-portkey-config", '{"provider": "deepseek", "api_key": "x"}')],
        [("azureml-model-deployment", "DeepSeek-R1-abcd")],
        [("x-ms-model-mesh-model-name", "DeepSeek-R1")],
        [("x-deployment-id", "r1-distill-qwen")],
    ],
)
def test_a_blocked_model_in_a_routing_header(check, headers):
    assert check.headers_verdict(headers) == BLOCKED


@pytest.mark.parametrize(
    "headers",
    [
        [("x-note", "compare with deepseek")],  # not a routing header
        [("referer", "https://chat.deepseek.com/")],
        [("x-model", "gpt-4o")],
    ],
)
def test_other_headers_do_not_route(check, headers):
    assert check.headers_verdict(headers) is None


def test_the_model_in_the_preset_field(check):
    assert check.body_verdict(b'{"model": "openai/gpt-4o", "preset": "deepseek-fast"}') == BLOCKED


# ---- names that do not say which model serves them ---------------------------------------------


@pytest.mark.parametrize(
    "host,path,headers,body,opaque",
    [
        ("openrouter.ai", "/api/v1/chat/completions", [], b'{"model": "@preset/my-r1"}', True),
        (
            "openrouter.ai",
            "/api/v1/chat/completions",
            [],
            b'{"model": "openai/gpt-4o@preset/house-style"}',
            True,
        ),
        (
            "openrouter.ai",
            "/api/v1/chat/completions",
            [],
            b'{"model": "openai/gpt-4o", "preset": "my-r1"}',
            True,
        ),
        ("openrouter.ai", "/api/v1/chat/completions", [], b'{"model": "openrouter/auto"}', True),
        ("openrouter.ai", "/api/v1/chat/completions", [], b'{"model": "openai/gpt-4o"}', False),
        (
            "my-tenant.openai.azure.com",
            "/openai/deployments/my-r1/chat/completions?api-version=2024-10-21",
            [],
            b'{"messages": []}',
            True,
        ),
        (
            "my-tenant.services.ai.azure.com",
            "/models/chat/completions",
            [],
            b'{"model": "prod-reasoner"}',
            True,
        ),
        (
            "bedrock-runtime.eu-west-2.amazonaws.com",
            "/model/arn%3Aaws%3Abedrock%3Aeu-west-2%3A1%3Aapplication-inference-profile%2Fa1b2/converse",
            [],
            b"{}",
            True,
        ),
        (
            "bedrock-runtime.eu-west-2.amazonaws.com",
            "/model/arn:aws:bedrock:eu-west-2:1:imported-model/abc123/invoke",
            [],
            b"{}",
            True,
        ),
        (
            "bedrock-runtime.eu-west-2.amazonaws.com",
            "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse",
            [],
            b"{}",
            False,
        ),
        (
            "api.fireworks.ai",
            "/inference/v1/chat/completions",
            [],
            b'{"model": "accounts/acme/deployedModels/r1-prod-7x2"}',
            True,
        ),
        ("api.openai.com", "/v1/chat/completions", [], b'{"model": "@preset/x"}', False),
    ],
)
def test_names_that_do_not_say_the_model(loaded, check, host, path, headers, body, opaque):
    tool = loaded.catalogue.match(host)
    values = check.routing_values(path, headers, body)
    assert loaded.catalogue.names_opaque_model(tool, path, values) is opaque


@pytest.mark.parametrize(
    "body,verdict",
    [
        (b'{"model": "openai/gpt-4o", "provider": {"ignore": ["DeepSeek"]}}', None),
        (b"model=openai/gpt-4o&provider[ignore][]=deepseek", None),
        (b'{"model": "x", "provider": {"ignore": ["a"], "only": ["deepseek"]}}', BLOCKED),
        (b'{"model": "deepseek/deepseek-r1", "provider": {"ignore": ["x"]}}', BLOCKED),
    ],
)
def test_a_provider_ignore_list_keeps_deepseek_out_and_is_not_a_request_for_it(
    check, body, verdict
):
    assert check.body_verdict(body) == verdict
