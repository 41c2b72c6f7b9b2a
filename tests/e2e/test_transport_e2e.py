"""Issue 15: no path from a client to an AI host that skips the scan (transport layer).

Every test goes through the real `aidlp run` to the recording upstream, and asserts that the
sensitive value did not arrive (or DeepSeek was not reached) and that an event was recorded.
The TLS cases use a raw-socket client (tests/e2e/rawtls.py) that mangles the ClientHello's
record layer the way DPI-evasion tools do.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import time

import pytest
import websockets
from websockets.asyncio.client import connect

from tests.e2e.conftest import TEST_CONFIG, require_tool
from tests.e2e.rawtls import MangledTLS, h2_request, http_request, open_tunnel, status_of

NINO = "AB 12 34 56 C"
NINO_RAW = NINO.replace(" ", "")


def _chat(text: str, model: str = "gpt-4o-mini") -> bytes:
    return json.dumps({"model": model, "messages": [{"role": "user", "content": text}]}).encode()


def _arrived(upstream_log, needle: bytes, timeout: float = 1.0) -> bool:
    return (
        upstream_log.wait_for(
            lambda r: (
                needle in r.body or needle.decode() in r.path or needle.decode() in str(r.headers)
            ),
            timeout=timeout,
        )
        is not None
    )


def _mangled_session(proxy, target: str, sni: str | None, **mangle):
    sock, status = open_tunnel(proxy.port, target)
    assert status == 200
    context = proxy.ssl_context()
    if sni is None:
        context.check_hostname = False
    tls = MangledTLS(sock, context, sni, **mangle)
    tls.handshake()
    return sock, tls


# ---- 1. ClientHello evasion ------------------------------------------------------------------

MANGLES = {
    "first-byte-alone": {"split_first_byte": True},
    "record-version-0x0304": {"record_version": b"\x03\x04"},
    "both-and-three-records": {
        "split_first_byte": True,
        "record_version": b"\x03\x04",
        "records": 3,
    },
}


@pytest.mark.parametrize("mangle", MANGLES.values(), ids=MANGLES.keys())
def test_mangled_clienthello_to_ai_host_is_intercepted_and_scanned(
    aidlp_proxy, upstream_log, mangle
):
    sock, tls = _mangled_session(aidlp_proxy, "api.openai.com:443", "api.openai.com", **mangle)
    with sock:
        body = _chat(f"Claimant NINO {NINO}, draft a letter")
        tls.send(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                body,
                Content_Type="application/json",
            )
        )
        response = tls.read_response()
    assert status_of(response) == 403, response[:200]
    assert b"X-AIDLP-Decision: block" in response or b"x-aidlp-decision: block" in response
    assert not _arrived(upstream_log, NINO.encode())
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("host") == "api.openai.com"
            and any(f["category"] == "PERSONAL_DATA" for f in e.get("findings", []))
        )
    )


def test_mangled_clienthello_benign_prompt_still_works(aidlp_proxy, upstream_log):
    """Control: the same evasions with a harmless prompt are intercepted and forwarded."""
    sock, tls = _mangled_session(
        aidlp_proxy, "api.openai.com:443", "api.openai.com", **MANGLES["both-and-three-records"]
    )
    with sock:
        tls.send(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                _chat("name three rivers in Wales"),
                Content_Type="application/json",
            )
        )
        response = tls.read_response()
    assert status_of(response) == 200
    assert _arrived(upstream_log, b"rivers in Wales")


def test_http_request_written_a_byte_at_a_time_inside_tls_is_scanned(aidlp_proxy, upstream_log):
    """No ALPN, and the request's first byte alone: mitmproxy's "probably not HTTP" guess
    would relay the decrypted stream raw."""
    sock, tls = _mangled_session(aidlp_proxy, "api.openai.com:443", "api.openai.com")
    with sock:
        tls.send(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                _chat(f"NINO {NINO} please"),
                Content_Type="application/json",
            ),
            split_first_byte=True,
        )
        response = tls.read_response()
    assert status_of(response) == 403
    assert not _arrived(upstream_log, NINO.encode())


def test_plain_http_written_a_byte_at_a_time_in_ai_tunnel_is_scanned(aidlp_proxy, upstream_log):
    """A CONNECT to an AI host on port 80 and plain HTTP, first byte alone."""
    sock, status = open_tunnel(aidlp_proxy.port, "api.openai.com:80")
    assert status == 200
    with sock:
        request = http_request(
            "POST",
            "api.openai.com",
            "/v1/chat/completions",
            _chat(f"NINO {NINO}"),
            Content_Type="application/json",
        )
        sock.sendall(request[:1])
        time.sleep(0.4)
        sock.sendall(request[1:])
        response = _read_plain(sock)
    assert status_of(response) == 403
    assert not _arrived(upstream_log, NINO.encode())


def test_raw_bytes_to_ai_host_are_never_relayed(aidlp_proxy, upstream_log):
    """Neither TLS nor HTTP towards an AI host: handled as HTTP (400), not relayed raw."""
    sock, status = open_tunnel(aidlp_proxy.port, "api.openai.com:443")
    assert status == 200
    with sock:
        sock.sendall(b"\x00\x01\x02 " + NINO_RAW.encode() + b"\r\n\r\n")
        response = _read_plain(sock)
    assert response.startswith(b"HTTP/1.1 400"), response[:100]
    assert not _arrived(upstream_log, NINO_RAW.encode())


def _read_plain(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    out = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, body = out.partition(b"\r\n\r\n")
                lengths = [
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ]
                if lengths and len(body) >= lengths[0]:
                    break
    except TimeoutError:
        pass
    return out


@pytest.mark.parametrize("mangle", MANGLES.values(), ids=MANGLES.keys())
def test_deepseek_sni_through_ip_literal_connect_with_mangled_hello_is_refused(
    aidlp_proxy, upstream_log, mangle
):
    """The address stands in for one of DeepSeek's: no connection is opened to it, not even
    at CONNECT time (red team RT-26: mitmproxy's eager strategy connected before the SNI)."""
    address = f"127.0.0.{10 + list(MANGLES.values()).index(mangle)}"
    earlier = len(aidlp_proxy.upstream_connects())  # the proxy is the whole session's
    sock, status = open_tunnel(aidlp_proxy.port, f"{address}:443")
    assert status == 200
    with sock, pytest.raises((ConnectionError, ssl.SSLError, OSError)):
        tls = MangledTLS(sock, aidlp_proxy.ssl_context(), "api.deepseek.com", **mangle)
        tls.handshake()
        tls.send(http_request("GET", "api.deepseek.com", "/"))
        if not tls.read_response(5):
            raise ConnectionError("closed")
    assert upstream_log.wait_for(lambda r: "deepseek" in r.host, timeout=0.5) is None
    connects = aidlp_proxy.upstream_connects()[earlier:]
    assert not [c for c in connects if "deepseek" in c]
    assert not [c for c in connects if c.startswith(address + ":")]
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.tool.blocked"
            and e.get("stage") == "sni"
            and e.get("tool") == "deepseek"
        )
    )


