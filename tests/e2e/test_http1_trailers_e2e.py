"""Issue 15 items 4 and 7: chunked HTTP/1.1 request trailers, from a raw-socket client.

mitmproxy 12 alone dies on them ("HTTP trailers are not implemented yet": no decision, no
event). Through the real `aidlp run` they are read like HTTP/2 trailers: scanned (a value
in one blocks the request, with an event), the approval trailer is never forwarded, and
benign trailers reach the upstream in the last chunk. The forwarding check needs the raw
bytes the upstream got, so it uses a raw recording server on loopback (hypercorn drops
request trailers) as the plain-HTTP upstream of a proxy of its own.
"""

from __future__ import annotations

import json
import socket

import pytest

from tests.e2e.rawtls import open_tunnel, status_of
from tests.e2e.rawupstream import RawRecorder

NINO = "AB 12 34 56 C"
NINO_RAW = NINO.replace(" ", "")
BODY = json.dumps(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "name three rivers"}]}
).encode()


def _chunked_request(host: str, target: str, trailers: list[str], body: bytes = BODY) -> bytes:
    head = (
        f"POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nTrailer: " + ", ".join(t.split(":")[0] for t in trailers)
    )
    half = len(body) // 2
    chunks = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (body[:half], body[half:]))
    last = b"0\r\n" + "".join(f"{t}\r\n" for t in trailers).encode() + b"\r\n"
    return (head + "\r\nConnection: close\r\n\r\n").encode() + chunks + last


def _read_all(sock: socket.socket, timeout: float = 15.0) -> bytes:
    sock.settimeout(timeout)
    out = b""
    try:
        while chunk := sock.recv(65536):
            out += chunk
    except (TimeoutError, OSError):
        pass
    return out


def _in_tls_tunnel(proxy, request: bytes) -> bytes:
    sock, status = open_tunnel(proxy.port, "api.openai.com:443")
    assert status == 200
    context = proxy.ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    with context.wrap_socket(sock, server_hostname="api.openai.com") as tls:
        tls.sendall(request)
        return _read_all(tls)


@pytest.mark.parametrize(
    "trailer",
    [f"X-Note: claimant {NINO}", f"X-Case-Ref: {NINO_RAW}"],
    ids=["spaced", "raw"],
)
def test_identifier_in_an_http1_chunked_trailer_is_blocked_with_an_event(
    aidlp_proxy, upstream_log, trailer
):
    response = _in_tls_tunnel(
        aidlp_proxy, _chunked_request("api.openai.com", "/v1/chat/completions", [trailer])
    )
    assert status_of(response) == 403, response[:200]
    assert b"aidlp_blocked" in response
    assert upstream_log.wait_for(lambda r: "chat/completions" in r.path, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and any(f["category"] == "PERSONAL_DATA" for f in e.get("findings", []))
        )
    )
    assert "HTTP trailers are not implemented" not in aidlp_proxy.output()


def test_benign_http1_chunked_trailer_in_a_tunnel_is_forwarded(aidlp_proxy, upstream_log):
    """Control: the body with a harmless trailer still reaches the AI tool."""
    response = _in_tls_tunnel(
        aidlp_proxy,
        _chunked_request("api.openai.com", "/v1/chat/completions", ["X-Note: weekly report"]),
    )
    assert status_of(response) == 200, response[:200]
    got = upstream_log.wait_for(lambda r: "chat/completions" in r.path)
    assert got is not None and b"three rivers" in got.body


@pytest.fixture(scope="module")
def raw_upstream() -> RawRecorder:
    return RawRecorder()


@pytest.fixture(scope="module")
def raw_upstream_proxy(start_proxy, raw_upstream):
    return start_proxy(
        env_extra={"AIDLP_TEST_UPSTREAM_HTTP": str(raw_upstream.port)}, name="raw-upstream"
    )


def test_http1_trailers_are_forwarded_in_the_last_chunk_without_the_approval(
    raw_upstream_proxy, raw_upstream
):
    """A plain-HTTP request through the proxy: the benign trailer arrives upstream in the
    last chunk, the approval trailer (aidlp's own credential) never does."""
    raw_upstream.received.clear()
    sock = socket.create_connection(("127.0.0.1", raw_upstream_proxy.port), timeout=15)
    with sock:
        sock.sendall(
            _chunked_request(
                "api.openai.com",
                "http://api.openai.com/v1/chat/completions",
                ["X-Note: weekly report", "X-AIDLP-Approval: not-a-real-token"],
            )
        )
        response = _read_all(sock)
    assert status_of(response) == 200, response[:200]
    assert len(raw_upstream.received) == 1
    forwarded = raw_upstream.received[0]
    assert b"three rivers" in forwarded
    assert forwarded.endswith(b"\r\n0\r\nX-Note: weekly report\r\n\r\n"), forwarded[-80:]
    assert b"not-a-real-token" not in forwarded
    assert b"x-aidlp-approval" not in forwarded.lower()
    assert raw_upstream_proxy.wait_event(lambda e: e.get("event") == "ai.request.allowed")


def test_identifier_in_a_plain_http1_trailer_never_reaches_the_upstream(
    raw_upstream_proxy, raw_upstream
):
    raw_upstream.received.clear()
    sock = socket.create_connection(("127.0.0.1", raw_upstream_proxy.port), timeout=15)
    with sock:
        sock.sendall(
            _chunked_request(
                "api.openai.com",
                "http://api.openai.com/v1/chat/completions",
                [f"X-Note: {NINO_RAW}"],
            )
        )
        response = _read_all(sock)
    assert status_of(response) == 403, response[:200]
    assert raw_upstream.received == []
    assert raw_upstream_proxy.wait_event(lambda e: e.get("event") == "ai.request.blocked")
