"""Red-team transport findings (this session's FINDINGS.md RT-01, RT-03, RT-04, RT-05), through
the real `aidlp run`, with the recording upstream (and, where the bytes on the wire matter, a
raw recording server): the value never arrives, and the block is recorded.
"""

from __future__ import annotations

import json
import socket

import h2.config
import h2.connection
import pytest

from tests.e2e.rawtls import open_tunnel, status_of
from tests.e2e.rawupstream import RawRecorder

NINO = "AB 12 34 56 C"
NINO_RAW = NINO.replace(" ", "")
BODY = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "name three rivers"}]}
).encode()


def _read_head(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    head = b""
    try:
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    except (TimeoutError, OSError):
        pass
    return head


# ---- RT-01: an upgrade to anything but a websocket would become a raw relay -----------------


@pytest.mark.parametrize("upgrade", ["H2C", "h2C", "h2c, foo", "foo"])
def test_non_websocket_upgrade_to_an_ai_host_never_switches_protocol(
    aidlp_proxy, upstream_log, upgrade
):
    sock, status = open_tunnel(aidlp_proxy.port, "api.openai.com:443")
    assert status == 200
    context = aidlp_proxy.ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    marker = f"rt01-{abs(hash(upgrade))}"
    with context.wrap_socket(sock, server_hostname="api.openai.com") as tls:
        tls.sendall(
            (
                "GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\n"
                "Connection: Upgrade, HTTP2-Settings\r\n"
                f"Upgrade: {upgrade}\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
                f"X-Marker: {marker}\r\n\r\n"
            ).encode()
        )
        head = _read_head(tls)
        assert b" 101 " not in head.split(b"\r\n")[0], head[:100]
        # Whatever the client sends next is HTTP/1.1 to the proxy, never a raw relay.
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        conn.initiate_connection()
        conn.send_headers(
            1,
            [
                (":method", "POST"),
                (":path", "/v1/chat/completions"),
                (":scheme", "https"),
                (":authority", "api.openai.com"),
            ],
        )
        conn.send_data(1, f"NINO {NINO}".encode(), end_stream=True)
        try:
            tls.sendall(conn.data_to_send())
            _read_head(tls, 3)
        except OSError:
            pass
    got = upstream_log.wait_for(lambda r: marker in str(r.headers))
    assert got is not None and "upgrade" not in got.headers and "http2-settings" not in got.headers
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=1) is None


SWITCHING = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\n"


@pytest.fixture(scope="module")
def switching_upstream() -> RawRecorder:
    """An upstream that switches protocol whatever it is asked (a misbehaving or hostile AI
    endpoint), then keeps reading what the proxy relays."""
    return RawRecorder(answer=SWITCHING, linger=3.0)


@pytest.fixture(scope="module")
def switching_proxy(start_proxy, switching_upstream):
    return start_proxy(
        env_extra={"AIDLP_TEST_UPSTREAM_HTTP": str(switching_upstream.port)}, name="switching"
    )


def test_a_101_that_is_not_a_websocket_is_refused_with_an_event(
    switching_proxy, switching_upstream
):
    sock = socket.create_connection(("127.0.0.1", switching_proxy.port), timeout=15)
    with sock:
        sock.sendall(
            b"GET http://api.openai.com/v1/models HTTP/1.1\r\nHost: api.openai.com\r\n\r\n"
        )
        head = _read_head(sock)
        assert status_of(head) == 403, head[:200]
        assert b"X-AIDLP-Decision: block" in head
        try:
            sock.sendall(f"raw bytes after the switch: NINO {NINO}\r\n\r\n".encode())
            _read_head(sock, 3)
        except OSError:
            pass
    assert not any(NINO.encode() in got for got in switching_upstream.received)
    assert switching_proxy.wait_event(
        lambda e: e.get("event") == "ai.scan.error" and e.get("reason") == "unparseable"
    )


# ---- RT-03 / RT-04 / RT-05 and host labels: every channel to the AI host is scanned ----------

