"""The block page tunnel for blocked tools: which CONNECTs get it, and that nothing in it
ever connects upstream (the HTTPS e2e is tests/e2e/test_blocked_tool_https_e2e.py)."""

from __future__ import annotations

import pytest
from mitmproxy import tls
from mitmproxy.addons.proxyserver import Proxyserver
from mitmproxy.proxy import context, server_hooks
from mitmproxy.test import taddons, tflow

from proxy.addons import ConnectionGate, RuntimeHost, default_addons
from proxy.addons.blocked_tool_page import is_browser_connect, shows_page
from proxy.catalogue import BlockedToolPage, CatalogueSettings

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156"


@pytest.fixture
def gate():
    addons = default_addons()
    with taddons.context(Proxyserver(), *addons) as ctx:
        host = next(a for a in addons if isinstance(a, RuntimeHost))
        ctx.configure(host)
        yield next(a for a in addons if isinstance(a, ConnectionGate)), host


def connect(host: str = "chat.deepseek.com", agent: str | None = CHROME):
    flow = tflow.tflow()
    flow.request.method = "CONNECT"
    flow.request.host, flow.request.port = host, 443
    flow.request.headers.clear()
    if agent is not None:
        flow.request.headers["User-Agent"] = agent
    flow.client_conn.peername = ("10.9.8.7", 1)
    return flow


def inside(tunnel, path: str = "/", accept: str = "text/html,application/xhtml+xml"):
    flow = tflow.tflow(client_conn=tunnel.client_conn)
    flow.request.host, flow.request.port, flow.request.path = "chat.deepseek.com", 443, path
    flow.request.headers["Host"] = "chat.deepseek.com"
    flow.request.headers["Accept"] = accept
    return flow


@pytest.mark.parametrize(
    "agent,browser",
    [
        (CHROME, True),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0",
            True,
        ),
        ("curl/8.5.0", False),
        ("python-httpx/0.28.1", False),
        ("Go-http-client/1.1", False),
        (None, False),
    ],
)
def test_browsers_are_told_apart_by_their_user_agent(agent, browser):
    assert is_browser_connect(connect(agent=agent)) is browser


def test_the_setting_picks_who_gets_the_page():
    assert shows_page(BlockedToolPage.BROWSERS, connect()) is True
    assert shows_page(BlockedToolPage.BROWSERS, connect(agent="curl/8.5.0")) is False
    assert shows_page(BlockedToolPage.ALL, connect(agent="curl/8.5.0")) is True
    assert shows_page(BlockedToolPage.NONE, connect()) is False
    assert CatalogueSettings().blocked_tool_page is BlockedToolPage.BROWSERS  # the default


def test_a_browser_connect_is_accepted_and_every_request_inside_gets_the_page(gate):
    gate, _ = gate
    tunnel = connect()
    gate.http_connect(tunnel)
    assert tunnel.response.status_code == 200  # accepted by aidlp: mitmproxy opens nothing
    page = inside(tunnel)
    gate.requestheaders(page)
    assert page.response.status_code == 403
    assert page.response.headers["Content-Type"].startswith("text/html")
    assert b"PS6" in page.response.content and b"This AI tool is blocked" in page.response.content
    icon = inside(tunnel, "/favicon.ico", accept="image/avif,image/webp,*/*")
    gate.requestheaders(icon)
    assert icon.response.status_code == 403


def test_a_non_browser_connect_is_still_refused(gate):
    gate, _ = gate
    flow = connect(agent="curl/8.5.0")
    gate.http_connect(flow)
    assert flow.response.status_code == 403
    assert gate.pages.tunnel(flow.client_conn.id) is None


def test_nothing_in_a_page_tunnel_connects_upstream(gate):
    gate, _ = gate
    tunnel = connect()
    gate.http_connect(tunnel)
    hello = tls.ClientHelloData(context.Context(tunnel.client_conn, None), None)
    hello.establish_server_tls_first = True  # as mitmproxy's TlsConfig sets it (eager)
    gate.tls_clienthello(hello)
    gate.pages.tls_clienthello(hello)
    assert hello.establish_server_tls_first is False and hello.ignore_connection is False
    assert tunnel.client_conn.id not in gate.sni_refuser.refused  # TLS with us, not killed
    data = server_hooks.ServerConnectionHookData(tflow.tserver_conn(), tunnel.client_conn)
    gate.pages.server_connect(data)
    assert data.server.error and "blocked tool" in data.server.error
    other = server_hooks.ServerConnectionHookData(tflow.tserver_conn(), tflow.tclient_conn())
    gate.pages.server_connect(other)
    assert other.server.error is None  # other clients' connections are left alone
    gate.pages.client_disconnected(tunnel.client_conn)
    assert gate.pages.tunnel(tunnel.client_conn.id) is None


def test_a_failed_handshake_is_recorded_once_and_only_without_a_page(gate):
    gate, host = gate
    recorded = []
    host_live = host.live

    def live():
        runtime, inspector, recording = host_live()

        class Spy:
            def record(self, outcome):
                recorded.append(outcome)
                recording.record(outcome)

        return runtime, inspector, Spy()

    host.live = live
    tunnel = connect()
    gate.http_connect(tunnel)
    failed = tls.TlsData(tunnel.client_conn, context.Context(tunnel.client_conn, None))
    gate.pages.tls_failed_client(failed)
    gate.pages.tls_failed_client(failed)
    assert len(recorded) == 1
    assert recorded[0].decision.clauses == ["PS6"]
    served = connect()
    gate.http_connect(served)
    gate.requestheaders(inside(served))  # the page was shown: that request is the record
    gate.pages.tls_failed_client(
        tls.TlsData(served.client_conn, context.Context(served.client_conn, None))
    )
    assert len(recorded) == 2


def test_a_connect_already_answered_is_not_turned_into_a_page_tunnel(gate):
    """mitmproxy's proxyauth answers an unauthenticated CONNECT with 407 before aidlp's hook:
    that answer stands (never a tunnel without authentication)."""
    from mitmproxy import http

    gate, _ = gate
    flow = connect()
    flow.response = http.Response.make(407, b"", {"Proxy-Authenticate": 'Basic realm="x"'})
    gate.http_connect(flow)
    assert flow.response.status_code == 407  # the browser retries with credentials
    assert gate.pages.tunnel(flow.client_conn.id) is None
