"""The addon chain: composition, option validation, and the request-header rules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from mitmproxy import exceptions
from mitmproxy.addons.proxyserver import Proxyserver
from mitmproxy.test import taddons, tflow

from proxy.addons import (
    ApprovalHeaderTaker,
    ConnectionGate,
    RequestInspector,
    RuntimeHost,
    default_addons,
)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def chain():
    addons = default_addons()
    with taddons.context(Proxyserver(), *addons) as context:  # Proxyserver defines the option
        host = next(a for a in addons if isinstance(a, RuntimeHost))
        context.configure(host)
        yield {type(a): a for a in addons}, context


def headers(chain, flow) -> None:
    addons, _ = chain
    for kind in (ConnectionGate, ApprovalHeaderTaker, RequestInspector):
        addons[kind].requestheaders(flow)


def ai_flow(host: str = "api.openai.com"):
    flow = tflow.tflow()
    flow.request.host = host
    flow.request.headers["host"] = host
    return flow


def test_requestheaders_forces_buffering_for_ai_hosts(chain):
    flow = ai_flow()
    flow.request.stream = True  # as mitmproxy's stream_large_bodies would have set it
    headers(chain, flow)
    assert flow.request.stream is False


def test_requestheaders_leaves_other_hosts_alone(chain):
    flow = ai_flow("www.example.com")
    flow.request.stream = True
    headers(chain, flow)
    assert flow.request.stream is True


def test_approval_header_is_taken_off_every_request(chain):
    for host in ("api.openai.com", "www.example.com"):
        flow = ai_flow(host)
        flow.request.headers["X-AIDLP-Approval"] = "a.b.c"
        headers(chain, flow)
        assert "X-AIDLP-Approval" not in flow.request.headers
    addons, _ = chain
    assert addons[ApprovalHeaderTaker].token(flow) is None  # not kept for non-AI hosts


def test_declared_oversize_body_is_blocked_at_the_headers(chain):
    flow = ai_flow()
    flow.request.method = "POST"
    flow.request.headers["content-length"] = str(10**12)
    headers(chain, flow)
    assert flow.response is not None and flow.response.status_code == 403
    assert flow.response.headers["X-AIDLP-Decision"] == "block"


def test_blocked_tool_is_refused_at_the_headers(chain):
    flow = ai_flow("chat.deepseek.com")
    headers(chain, flow)
    assert flow.response is not None and flow.response.status_code == 403


def test_stream_large_bodies_option_is_refused(chain):
    """A chunked body past stream_large_bodies is streamed by mitmproxy *after* requestheaders,
    so the option itself is refused."""
    addons, context = chain
    with pytest.raises(exceptions.OptionsError, match="stream_large_bodies"):
        context.configure(addons[RuntimeHost], stream_large_bodies="1k")


def test_bad_metrics_port_option_is_refused(chain):
    from proxy.addons import MetricsEndpoint

    addons, context = chain
    with pytest.raises(exceptions.OptionsError, match="aidlp_metrics_port"):
        context.configure(addons[MetricsEndpoint], aidlp_metrics_port=70000)


def test_addon_script_only_wires():
    """proxy/addon.py holds no logic: its only statements build the default chain."""
    tree = ast.parse((ROOT / "proxy" / "addon.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]


def test_no_addon_class_is_large():
    for path in sorted((ROOT / "proxy" / "addons").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef):
                lines = node.end_lineno - node.lineno + 1
                assert lines <= 150, f"{path.name}:{node.name} has {lines} lines"


def test_pipeline_never_imports_mitmproxy():
    for path in [
        *sorted((ROOT / "proxy" / "inspection").glob("*.py")),
        ROOT / "proxy" / "responses.py",
        ROOT / "proxy" / "policy.py",
        ROOT / "proxy" / "worker_pool.py",
    ]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] == "mitmproxy" for n in names), path.name