CHANNELS = {
    "accept-language": ({"Accept-Language": f"en; note={NINO_RAW}"}, ""),
    "keep-alive": ({"Keep-Alive": f"timeout=5, {NINO_RAW}"}, ""),
    "if-none-match": ({"If-None-Match": f'"{NINO_RAW}"'}, ""),
    "cache-control": ({"Cache-Control": f"no-cache, ref={NINO_RAW}"}, ""),
    "bare-cookie": ({"Cookie": f"theme=dark; {NINO_RAW}"}, ""),
    "query-bare-key": ({}, f"?{NINO_RAW}"),
}


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "http2"])
@pytest.mark.parametrize(("headers", "query"), CHANNELS.values(), ids=CHANNELS.keys())
def test_identifier_in_any_header_bare_cookie_or_query_key_is_blocked(
    aidlp_proxy, upstream_log, headers, query, http2
):
    if http2 and "Keep-Alive" in headers:
        pytest.skip("HTTP/2 has no connection-specific headers (the client drops Keep-Alive)")
    with aidlp_proxy.httpx(http2=http2) as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions" + query,
            content=BODY,
            headers={"Content-Type": "application/json", **headers},
        )
    assert response.status_code == 403
    assert upstream_log.wait_for(lambda r: "chat/completions" in r.path, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and any(f["entity_type"] == "UK_NINO" for f in e.get("findings", []))
        )
    )


def test_identifier_in_a_host_label_is_blocked(aidlp_proxy, upstream_log):
    """``*.openai.com`` is OpenAI: a label of the name reaches it too (Host). Plain HTTP
    here, so no CONNECT (the CONNECT name is checked in the test below)."""
    with aidlp_proxy.httpx() as client:
        response = client.get(f"http://{NINO_RAW.lower()}.openai.com/v1/models")
    assert response.status_code == 403
    assert upstream_log.wait_for(lambda r: NINO_RAW.lower() in r.host, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and any(f["entity_type"] == "UK_NINO" for f in e.get("findings", []))
        )
    )


def test_proxy_authorization_inside_a_tunnel_never_reaches_the_ai_host(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            content=BODY,
            headers={"Content-Type": "application/json", "Proxy-Authorization": "Basic c2VjcmV0"},
        )
    assert response.status_code == 200
    got = upstream_log.wait_for(lambda r: "chat/completions" in r.path)
    assert got is not None and "proxy-authorization" not in got.headers


