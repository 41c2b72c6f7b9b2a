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
"""

from __future__ import annotations

from typing import Protocol

WEBSOCKET = "websocket"
WEBSOCKET_VERSION = "13"


class Headers(Protocol):
    """The part of mitmproxy's ``Headers`` used here."""

    def get_all(self, name: str) -> list[str]: ...
    def set_all(self, name: str, values: list[str]) -> None: ...
    def __delitem__(self, name: str) -> None: ...
    def __contains__(self, name: object) -> bool: ...


def _tokens(values: list[str]) -> list[str]:
    return [t.strip() for value in values for t in value.split(",") if t.strip()]


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
