"""Protocol upgrades on AI-tool requests: a websocket, or nothing.

After a ``101 Switching Protocols`` that is not a websocket, mitmproxy relays the connection
as raw TCP (its ``rawtcp`` option, on by default, which aidlp cannot turn off without breaking
other tunnels): every byte that follows would reach the AI tool unscanned. mitmproxy's own
h2c guard only knows the exact value ``h2c``; ``Upgrade: H2C`` or any other token got through.

- request: :func:`strip_upgrade` removes every ``Upgrade`` that is not exactly one websocket
  token (any case, any number of headers), the ``upgrade`` token of ``Connection`` with it, and
  ``HTTP2-Settings``: the AI tool is never asked to switch to anything else;
- response: :func:`is_raw_upgrade` tells a ``101`` that mitmproxy would not hand to its
  websocket layer (the request inspector then refuses it before it reaches the client).

The websocket handshake nonce (``Sec-WebSocket-Key``) is 16 random bytes, base64 (RFC 6455
§4.1): it reads as a generic secret, so it is exempt from that check, and 16 bytes of the
client's choosing would ride along unread. Instead, :func:`replace_websocket_key` refuses a
handshake whose key is not exactly one such nonce (a server must refuse it too) and sends the
AI tool the proxy's own random nonce; :func:`restore_websocket_accept` maps the server's
``Sec-WebSocket-Accept`` back to the client's key, so the client's handshake check holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from typing import Protocol

WEBSOCKET = "websocket"
WEBSOCKET_VERSION = "13"
WEBSOCKET_KEY = "sec-websocket-key"
WEBSOCKET_ACCEPT = "sec-websocket-accept"
_RFC6455_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Headers(Protocol):
    """The part of mitmproxy's ``Headers`` used here."""

    def get_all(self, name: str) -> list[str]: ...
    def set_all(self, name: str, values: list[str]) -> None: ...
    def __delitem__(self, name: str) -> None: ...
    def __contains__(self, name: object) -> bool: ...
    def __setitem__(self, name: str, value: str) -> None: ...


def _tokens(values: list[str]) -> list[str]:
    return [t.strip() for value in values for t in value.split(",") if t.strip()]


def asks_upgrade(headers: Headers) -> bool:
    """The request asks for any protocol switch, or carries websocket handshake headers."""
    if headers.get_all("upgrade") or "http2-settings" in headers:
        return True
    if any(t.lower() == "upgrade" for t in _tokens(headers.get_all("connection"))):
        return True
    return WEBSOCKET_KEY in headers or "sec-websocket-version" in headers


def asks_websocket(headers: Headers) -> bool:
    """The request's Upgrade is exactly one ``websocket`` token (any case)."""
    tokens = _tokens(headers.get_all("upgrade"))
    return len(tokens) == 1 and tokens[0].lower() == WEBSOCKET


def strip_upgrade(headers: Headers) -> bool:
    """Remove every upgrade but a websocket one; True when something was removed."""
    removed = False
    if "http2-settings" in headers:
        del headers["http2-settings"]
        removed = True
    if headers.get_all("upgrade") and not asks_websocket(headers):
        del headers["upgrade"]
        removed = True
    if removed:
        kept = [
            t
            for t in _tokens(headers.get_all("connection"))
            if t.lower() not in ("upgrade", "http2-settings")
        ]
        if kept:
            headers.set_all("connection", [", ".join(kept)])
        elif "connection" in headers:
            del headers["connection"]
    return removed


def is_raw_upgrade(
    status: int, response: Headers, request: Headers, websockets_on: bool = True
) -> bool:
    """A ``101`` that mitmproxy would relay as raw TCP rather than as a websocket (its HTTP
    layer's own test: headers given twice are joined, so they fail it too)."""
    if status != 101:
        return False
    websocket = (
        websockets_on
        and ", ".join(response.get_all("upgrade")).lower() == WEBSOCKET
        and ", ".join(request.get_all("sec-websocket-version")) == WEBSOCKET_VERSION
    )
    return not websocket


def is_websocket_nonce(value: str) -> bool:
    """``value`` is a websocket nonce: base64 (padded, nothing else) of exactly 16 bytes."""
    text = value.strip()
    if len(text) != 24:
        return False
    try:
        return len(base64.b64decode(text, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def websocket_accept(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` a server answers ``key`` with (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1(key.strip().encode("ascii") + _RFC6455_GUID).digest()  # noqa: S324
    return base64.b64encode(digest).decode("ascii")


def replace_websocket_key(headers: Headers) -> tuple[str, str] | None:
    """On a websocket handshake (:func:`asks_websocket`): swap the client's nonce for a fresh
    one and return (client key, proxy key); None when the handshake has no single valid nonce
    (refuse it). Not a websocket handshake: a ``Sec-WebSocket-Key`` means nothing there and
    is removed; ``("", "")``."""
    if not asks_websocket(headers):
        if WEBSOCKET_KEY in headers:
            del headers[WEBSOCKET_KEY]
        return "", ""
    keys = headers.get_all(WEBSOCKET_KEY)
    if len(keys) != 1 or not is_websocket_nonce(keys[0]):
        return None
    ours = base64.b64encode(secrets.token_bytes(16)).decode("ascii")
    headers[WEBSOCKET_KEY] = ours
    return keys[0].strip(), ours


def restore_websocket_accept(response: Headers, client_key: str, proxy_key: str) -> None:
    """A 101 answering the proxy's nonce is made to answer the client's. An accept for any
    other key is left as it came (the client refuses it, as it would without the proxy)."""
    accepts = response.get_all(WEBSOCKET_ACCEPT)
    if len(accepts) == 1 and accepts[0].strip() == websocket_accept(proxy_key):
        response[WEBSOCKET_ACCEPT] = websocket_accept(client_key)
