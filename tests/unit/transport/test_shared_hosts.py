"""Hosts shared with non-AI services (issue 15 case 4): decrypted, and the AI tool on its AI
paths in every form a server reads a path, and on every protocol upgrade; other paths are
forwarded untouched."""

from __future__ import annotations

import pytest
from mitmproxy.test import tflow

from proxy.addons.flows import tool_of
from proxy.catalogue import Tool
from proxy.config import load_config
from proxy.transport.names import classify
from proxy.transport.paths import matches_paths
from tests.unit.addons.test_blocked_tool_page import gate  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def catalogue():
    return load_config(None).catalogue


@pytest.mark.parametrize(
    "path",
    [
        "/duckchat/v1/chat",
        "/DuckChat/v1/chat",
        "//duckchat/v1/chat",
        "/search/../duckchat/v1/chat",
        "/search/%2e%2e/duckchat/v1/chat",
        "/%64uckchat/v1/chat",
        "/%2564uckchat/v1/chat",
        "/duckchat;v=1/v1/chat",
        "\\duckchat\\v1\\chat",
        "/./duckchat/v1/status?x=1",
        # red team RT-74: what lenient (IIS / Windows) front ends also read as the path
        "/%u0064uckchat/v1/chat",  # %u escape
        "/%EF%BD%84%EF%BD%95%EF%BD%83%EF%BD%8B%EF%BD%83%EF%BD%88%EF%BD%81%EF%BD%94/v1",  # full-width
        "/duckchat./v1/chat",  # trailing dot of a segment
        "/duckchat%20/v1/chat",  # trailing space
        "/duckchat%00/v1/chat",  # NUL
        "/duckchat%09/v1/chat",  # tab
        "/x%c0%af..%c0%afduckchat/v1/chat",  # overlong UTF-8 slash
    ],
)
def test_an_ai_path_in_any_form_a_server_reads_it(path):
    assert matches_paths(path, ["/duckchat*"])


@pytest.mark.parametrize("path", ["/", "/?q=rivers", "/search?q=duckchat", "/d.js", "/x/duckchat"])
def test_other_paths_are_not(path):
    assert not matches_paths(path, ["/duckchat*"])


@pytest.mark.parametrize(
    "host,path",
    [
        ("duckduckgo.com", "/duckchat/v1/chat"),
        ("www.bing.com", "/turing/conversation/create"),
        ("www.bing.com", "/sydney/ChatHub"),
        ("www.bing.com", "/chat?q=x"),
        ("substrate.office.com", "/m365Copilot/Chathub/abc@tenant"),
        # RT-74: AI answers through search paths
        ("www.bing.com", "/search?q=x&showconv=1"),
        ("www.bing.com", "/api/custom/chat"),
        ("substrate.office.com", "/search/api/v2/query"),
        ("duckduckgo.com", "/?q=x&ia=chat"),
    ],
)
def test_shipped_shared_hosts_scan_their_ai_paths(catalogue, host, path):
    tool = catalogue.match(host)
    assert tool is not None and tool.paths and tool.serves_path(path)


@pytest.mark.parametrize(
    "host,path",
    [("duckduckgo.com", "/d.js"), ("www.bing.com", "/maps?q=x"), ("substrate.office.com", "/")],
)
def test_shipped_shared_hosts_leave_other_paths(catalogue, host, path):
    assert not catalogue.match(host).serves_path(path)


def test_a_tool_on_every_path_wins_over_a_scoped_one(catalogue):
    """SNI www.bing.com with Host copilot.microsoft.com is Copilot on every path."""
    tool = classify(catalogue, ["www.bing.com", "copilot.microsoft.com"])
    assert tool is not None and tool.id == "microsoft_copilot"
    assert classify(catalogue, ["www.bing.com", "chat.deepseek.com"]).id == "deepseek"


def test_a_blocked_tool_cannot_be_scoped_to_paths():
    with pytest.raises(ValueError):
        Tool(id="b", name="B", hosts=["b.example"], status="blocked", paths=["/chat*"])


@pytest.mark.parametrize("glob", ["duckchat", "/a?b", "/a b"])
def test_bad_path_globs_are_refused(glob):
    with pytest.raises(ValueError):
        Tool(id="t", name="T", hosts=["t.example"], paths=[glob])


def _flow(host: str, path: str, **headers: str):
    flow = tflow.tflow()
    flow.request.host, flow.request.port, flow.request.path = host, 443, path
    flow.request.headers.clear()
    flow.request.headers["Host"] = host
    for name, value in headers.items():
        flow.request.headers[name.replace("_", "-")] = value
    flow.client_conn.sni = host
    return flow


@pytest.mark.parametrize(
    "path,headers,scanned",
    [
        ("/duckchat/v1/chat", {}, True),
        ("/ac/?q=rivers", {}, False),
        ("/?q=rivers&ia=chat", {}, True),  # the search page opens Duck.ai (RT-74)
        ("/anything", {"Upgrade": "websocket", "Connection": "Upgrade"}, True),
        ("/anything", {"Connection": "keep-alive, Upgrade"}, True),
        ("/anything", {"Sec_WebSocket_Key": "dGhlIHNhbXBsZSBub25jZQ=="}, True),
        ("/anything", {"Upgrade": "h2c"}, True),
    ],
)
def test_the_gate_tags_ai_paths_and_upgrades_on_a_shared_host(gate, path, headers, scanned):  # noqa: F811
    connection_gate, _ = gate
    flow = _flow("duckduckgo.com", path, **headers)
    connection_gate.requestheaders(flow)
    assert (tool_of(flow) is not None) is scanned