def test_ordinary_browser_and_sdk_headers_do_not_block(aidlp_proxy, upstream_log):
    """Control: scanning every header does not block what browsers and SDKs really send."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "Accept-Language": "en-GB,en;q=0.9,cy;q=0.8",
        "Cache-Control": "no-cache",
        "If-None-Match": 'W/"5e1a-1b2c3d4e5f"',
        "If-Modified-Since": "Tue, 01 Dec 2026 10:00:00 GMT",
        "Sec-CH-UA": '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
        "Sec-CH-UA-Platform": '"Windows"',
        "Sec-Fetch-Site": "same-origin",
        "Priority": "u=1, i",
        "Keep-Alive": "timeout=5, max=100",
        "X-Stainless-Lang": "python",
        "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
        "Cookie": "theme=dark; _ga=GA1.2.123456789.1700000000; consent",
    }
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions?api-version=2024-10-21&stream",
            content=BODY,
            headers=headers,
        )
    assert response.status_code == 200, response.text[:300]
    assert upstream_log.wait_for(lambda r: "chat/completions" in r.path) is not None


# ---- RT-25: a fragment on the request line, free text in framing headers --------------------


@pytest.mark.parametrize(
    "request_head",
    [
        f"GET /v1/models#{NINO_RAW} HTTP/1.1\r\nHost: api.openai.com\r\n",
        f"GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\nTrailer: {NINO_RAW}\r\n",
        f"GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\nAccept-Encoding: {NINO_RAW}\r\n",
        f"GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\nConnection: keep-alive, {NINO_RAW}\r\n",
    ],
    ids=["fragment", "trailer-declaration", "accept-encoding", "connection"],
)
def test_identifier_in_a_fragment_or_framing_header_is_blocked(
    aidlp_proxy, upstream_log, request_head
):
    sock, status = open_tunnel(aidlp_proxy.port, "api.openai.com:443")
    assert status == 200
    context = aidlp_proxy.ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    with context.wrap_socket(sock, server_hostname="api.openai.com") as tls:
        tls.sendall((request_head + "\r\n").encode())
        head = _read_head(tls)
    assert status_of(head) == 403, head[:120]
    assert upstream_log.wait_for(lambda r: "/v1/models" in r.path, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("method") == "GET"
    )


# ---- RT-32: gateways that route to DeepSeek, and AI tools that were passed through ------------


def test_deepseek_through_an_ai_gateway_path_is_refused(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://gateway.ai.cloudflare.com/v1/acct/gw/deepseek/chat/completions",
            json={"model": "deepseek-chat", "messages": [{"role": "user", "content": "hi"}]},
        )
    assert response.status_code == 403
    assert upstream_log.wait_for(lambda r: "gateway.ai" in r.host, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("tool") == "cloudflare_ai_gateway"
    )


def test_a_coding_assistant_host_is_intercepted_and_scanned(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api2.cursor.sh/aiserver.v1.ChatService/StreamChat",
            json={"messages": [{"role": "user", "content": f"claimant NINO {NINO}"}]},
        )
    assert response.status_code == 403
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("tool") == "cursor"
    )


# ---- RT-31: a handshake mitmproxy does not take for a websocket is never relayed raw ----------


def test_duplicate_websocket_version_handshake_is_refused_not_relayed(aidlp_proxy, upstream_log):
    """The server (last value wins) accepts the websocket; mitmproxy (joined "13, 13") would
    have relayed it as raw TCP. The 101 is refused instead, and no frame gets through."""
    from wsproto.frame_protocol import FrameProtocol, Opcode

    sock, status = open_tunnel(aidlp_proxy.port, "copilot.microsoft.com:443")
    assert status == 200
    context = aidlp_proxy.ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    with context.wrap_socket(sock, server_hostname="copilot.microsoft.com") as tls:
        tls.sendall(
            b"GET /c/api/chat HTTP/1.1\r\nHost: copilot.microsoft.com\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        head = _read_head(tls)
        assert status_of(head) == 403, head[:120]
        frame = FrameProtocol(client=True, extensions=[]).send_data(
            f'{{"event": "send", "text": "NINO {NINO}"}}', fin=True
        )
        assert frame[0] & 0x0F == Opcode.TEXT
        try:
            tls.sendall(frame)
            _read_head(tls, 2)
        except OSError:
            pass
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=1) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.scan.error" and e.get("path") == "/c/api/chat"
    )


# ---- RT-60: an identifier as a label of a wildcard-matched AI-tool name -----------------------


def test_identifier_in_a_connect_name_is_refused_before_any_connection(aidlp_proxy, upstream_log):
    """``*.openai.com`` matches it: the name is scanned at the CONNECT, before the proxy
    resolves or connects to it (the label would leave in DNS and the SNI)."""
    name = f"{NINO_RAW.lower()}.openai.com"
    sock, status = open_tunnel(aidlp_proxy.port, f"{name}:443")
    sock.close()
    assert status == 403
    assert not [c for c in aidlp_proxy.upstream_connects() if NINO_RAW.lower() in c]
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and any(f["entity_type"] == "UK_NINO" for f in e.get("findings", []))
            and e.get("method") == "CONNECT"
        )
    )
    # Control: a clean wildcard-matched name opens its tunnel.
    with aidlp_proxy.httpx() as client:
        assert client.get("https://files.oaiusercontent.com/file-abc").status_code == 200
