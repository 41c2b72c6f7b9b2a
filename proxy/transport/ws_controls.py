"""Websocket control frames on AI-tool sockets carry nothing from the client to the AI tool.

mitmproxy relays PING / PONG payloads (up to 125 bytes each, as many as a client likes) and
the reason of a CLOSE without any hook, so the websocket inspector never sees them: an
unlimited side channel to the AI host. Scanning them would need the worker pool inside the
layer; instead the client's control payloads are replaced, and keep-alives still work:

- a client PING goes out with the proxy's own random token; the server's PONG to that token
  goes back to the client with the client's original payload (clients match pongs to pings);
- a client PONG carries the payload of the server's oldest unanswered PING, or is dropped
  when the server asked nothing (an unsolicited pong is only a heartbeat);
- a client CLOSE keeps its code and loses its reason.

Frames from the server are not changed. Installed once on mitmproxy's websocket layer
(:func:`install`) through :mod:`proxy.mitmproxy_patches`; ``guarded(flow)`` says which
sockets (AI-tool flows) get this.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from typing import Any

from proxy.mitmproxy_patches import Method, patch_method

log = logging.getLogger("aidlp")

MAX_OUTSTANDING = 64  # pings remembered per direction (the oldest are forgotten)
_guarded: Callable[[Any], bool] = lambda flow: False  # noqa: E731


class ControlGuard:
    """The ping bookkeeping of one websocket flow."""

    def __init__(self) -> None:
        self.client_pings: OrderedDict[bytes, bytes] = OrderedDict()  # token → client payload
        self.server_pings: deque[bytes] = deque(maxlen=MAX_OUTSTANDING)

    def from_client(self, event: Any) -> Any | None:
        """The event to send to the server instead of ``event`` (None: drop it)."""
        from wsproto.events import CloseConnection, Ping, Pong

        if isinstance(event, Ping):
            token = secrets.token_bytes(8)
            self.client_pings[token] = bytes(event.payload)
            while len(self.client_pings) > MAX_OUTSTANDING:
                self.client_pings.popitem(last=False)
            return Ping(payload=token)
        if isinstance(event, Pong):
            return Pong(payload=self.server_pings.popleft()) if self.server_pings else None
        if isinstance(event, CloseConnection) and event.reason:
            return CloseConnection(code=event.code, reason="")
        return event

    def from_server(self, event: Any) -> Any:
        """The event to send to the client instead of ``event``."""
        from wsproto.events import Ping, Pong

        if isinstance(event, Ping):
            self.server_pings.append(bytes(event.payload))
        elif isinstance(event, Pong):
            original = self.client_pings.pop(bytes(event.payload), None)
            if original is not None:
                return Pong(payload=original)
        return event


def _rewriting(events: Callable[[], Iterator[Any]], rewrite: Callable[[Any], Any | None]):
    def rewritten() -> Iterator[Any]:
        for event in events():
            replaced = rewrite(event)
            if replaced is not None:
                yield replaced

    return rewritten


def _relaying(original: Method) -> Method:
    def relay_messages(self: Any, event: Any) -> Any:
        if not getattr(self, "aidlp_controls", False):
            self.aidlp_controls = True
            if _guarded(self.flow):
                guard = ControlGuard()
                self.client_ws.events = _rewriting(self.client_ws.events, guard.from_client)
                self.server_ws.events = _rewriting(self.server_ws.events, guard.from_server)
        return original(self, event)

    return relay_messages


def install(guarded: Callable[[Any], bool]) -> bool:
    """Guard the control frames of the websocket flows ``guarded`` says (idempotent)."""
    global _guarded
    _guarded = guarded
    installed = patch_method(
        "mitmproxy.proxy.layers.websocket",
        "WebsocketLayer",
        "relay_messages",
        _relaying,
        needed=("WebsocketConnection",),
    )
    if not installed:
        log.warning("aidlp: websocket ping and close payloads cannot be guarded on this mitmproxy")
    return installed
