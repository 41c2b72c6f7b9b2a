"""TLS record sniffing judged by the major version byte only (issue 15 item 1)."""

from __future__ import annotations

import contextlib
import ssl
import struct

import pytest

from proxy.catalogue import Catalogue, Tool, ToolStatus
from proxy.transport.names import bare_host, classify, is_ip_literal
from proxy.transport.records import (
    client_hello_state,
    may_be_http_request_line,
    may_be_tls,
    normalise_record_versions,
)


def _client_hello() -> bytes:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname="example.com")
    with contextlib.suppress(ssl.SSLWantReadError):
        obj.do_handshake()
    return outgoing.read()


def _split_records(hello: bytes, version: bytes, pieces: int) -> bytes:
    body = hello[5:]
    size = -(-len(body) // pieces)
    return b"".join(
        b"\x16" + version + struct.pack("!H", len(body[i : i + size])) + body[i : i + size]
        for i in range(0, len(body), size)
    )


def test_first_byte_alone_may_be_tls_and_is_partial() -> None:
    assert may_be_tls(b"\x16")
    assert may_be_tls(b"\x16\x03")
    assert not may_be_tls(b"\x16\x02")
    assert not may_be_tls(b"GET / HTTP/1.1")
    assert client_hello_state(b"\x16\x03\x04") == "partial"


@pytest.mark.parametrize("version", [b"\x03\x01", b"\x03\x04", b"\x03\xff"])
@pytest.mark.parametrize("pieces", [1, 3])
def test_any_minor_record_version_is_tls_and_normalised(version: bytes, pieces: int) -> None:
    wire = _split_records(_client_hello(), version, pieces)
    assert may_be_tls(wire)
    assert client_hello_state(wire[:-1]) == "partial"
    assert client_hello_state(wire) == "complete"
    fixed = normalise_record_versions(wire)
    assert len(fixed) == len(wire)
    offset = 0
    while offset < len(fixed):
        assert fixed[offset : offset + 2] == b"\x16\x03" and fixed[offset + 2] <= 3
        offset += 5 + struct.unpack("!H", fixed[offset + 3 : offset + 5])[0]


def test_not_a_client_hello_is_invalid() -> None:
    assert client_hello_state(b"\x16\x03\x01\x00\x00") == "invalid"
    assert client_hello_state(b"\x16\x03\x01\x00\x04\x02\x00\x00\x00") == "invalid"


def test_request_line_in_pieces() -> None:
    assert may_be_http_request_line(b"P")
    assert may_be_http_request_line(b"POS")
    assert may_be_http_request_line(b"POST /v1/chat")
    assert not may_be_http_request_line(b"POST / HTTP/1.1\r\n")
    assert not may_be_http_request_line(b"hello")
    assert not may_be_http_request_line(b"\x00\x01")


def _catalogue() -> Catalogue:
    return Catalogue(
        [
            Tool(id="openai", name="OpenAI", hosts=["api.openai.com"]),
            Tool(
                id="deepseek",
                name="DeepSeek",
                hosts=["*.deepseek.com"],
                status=ToolStatus.BLOCKED,
                networks=["203.0.113.0/24", "2001:db8::/32"],
            ),
        ]
    )


def test_any_name_classifies_and_blocked_wins() -> None:
    catalogue = _catalogue()
    assert classify(catalogue, ["evil.example", "api.openai.com:443"]).id == "openai"
    assert classify(catalogue, ["api.openai.com", "API.DeepSeek.com."]).id == "deepseek"
    assert classify(catalogue, ["203.0.113.9"]).id == "deepseek"
    assert classify(catalogue, ["[2001:db8::1]:443"]).id == "deepseek"
    assert classify(catalogue, ["::ffff:203.0.113.9"]).id == "deepseek"
    assert classify(catalogue, ["198.51.100.1", None, ""]) is None


def test_bare_host_and_ip_literals() -> None:
    assert bare_host("user@Api.OpenAI.com.:8443") == "api.openai.com"
    assert bare_host("[::1]:443") == "::1"
    assert is_ip_literal("10.0.0.1") and is_ip_literal("[::1]") and not is_ip_literal("a.b")


def test_networks_are_validated() -> None:
    with pytest.raises(ValueError, match="not an IP network"):
        Tool(id="x", name="X", hosts=["x.com"], networks=["not-a-net"])


def test_non_canonical_ipv4_forms_are_addresses_not_names():
    """Rule (issue 15, red team): an address a resolver accepts in any inet_aton form is an
    unnamed destination, never a hostname to pass through."""
    for host in ("2130706433", "0x7f000001", "127.1", "0177.0.0.1", "10.0.0.1.", "1.2.3.0x4"):
        assert is_ip_literal(host), host
    for host in ("api.openai.com", "example.com", "a.b", "host-1.example.org", "x.y.z9"):
        assert not is_ip_literal(host), host
