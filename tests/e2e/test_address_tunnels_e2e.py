"""A tunnel to an address the client chose (issue 15 case 2: DeepSeek by IP), through the
real `aidlp run`: each request goes to the host it names, resolved by the proxy, never to the
client's address (a DeepSeek address with Host api.openai.com or www.example.com reaches the
named host, not DeepSeek); a request naming no host at all is scanned as an unnamed
destination."""

from __future__ import annotations

import json

from tests.e2e.rawtls import http_request, status_of
from tests.e2e.test_transport_e2e import _mangled_session

NINO = "AB 12 34 56 C"


def _send(proxy, address: str, sni: str | None, host: str, text: str) -> bytes:
    body = json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    ).encode()
    sock, tls = _mangled_session(proxy, f"{address}:443", sni)
    with sock:
        tls.send(
            http_request(
                "POST", host, "/v1/chat/completions", body, Content_Type="application/json"
            )
        )
        return tls.read_response()


def _connects(proxy, prefix: str) -> list[str]:
    return [c for c in proxy.upstream_connects() if c.startswith(prefix)]


def test_a_non_ai_request_in_an_address_tunnel_goes_to_its_named_host(aidlp_proxy, upstream_log):
    """The red team's note (t03 ip-sni-example-auth-example): CONNECT to an address, SNI and
    Host www.example.com. It is not an AI request, so it is forwarded, but to www.example.com
    as the proxy resolves it, never to the address (which could be DeepSeek's)."""
    response = _send(aidlp_proxy, "127.0.0.31", "www.example.com", "www.example.com", "rivers")
    assert status_of(response) == 200, response[:200]
    assert _connects(aidlp_proxy, "www.example.com:443")
    assert not _connects(aidlp_proxy, "127.0.0.31:")


def test_an_ai_request_in_an_address_tunnel_goes_to_the_ai_host(aidlp_proxy, upstream_log):
    response = _send(aidlp_proxy, "127.0.0.32", None, "api.openai.com", "name three rivers")
    assert status_of(response) == 200, response[:200]
    assert upstream_log.wait_for(lambda r: r.host == "api.openai.com") is not None
    assert not _connects(aidlp_proxy, "127.0.0.32:")


def test_a_request_that_names_no_host_is_scanned(aidlp_proxy, upstream_log):
    """CONNECT to an address, no SNI, Host an address too: nothing names the destination, so
    the request is scanned as an unnamed destination (before: forwarded unscanned)."""
    response = _send(aidlp_proxy, "127.0.0.1", None, "127.0.0.1", f"my NI number is {NINO}")
    assert status_of(response) == 403, response[:200]
    assert upstream_log.wait_for(lambda r: NINO.encode() in r.body, timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("tool") == "unnamed"
    )
    clean = _send(aidlp_proxy, "127.0.0.1", None, "127.0.0.1", "name three rivers")
    assert status_of(clean) == 200, clean[:200]  # a clean one still goes through
