"""The gate at CONNECT: an address is accepted without connecting, but never over an answer
mitmproxy's proxy authentication already gave (a 407 stays a 407)."""

from __future__ import annotations

from mitmproxy import http
from mitmproxy.proxy.mode_specs import ProxyMode
from mitmproxy.test import tflow

from tests.unit.addons.test_blocked_tool_page import connect, gate  # noqa: F401 - fixture


def test_an_address_is_accepted_without_connecting(gate):  # noqa: F811
    connect_gate, _ = gate
    flow = connect("127.0.0.9", agent=None)
    connect_gate.http_connect(flow)
    assert flow.response is not None and flow.response.status_code == 200


def test_a_proxy_authentication_refusal_is_kept(gate):  # noqa: F811
    connect_gate, _ = gate
    flow = connect("127.0.0.9", agent=None)
    flow.response = http.Response.make(407, b"", {"Proxy-Authenticate": 'Basic realm="x"'})
    connect_gate.http_connect(flow)
    assert flow.response.status_code == 407


def _direct(host: str, mode: str):
    """A request with no CONNECT and no SNI, as a reverse-mode or plain-HTTP client sends it."""
    flow = tflow.tflow()
    flow.client_conn.proxy_mode = ProxyMode.parse(mode)
    flow.client_conn.sni = None
    flow.request.host, flow.request.port = host, 443
    flow.request.headers["Host"] = "www.example.com"
    return flow


def test_reverse_mode_keeps_the_destination_the_operator_configured(gate):  # noqa: F811
    """Rule: in reverse mode the operator's mode spec fixes the destination (an address is
    normal there); the request is not re-routed to its Host header."""
    connect_gate, _ = gate
    flow = _direct("127.0.0.1", "reverse:https://127.0.0.1:8443")
    connect_gate.requestheaders(flow)
    assert flow.request.host == "127.0.0.1"
    assert flow.response is None


def test_a_client_chosen_address_still_goes_to_the_host_it_names(gate):  # noqa: F811
    """Rule: in regular mode, an address the client chose with no SNI is replaced by the host
    the request names (issue 15 case 2: a DeepSeek address with another Host)."""
    connect_gate, _ = gate
    flow = _direct("127.0.0.9", "regular")
    connect_gate.requestheaders(flow)
    assert flow.request.host == "www.example.com"
