"""The gate at CONNECT: an address is accepted without connecting, but never over an answer
mitmproxy's proxy authentication already gave (a 407 stays a 407)."""

from __future__ import annotations

from mitmproxy import http

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