# ---- 3. names that disagree, unnamed destinations, IP ranges ----------------------------------

NETWORK_CONFIG = (
    TEST_CONFIG
    + """
catalogue:
  extra_tools:
    - id: blocked_by_address
      name: A blocked tool known by its addresses
      status: blocked
      hosts: [blocked-by-address.invalid]
      networks: [203.0.113.0/24, "2001:db8:dead::/48"]
"""
)


@pytest.fixture(scope="module")
def network_proxy(start_proxy):
    return start_proxy(NETWORK_CONFIG, name="networks")


@pytest.mark.parametrize("target", ["203.0.113.7:443", "[2001:db8:dead::1]:443"])
def test_connect_to_an_address_of_a_blocked_tool_is_refused(network_proxy, target):
    sock, status = open_tunnel(network_proxy.port, target)
    sock.close()
    assert status == 403
    host = target.rsplit(":", 1)[0].strip("[]")
    assert not [c for c in network_proxy.upstream_connects() if host in c]
    assert network_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("tool") == "blocked_by_address"
    )


# ---- 2. fail closed: a non-UTF-8 approval header ------------------------------------------

BAD_APPROVAL = b"eyJhbGciOiJFZERTQSJ9.\xff\xfe.\xc3("


def test_non_utf8_approval_header_http1_is_invalid_not_fail_open(aidlp_proxy, upstream_log):
    curl = require_tool("curl")
    body = _chat(f"my NINO is {NINO}")
    result = subprocess.run(
        [
            curl.encode(),
            b"-sS",
            b"--max-time",
            b"20",
            b"-x",
            aidlp_proxy.url.encode(),
            b"--cacert",
            str(aidlp_proxy.ca_bundle).encode(),
            b"-H",
            b"Content-Type: application/json",
            b"-H",
            b"X-AIDLP-Approval: " + BAD_APPROVAL,
            b"-w",
            b"\n%{http_code}",
            b"--data-binary",
            body,
            b"https://api.openai.com/v1/chat/completions",
        ],
        capture_output=True,
        timeout=60,
    )
    assert result.stdout.rsplit(b"\n", 1)[-1] == b"403", result.stdout[-300:]
    assert not _arrived(upstream_log, NINO.encode())
    assert not upstream_log.wait_for(lambda r: "x-aidlp-approval" in r.headers, timeout=0.3)
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("path") == "/v1/chat/completions"
            and e.get("approval") is None
            and any(f["category"] == "PERSONAL_DATA" for f in e.get("findings", []))
        )
    )


