"""The websocket handshake nonce through the real proxy: a Sec-WebSocket-Key that is not a
nonce (RFC 6455: base64 of exactly 16 bytes) is refused with an event, and a nonce-shaped
one never reaches the AI tool (it is sent the proxy's own); real clients keep working."""

from __future__ import annotations

import asyncio
import base64

import pytest
from websockets.asyncio.client import connect
from wsproto.frame_protocol import FrameProtocol

from proxy.transport.upgrades import websocket_accept
from tests.e2e.rawtls import open_tunnel, status_of
from tests.e2e.test_transport_redteam_e2e import _read_head

NINO = "JG103729A"
COPILOT = "copilot.microsoft.com"


def _handshake(proxy, key: str, marker: str) -> bytes:
    """A raw handshake to Copilot with ``key``, then one text frame; the response head."""
    sock, status = open_tunnel(proxy.port, f"{COPILOT}:443")
    assert status == 200
    context = proxy.ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    with context.wrap_socket(sock, server_hostname=COPILOT) as tls:
        tls.sendall(
            f"GET /c/api/chat HTTP/1.1\r\nHost: {COPILOT}\r\nX-Case: {marker}\r\n"
            "Upgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = _read_head(tls)
        if b" 101 " in head.split(b"\r\n", 1)[0]:
            frame = FrameProtocol(client=True, extensions=[]).send_data(
                '{"event": "send", "text": "hello"}', fin=True
            )
            tls.sendall(frame)
            _read_head(tls, 1)
    return head


@pytest.mark.parametrize(
    "key",
    [
        "JG103729AAAAAAAAAAAAA==",  # 23 characters: not base64 of 16 bytes
        base64.b64encode(b"NI JG103729A please").decode(),  # 19 bytes
        "JG103729A",
    ],
    ids=["23-chars", "19-bytes", "bare"],
)
def test_a_websocket_key_that_is_no_nonce_is_refused(aidlp_proxy, upstream_log, key):
    marker = f"bad{len(key)}"
    head = _handshake(aidlp_proxy, key, marker)
    assert status_of(head) == 403, head[:120]
    assert upstream_log.wait_for(lambda r: r.headers.get("x-case") == marker, timeout=1) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.scan.error" and e.get("reason") == "unparseable"
    )


def test_a_nonce_shaped_key_never_reaches_the_ai_tool(aidlp_proxy, upstream_log):
    """16 bytes of the client's choosing (here a NINO) fit in a valid nonce: the AI tool gets
    the proxy's own nonce, and the client still gets an accept that matches its key."""
    key = base64.b64encode(f"{NINO} 123456".encode()).decode()
    assert len(base64.b64decode(key)) == 16
    head = _handshake(aidlp_proxy, key, "nonce16")
    assert status_of(head) == 101, head[:120]
    accepts = [
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-accept:")
    ]
    assert accepts == [websocket_accept(key)]  # the client's own handshake check holds
    got = upstream_log.wait_for(lambda r: r.kind == "ws" and r.headers.get("x-case") == "nonce16")
    assert got is not None
    assert got.headers["sec-websocket-key"] != key
    assert not any(key in v for r in upstream_log.snapshot() for v in r.headers.values())


def test_a_real_websocket_client_still_connects(aidlp_proxy, upstream_log):
    async def run() -> str:
        async with connect(
            f"wss://{COPILOT}/c/api/chat",
            additional_headers={"X-Case": "realclient"},
            proxy=aidlp_proxy.url,
            ssl=aidlp_proxy.ssl_context(),
            open_timeout=20,
        ) as ws:
            await ws.send('{"event": "send", "text": "name three rivers"}')
            await asyncio.wait_for(ws.recv(), 10)
            return ws.request.headers["Sec-WebSocket-Key"]

    client_key = asyncio.run(run())  # the client checked the server's accept against its key
    got = upstream_log.wait_for(
        lambda r: r.kind == "ws" and r.headers.get("x-case") == "realclient"
    )
    assert got is not None and got.headers["sec-websocket-key"] != client_key
