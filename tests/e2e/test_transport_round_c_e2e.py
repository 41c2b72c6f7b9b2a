"""Red team round C transport items, through the real `aidlp run` and the recording upstream.

RT-94: a request line after empty lines in a CONNECT tunnel to a non-AI name was
relayed as raw TCP (mitmproxy saw "no HTTP"), so its Host was never read. Through the real
`aidlp run`: the request is read as HTTP without the empty lines, a Host naming an AI tool is
scanned and a NINO blocked, a Host naming DeepSeek refused, both recorded; a clean request
to a non-AI Host after an empty line still arrives.

RT-84: bytes after the end of a deflate stream are refused, as gzip, br and zstd refuse them."""

from __future__ import annotations

import json
import zlib

import pytest

from tests.e2e.rawtls import open_tunnel, status_of
from tests.e2e.test_transport_redteam_e2e import _read_head

NINO = "AB123456C"


def _send(proxy, target: str, host: str, body: bytes, lead: bytes) -> bytes:
    sock, status = open_tunnel(proxy.port, target)
    assert status == 200
    with sock:
        sock.sendall(
            lead
            + (
                f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + body
        )
        return _read_head(sock)


def _prompt(text: str) -> bytes:
    return json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    ).encode()


@pytest.mark.parametrize("lead", [b"\r\n", b"\r\n\r\n", b"\n"], ids=["crlf", "two-crlf", "lf"])
def test_a_request_after_empty_lines_is_read_and_scanned(aidlp_proxy, upstream_log, lead):
    head = _send(
        aidlp_proxy,
        "www.example.com:80",
        "api.openai.com",
        _prompt(f"My NI number is {NINO}"),
        lead,
    )
    assert status_of(head) == 403, head[:200]
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
    event = aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("host") == "api.openai.com"
    )
    assert event is not None


def test_a_deepseek_host_after_an_empty_line_is_refused(aidlp_proxy, upstream_log):
    head = _send(aidlp_proxy, "www.example.com:80", "chat.deepseek.com", _prompt("hello"), b"\r\n")
    assert status_of(head) == 403, head[:200]
    assert upstream_log.wait_for(lambda r: r.host == "chat.deepseek.com", timeout=0.5) is None
    event = aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("host") == "chat.deepseek.com"
    )
    assert event is not None


def test_a_clean_request_to_a_non_ai_host_after_an_empty_line_arrives(aidlp_proxy, upstream_log):
    head = _send(aidlp_proxy, "www.example.com:80", "www.example.com", _prompt("hello"), b"\r\n")
    assert status_of(head) == 200, head[:200]
    assert upstream_log.wait_for(lambda r: r.host == "www.example.com") is not None


@pytest.mark.parametrize(
    "wrap", [zlib.compress, lambda b: zlib.compress(b)[2:-4]], ids=["zlib", "raw"]
)
def test_bytes_after_a_deflate_stream_are_refused(aidlp_proxy, upstream_log, wrap):
    tail = _prompt(f"My NI number is {NINO}")
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            content=wrap(_prompt("hello")) + tail,
            headers={"content-type": "application/json", "content-encoding": "deflate"},
        )
        assert response.status_code == 403, response.text[:200]
        assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
        incident = response.headers["X-AIDLP-Incident"]
        event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
        assert event is not None and event["reason"] == "unparseable"
        ok = client.post(
            "https://api.openai.com/v1/chat/completions",
            content=wrap(_prompt("hello")),
            headers={"content-type": "application/json", "content-encoding": "deflate"},
        )
    assert ok.status_code == 200, ok.text[:200]


# ---- RT-102: a name that only spells an address is unnamed, like the address ------------------


def _send_named(proxy, name: str, host: str, text: str) -> bytes:
    from tests.e2e.rawtls import http_request
    from tests.e2e.test_transport_e2e import _mangled_session

    sock, tls = _mangled_session(proxy, f"{name}:443", name)
    with sock:
        tls.send(
            http_request(
                "POST", host, "/v1/chat/completions", _prompt(text), Content_Type="application/json"
            )
        )
        return tls.read_response()


@pytest.mark.parametrize("name", ["1-2-3-4.sslip.io", "1.2.3.4.nip.io", "www-5-6-7-8.sslip.io"])
def test_a_wildcard_dns_name_is_intercepted_and_routed_by_its_host(aidlp_proxy, upstream_log, name):
    refused = _send_named(aidlp_proxy, name, "api.deepseek.com", "hello")
    assert status_of(refused) == 403, refused[:200]
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("host") == "api.deepseek.com"
    )
    blocked = _send_named(aidlp_proxy, name, "api.openai.com", f"My NI number is {NINO}")
    assert status_of(blocked) == 403, blocked[:200]
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