def test_non_utf8_approval_header_http2_is_invalid_not_fail_open(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            content=_chat(f"my NINO is {NINO}"),
            headers={"Content-Type": "application/json", "X-AIDLP-Approval": BAD_APPROVAL},
        )
    assert response.http_version == "HTTP/2"
    assert response.status_code == 403
    assert not _arrived(upstream_log, NINO.encode())


@pytest.mark.parametrize("query", ["", "?api-version=2"])
def test_non_utf8_approval_header_websocket_is_invalid_not_fail_open(
    aidlp_proxy, upstream_log, query
):
    frame = json.dumps(
        {"event": "send", "content": [{"type": "text", "text": f"NINO {NINO}"}], "mode": "chat"}
    )
    code = asyncio.run(
        _ws_send(
            aidlp_proxy,
            "wss://copilot.microsoft.com/c/api/chat" + query,
            [frame],
            {"X-AIDLP-Approval": BAD_APPROVAL.decode("latin-1")},
        )
    )
    assert code == 1008
    assert not _arrived(upstream_log, NINO.encode())


async def _ws_send(proxy, url: str, frames: list[str], headers: dict[str, str] | None = None):
    """Send ``frames``; the close code the client received (None if the socket stayed open)."""
    async with connect(
        url,
        proxy=proxy.url,
        ssl=proxy.ssl_context(),
        open_timeout=20,
        additional_headers=headers or {},
    ) as ws:
        try:
            for frame in frames:
                await ws.send(frame)
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None


def _h2(
    proxy,
    *,
    connect="api.openai.com:443",
    sni="api.openai.com",
    authority=None,
    path="/v1/chat/completions",
    body=b"",
    extra=(),
    trailers=None,
    method="POST",
):
    headers = [
        (":method", method),
        (":scheme", "https"),
        (":authority", authority or connect.rsplit(":", 1)[0]),
        (":path", path),
        ("content-type", "application/json"),
        *extra,
    ]
    return h2_request(
        proxy.port,
        proxy.ssl_context(),
        connect=connect,
        sni=sni,
        headers=headers,
        body=body,
        trailers=trailers,
    )


def test_h2_authority_naming_deepseek_inside_an_openai_tunnel_is_refused(aidlp_proxy, upstream_log):
    status, _, body = _h2(aidlp_proxy, authority="api.deepseek.com", body=_chat("hello"))
    assert status == 403 and b"PS6" in body
    assert upstream_log.wait_for(lambda r: "deepseek" in r.host, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("host") == "api.deepseek.com"
    )


def test_unknown_host_header_inside_an_openai_tunnel_is_still_scanned(aidlp_proxy, upstream_log):
    sock, tls = _mangled_session(aidlp_proxy, "api.openai.com:443", "api.openai.com")
    with sock:
        tls.send(
            http_request(
                "POST",
                "not-in-the-catalogue.example",
                "/v1/chat/completions",
                _chat(f"NINO {NINO}"),
                Content_Type="application/json",
            )
        )
        response = tls.read_response()
    assert status_of(response) == 403
    assert not _arrived(upstream_log, NINO.encode())
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("tool") == "openai"
            and e.get("host") == "not-in-the-catalogue.example"
        )
    )


