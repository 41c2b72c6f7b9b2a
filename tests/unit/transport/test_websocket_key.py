"""The websocket handshake nonce: only a real one (RFC 6455 §4.1: base64 of 16 bytes) is
accepted, and the AI tool is sent the proxy's own; the server's accept is mapped back."""

from __future__ import annotations

import base64

import pytest
from mitmproxy.http import Headers

from proxy.transport.upgrades import (
    is_websocket_nonce,
    replace_websocket_key,
    restore_websocket_accept,
    websocket_accept,
)

NONCE = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example: "the sample nonce"


def handshake(*keys: str) -> Headers:
    fields = [(b"Upgrade", b"websocket"), (b"Connection", b"Upgrade")]
    fields += [(b"Sec-WebSocket-Key", k.encode()) for k in keys]
    return Headers(fields)


def test_rfc_example_accept():
    assert websocket_accept(NONCE) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="  # RFC 6455 §1.3


@pytest.mark.parametrize(
    "value,ok",
    [
        (NONCE, True),
        (base64.b64encode(b"JG103729A1234567").decode(), True),  # 16 bytes: replaced anyway
        ("JG103729AAAAAAAAAAAAA==", False),  # 23 characters
        ("JG103729AAAAAAAAAAAAAA==", True),  # 16 bytes: a nonce by shape, replaced anyway
        (base64.b64encode(b"JG103729A12345678").decode(), False),  # 17 bytes
        (base64.b64encode(b"JG103729A").decode(), False),
        ("dGhlIHNhbXBsZSBub25jZQ", False),  # unpadded
        ("dGhlIHNhbXBsZSBub25jZQ==AAAA", False),
        ("dGhl IHNhbXBsZSBub25jZQ=", False),
        ("", False),
    ],
)
def test_only_a_16_byte_base64_value_is_a_nonce(value, ok):
    assert is_websocket_nonce(value) is ok


def test_the_ai_tool_gets_the_proxys_nonce_and_the_client_its_accept():
    headers = handshake(NONCE)
    keys = replace_websocket_key(headers)
    assert keys is not None
    client, ours = keys
    assert client == NONCE and ours != NONCE and is_websocket_nonce(ours)
    assert headers.get_all("sec-websocket-key") == [ours]
    response = Headers(sec_websocket_accept=websocket_accept(ours))
    restore_websocket_accept(response, client, ours)
    assert response["sec-websocket-accept"] == websocket_accept(NONCE)


def test_an_accept_for_another_key_is_left_alone():
    response = Headers(sec_websocket_accept=websocket_accept(NONCE))
    restore_websocket_accept(response, NONCE, "AAAAAAAAAAAAAAAAAAAAAA==")
    assert response["sec-websocket-accept"] == websocket_accept(NONCE)


@pytest.mark.parametrize("keys", [(), ("JG103729AAAAAAAAAAAAA==",), (NONCE, NONCE), ("JG103729A",)])
def test_a_handshake_without_one_valid_nonce_is_refused(keys):
    assert replace_websocket_key(handshake(*keys)) is None


def test_a_key_on_a_request_that_is_no_handshake_is_removed():
    headers = Headers(sec_websocket_key="JG103729A")
    assert replace_websocket_key(headers) == ("", "")
    assert "sec-websocket-key" not in headers
