"""Patches mitmproxy internals so an addon can close a websocket with a code (1008).

Used by the websocket inspector (:mod:`proxy.addons.websocket_inspector`) on a block.

mitmproxy 12 has no public API for this: ``WebSocketMessage.drop()`` drops one message,
``flow.kill()`` does not stop a websocket in transit, and ``inject.websocket`` only injects
text/binary messages. So we inject our own event through the proxy server's public
``inject_event`` (the same route ``inject.websocket`` takes to reach the connection's
:class:`~mitmproxy.proxy.layers.websocket.WebsocketLayer`) and teach that layer, once, to
answer it: send a close frame with our code and reason to *both* peers, close both
connections, fire ``websocket_end`` — exactly what the layer does when a peer closes.

The event queues behind the ``websocket_message`` hook that is running, so the blocked
message is dropped first and the close follows it. If this mitmproxy's layer does not look
as expected, :func:`install` returns False and callers fall back to dropping messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from proxy.mitmproxy_patches import route_injected
from proxy.responses import WEBSOCKET_POLICY_VIOLATION

log = logging.getLogger("aidlp")

POLICY_VIOLATION = WEBSOCKET_POLICY_VIOLATION


def install() -> bool:
    """Patch the websocket layer to understand :class:`CloseInjected` (idempotent)."""
    installed = route_injected(
        "mitmproxy.proxy.layers.websocket",
        "WebsocketLayer",
        "relay_messages",
        _close_event_type(),
        _close,
        needed=("WebsocketEndHook", "WebSocketMessageInjected"),
    )
    if not installed:
        log.warning("aidlp: cannot close websockets with a code on this mitmproxy version")
    return installed


_CloseInjected: Any = None


def _close_event_type() -> type:
    """The injected close event: a WebSocketMessageInjected subclass, so the HTTP layer routes
    it to the flow's websocket layer like any injected message."""
    global _CloseInjected
    if _CloseInjected is None:
        from mitmproxy.proxy.layers.websocket import WebSocketMessageInjected

        @dataclass
        class CloseInjected(WebSocketMessageInjected):
            code: int = POLICY_VIOLATION
            reason: str = ""

        _CloseInjected = CloseInjected
    return _CloseInjected


def _close(layer: Any, event: Any) -> Generator[Any, Any, None]:
    import wsproto.events
    from mitmproxy.proxy import commands
    from mitmproxy.proxy.layers.websocket import WebsocketEndHook
    from wsproto import ConnectionState

    websocket = layer.flow.websocket
    close = wsproto.events.CloseConnection(code=event.code, reason=event.reason)
    websocket.timestamp_end = time.time()
    websocket.closed_by_client = False
    websocket.close_code = event.code
    websocket.close_reason = event.reason
    for conn in (layer.server_ws, layer.client_ws):
        if conn.state in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            yield conn.send2(close)
        yield commands.CloseConnection(conn.conn)
    yield WebsocketEndHook(layer.flow)
    layer.flow.live = False
    layer._handle_event = layer.done


def close_websocket(flow: Any, code: int = POLICY_VIOLATION, reason: str = "") -> bool:
    """Ask mitmproxy to close ``flow``'s websocket on both sides with ``code``/``reason``.

    Returns False if it could not (then the caller should keep dropping messages).
    """
    if not install():
        return False
    from mitmproxy import ctx, websocket
    from wsproto.frame_protocol import Opcode

    server = ctx.master.addons.get("proxyserver")
    if server is None or flow.websocket is None:
        return False
    # A close reason is at most 123 bytes (RFC 6455 §5.5: 125-byte control payload).
    reason = reason.encode("utf-8")[:123].decode("utf-8", "ignore")
    message = websocket.WebSocketMessage(Opcode.TEXT, False, b"")
    try:
        server.inject_event(_close_event_type()(flow, message, code, reason))
    except ValueError:  # the connection is already gone
        return False
    return True