def test_ip_literal_without_sni_is_intercepted_and_classified_by_host(aidlp_proxy, upstream_log):
    """Unnamed destination (IP literal CONNECT, no SNI): intercepted by default, and the
    Host header names the AI tool, so the prompt is scanned."""
    sock, tls = _mangled_session(aidlp_proxy, "127.0.0.1:443", None, split_first_byte=True)
    with sock:
        tls.send(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                _chat(f"NINO {NINO}"),
                Content_Type="application/json",
            )
        )
        response = tls.read_response()
    assert status_of(response) == 403
    assert not _arrived(upstream_log, NINO.encode())
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("tool") == "openai"
    )


def test_ip_literal_without_sni_benign_request_still_reaches_the_ai_tool(aidlp_proxy, upstream_log):
    """Control: no upstream connection at CONNECT or ClientHello, one once a classified
    request is allowed (only this test's connections count: the proxy is shared by the
    session, and other tests may connect to 127.0.0.1:443 by name)."""
    seen = len(aidlp_proxy.upstream_connects())
    sock, tls = _mangled_session(aidlp_proxy, "127.0.0.1:443", None)  # the cert covers it
    with sock:
        tls.send(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                _chat("name three rivers in Scotland"),
                Content_Type="application/json",
            )
        )
        response = tls.read_response()
    assert status_of(response) == 200, response[:200]
    assert _arrived(upstream_log, b"rivers in Scotland")
    # sent to the host the request names, resolved by the proxy, not to the client's address
    connects = aidlp_proxy.upstream_connects()[seen:]
    assert [c for c in connects if c.startswith("api.openai.com:443")]
    assert not [c for c in connects if c.startswith("127.0.0.1:443")]


@pytest.mark.parametrize("address", ["2130706433", "0x7f000001", "127.1", "0177.0.0.1"])
def test_non_canonical_ip_literal_connect_is_intercepted_and_classified(
    aidlp_proxy, upstream_log, address
):
    """Red team: CONNECT to an address written as a resolver also accepts it (decimal, hex,
    short or octal forms) is an unnamed destination too: intercepted, and the Host naming the
    AI tool is scanned (before the fix it was passed through unscanned)."""
    sock, tls = _mangled_session(aidlp_proxy, f"{address}:443", None)
    with sock:
        tls.send(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                _chat(f"NINO {NINO}"),
                Content_Type="application/json",
            )
        )
        response = tls.read_response()
    assert status_of(response) == 403
    assert not _arrived(upstream_log, NINO.encode())


def test_ip_literal_connect_with_a_non_ai_sni_is_still_classified_by_host(
    aidlp_proxy, upstream_log
):
    """CONNECT to an address with an innocent SNI: the SNI cannot vouch for the address, so
    the tunnel is intercepted and the Host naming the AI tool is scanned."""
    sock, tls = _mangled_session(aidlp_proxy, "127.0.0.1:443", "www.example.com")
    with sock:
        tls.send(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                _chat(f"NINO {NINO}"),
                Content_Type="application/json",
            )
        )
        response = tls.read_response()
    assert status_of(response) == 403
    assert not _arrived(upstream_log, NINO.encode())


def test_ip_literal_without_sni_naming_deepseek_in_host_is_refused(aidlp_proxy, upstream_log):
    status, _, body = _h2(
        aidlp_proxy,
        connect="127.0.0.20:443",
        sni=None,
        authority="chat.deepseek.com",
        path="/",
        method="GET",
    )
    assert status == 403 and b"PS6" in body
    assert upstream_log.wait_for(lambda r: "deepseek" in r.host, timeout=0.5) is None
    # no upstream connection to the address at all: neither at CONNECT nor at the ClientHello
    assert not [c for c in aidlp_proxy.upstream_connects() if c.startswith("127.0.0.20:")]


