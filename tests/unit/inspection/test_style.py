"""The response shape follows the adapter's declaration, else the endpoint."""

from __future__ import annotations

import asyncio
import json

import pytest

from proxy.config import load_config
from proxy.extract import Extraction
from proxy.inspection import HttpRequest, Inspector, Subject
from proxy.inspection.style import declared_styles, endpoint_style, response_style
from proxy.responses import render
from tests.unit.inspection.test_inspector import NINO, WordScanner


def blocked_outcome(host: str, path: str, body: dict):
    loaded = load_config(None)
    inspector = Inspector(loaded.config, loaded.catalogue, WordScanner())
    tool = loaded.catalogue.match(host)
    request = HttpRequest(
        "POST", host, path, {"content-type": "application/json"}, json.dumps(body).encode()
    )
    subject = Subject(tool, host=host, method="POST", path=path)
    return asyncio.run(inspector.inspect(request, subject))


def test_cohere_v2_chat_is_answered_in_the_shape_its_adapter_declares():
    """Cohere's adapter declares the OpenAI shape (its SDKs read error.message); the endpoint
    rule alone said generic."""
    assert endpoint_style("api.cohere.com", "/v2/chat") == "generic"
    outcome = blocked_outcome(
        "api.cohere.com",
        "/v2/chat",
        {"model": "command-r", "messages": [{"role": "user", "content": f"NINO {NINO}"}]},
    )
    assert outcome.blocked and outcome.extraction.adapter == "cohere"
    assert outcome.style == "openai"
    body = json.loads(render(outcome).body)
    assert set(body["error"]) == {"message", "type", "code"}
    assert body["error"]["code"] == "aidlp_blocked"


def test_adapters_declare_the_shapes_of_their_providers():
    styles = declared_styles()
    assert styles["openai"] == "openai" and styles["anthropic"] == "anthropic"
    assert styles["gemini"] == "gemini" and styles["cohere"] == "openai"
    assert "generic" not in styles  # the fallback adapter declares nothing


@pytest.mark.parametrize("adapter", ["generic", "multipart", "upload"])
def test_undeclared_adapters_fall_back_to_the_endpoint(adapter):
    extraction = Extraction(adapter=adapter, error_style="generic")
    assert response_style(extraction, "api.openai.com", "/v1/files", False) == "openai"
    assert response_style(None, "api.openai.com", "/v1/files", False) == "openai"


def test_a_declaring_adapter_wins_over_the_endpoint():
    extraction = Extraction(adapter="cohere", error_style="openai")
    assert response_style(extraction, "api.cohere.com", "/v2/chat", False) == "openai"


def test_browser_always_gets_html():
    extraction = Extraction(adapter="cohere", error_style="openai")
    assert response_style(extraction, "api.cohere.com", "/v2/chat", True) == "html"
