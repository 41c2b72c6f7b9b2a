"""Addon wiring for extraction: streaming is never allowed for AI-tool request bodies."""

from __future__ import annotations

import pytest
from mitmproxy import exceptions
from mitmproxy.addons.proxyserver import Proxyserver
from mitmproxy.test import taddons, tflow

from proxy.addon import AidlpAddon


@pytest.fixture
def addon():
    instance = AidlpAddon()
    with taddons.context(Proxyserver(), instance) as context:  # Proxyserver defines the option
        context.configure(instance)
        yield instance, context


def test_requestheaders_forces_buffering_for_ai_hosts(addon):
    instance, _ = addon
    flow = tflow.tflow()
    flow.request.host = "api.openai.com"
    flow.request.headers["host"] = "api.openai.com"
    flow.request.stream = True  # as mitmproxy's stream_large_bodies would have set it
    instance.requestheaders(flow)
    assert flow.request.stream is False


def test_requestheaders_leaves_other_hosts_alone(addon):
    instance, _ = addon
    flow = tflow.tflow()
    flow.request.host = "www.example.com"
    flow.request.headers["host"] = "www.example.com"
    flow.request.stream = True
    instance.requestheaders(flow)
    assert flow.request.stream is True


def test_stream_large_bodies_option_is_refused(addon):
    """A chunked body past stream_large_bodies is streamed by mitmproxy *after* requestheaders,
    so the option itself is refused."""
    instance, context = addon
    with pytest.raises(exceptions.OptionsError, match="stream_large_bodies"):
        context.configure(instance, stream_large_bodies="1k")