@pytest.fixture(scope="module")
def refuse_unnamed_proxy(start_proxy):
    return start_proxy(
        TEST_CONFIG + "catalogue:\n  unnamed_destinations: refuse\n", name="refuse-unnamed"
    )


def test_unnamed_destinations_refuse_mode(refuse_unnamed_proxy, upstream_log):
    sock, status = open_tunnel(refuse_unnamed_proxy.port, "127.0.0.1:443")
    assert status == 200
    context = refuse_unnamed_proxy.ssl_context()
    context.check_hostname = False
    with sock, pytest.raises((ConnectionError, ssl.SSLError, OSError)):
        MangledTLS(sock, context, None).handshake()
    assert refuse_unnamed_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("reason") == "unnamed_destination"
    )
    # A named AI destination through the same proxy still works.
    with refuse_unnamed_proxy.httpx() as client:
        ok = client.post(
            "https://api.openai.com/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi there"}]},
        )
    assert ok.status_code == 200


def test_plain_http_with_an_ai_host_to_a_non_ai_address_is_classified_by_host(
    aidlp_proxy, upstream_log
):
    """No CONNECT: an absolute-form request to a non-AI name, and one to an address, whose
    Host header names the AI tool. mitmproxy handles plain HTTP itself; the Host counts."""
    for target in ("http://www.example.com/v1/chat/completions", "http://127.0.0.1/v1/chat"):
        sock = socket.create_connection(("127.0.0.1", aidlp_proxy.port), timeout=15)
        with sock:
            body = _chat(f"NINO {NINO}")
            sock.sendall(
                f"POST {target} HTTP/1.1\r\nHost: api.openai.com\r\nContent-Type: "
                f"application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            response = _read_plain(sock)
        assert status_of(response) == 403, (target, response[:120])
    assert not _arrived(upstream_log, NINO.encode())
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("tool") == "openai"
    )


def _fronted(proxy) -> bytes:
    """CONNECT and SNI name a non-AI host; the request inside names the AI tool."""
    sock, status = open_tunnel(proxy.port, "www.example.com:443")
    assert status == 200
    context = ssl.create_default_context(cafile=str(proxy.ca_bundle))
    with context.wrap_socket(sock, server_hostname="www.example.com") as tls:
        tls.sendall(
            http_request(
                "POST",
                "api.openai.com",
                "/v1/chat/completions",
                _chat(f"NINO {NINO}"),
                Content_Type="application/json",
            )
        )
        issuer = dict(x[0] for x in tls.getpeercert()["issuer"])
        return issuer.get("organizationName", "").encode() + b"|" + _read_plain(tls)


def test_non_ai_sni_is_passed_through_by_default(aidlp_proxy, upstream_log):
    """The documented default (README, "Domain fronting"): a connection whose every name is a
    non-AI host is never decrypted — the client sees the real server's certificate."""
    issuer, _, _ = _fronted(aidlp_proxy).partition(b"|")
    assert b"mitmproxy" not in issuer


@pytest.fixture(scope="module")
def intercept_other_tls_proxy(start_proxy):
    return start_proxy(TEST_CONFIG + "catalogue:\n  other_tls: intercept\n", name="other-tls")


def test_other_tls_intercept_classifies_a_fronted_ai_host(intercept_other_tls_proxy, upstream_log):
    issuer, _, response = _fronted(intercept_other_tls_proxy).partition(b"|")
    assert b"mitmproxy" in issuer
    assert status_of(response) == 403, response[:120]
    assert not _arrived(upstream_log, NINO.encode())
    assert intercept_other_tls_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("tool") == "openai"
            and e.get("host") == "api.openai.com"
        )
    )
    # A non-AI request through the decrypted tunnel is forwarded unaltered.
    with intercept_other_tls_proxy.httpx() as client:
        assert client.get("https://www.example.com/page").status_code == 200
    assert upstream_log.wait_for(lambda r: r.path == "/page" and r.host == "www.example.com")


# ---- 4. channels outside the body ------------------------------------------------------------

AWS_KEY_ID = "AKIA" + "2OGYBAH6STMMNXNN"


@pytest.mark.parametrize(
    "headers",
    [
        {"OpenAI-User": AWS_KEY_ID},
        {"X-Stainless-Metadata": f"case {NINO}"},
        {"Cookie": f"theme=dark; ref={NINO_RAW}"},
        {"Referer": f"https://chatgpt.com/people/{NINO_RAW}"},
    ],
    ids=["aws-key-in-openai-user", "nino-in-header", "nino-in-cookie", "nino-in-referer"],
)
def test_sensitive_value_in_headers_or_cookies_is_blocked(aidlp_proxy, upstream_log, headers):
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            json=json.loads(_chat("hello")),
            headers=headers,
        )
    assert response.status_code == 403
    value = next(iter(headers.values()))
    assert upstream_log.wait_for(lambda r: "chat/completions" in r.path, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("findings")
    )
    assert value not in aidlp_proxy.output()


def test_identifier_in_the_path_of_a_bodyless_request_is_blocked(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.get(f"https://api.openai.com/v1/files/{NINO_RAW}")
    assert response.status_code == 403
    assert upstream_log.wait_for(lambda r: NINO_RAW in r.path, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("method") == "GET"
            and e.get("path", "").startswith("/v1/files/")
        )
    )


def test_identifier_in_an_http2_trailer_is_blocked(aidlp_proxy, upstream_log):
    status, _, _ = _h2(aidlp_proxy, body=_chat("hello"), trailers=[("x-note", f"NINO {NINO}")])
    assert status == 403
    assert upstream_log.wait_for(lambda r: "chat/completions" in r.path, timeout=0.5) is None


def test_a_providers_own_credentials_and_session_cookies_do_not_block(aidlp_proxy, upstream_log):
    """Control: the provider's API key in Authorization, a session JWT cookie and anti-bot
    tokens in headers are the tool's own machinery, not a leak."""
    session = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..Xq8Zk3Jd9fLm2Pw1.aBcDeFgHiJkLmNoP"
    sentinel = "gAAAAABnTzJx9k" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijklmnopqrstuv"
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            "https://chatgpt.com/backend-api/conversation",
            json={"action": "next", "messages": [{"content": {"parts": ["name a river"]}}]},
            headers={
                "Authorization": "Bearer sk-proj-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz" * 2,
                "Cookie": f"__Secure-next-auth.session-token={session}; oai-did=3f2b9c1e-7a4d",
                "openai-sentinel-chat-requirements-token": sentinel,
            },
        )
    assert response.status_code == 200, response.text[:300]
    assert upstream_log.wait_for(lambda r: r.path == "/backend-api/conversation") is not None


# ---- 8. names in log lines and events ----------------------------------------------------------


def test_identifying_sni_is_masked_in_mitmproxys_log_lines(aidlp_proxy):
    """A client that does not trust the proxy's CA: mitmproxy logs the failed handshake with
    the SNI. The identifying label must not reach the log."""
    label = "jg103729a"
    # (a CONNECT naming it is refused outright, tests/e2e/test_transport_redteam_e2e.py: the
    # label travels in the SNI only)
    sock, status = open_tunnel(aidlp_proxy.port, "api.openai.com:443")
    assert status == 200
    with sock, pytest.raises((ssl.SSLError, OSError)):
        ssl.create_default_context().wrap_socket(sock, server_hostname=f"{label}.openai.com")
    deadline = time.monotonic() + 10
    while "handshake" not in aidlp_proxy.output().lower() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "handshake" in aidlp_proxy.output().lower()
    assert label not in aidlp_proxy.output().lower()


def test_identifying_host_labels_and_path_segments_are_masked_in_events(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            # plain HTTP: a CONNECT naming the label is refused before any request
            "http://jg103729a.openai.com/v1/people/Jane-Smith-LS1-4AB/AKIA2OGYBAH6STMMNXNN",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]},
        )
    assert response.status_code == 403  # the path itself is personal data / a key
    event = aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and "/v1/people/" in (e.get("path") or "")
    )
    assert event is not None
    assert event["host"] == "*.openai.com"
    assert event["path"] == "/v1/people/*/*"
    output = aidlp_proxy.output()
    for value in ("jg103729a", "Jane-Smith", "LS1-4AB", "AKIA2OGYBAH6STMMNXNN"):
        assert value not in output
