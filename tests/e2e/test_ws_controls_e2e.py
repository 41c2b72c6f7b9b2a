"""Red team RT-29: websocket PING payloads and CLOSE reasons from the client never reach the AI
tool (mitmproxy relays them without a hook), while keep-alives keep working.

A `websockets` server on loopback stands in for the AI tool and records every PING payload
and the close reason it got; a raw wsproto client talks through the real `aidlp run`.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
import time

import pytest
import websockets
import websockets.frames
import websockets.protocol
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Pong, Request, TextMessage

from tests.e2e.harness import free_port
from tests.e2e.rawtls import open_tunnel

NINO_RAW = "AB123456C"


class RecordingWebsocketServer:
    """TLS websocket server: keeps each PING payload, message and close reason it receives."""

    def __init__(self, certfile: str, keyfile: str) -> None:
        self.port = free_port()
        self.seen: list[tuple[str, object]] = []
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._context.load_cert_chain(certfile, keyfile)
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self) -> None:
        seen = self.seen
        original = websockets.protocol.Protocol.recv_frame

        def recv_frame(protocol, frame):
            if frame.opcode == websockets.frames.Opcode.PING:
                seen.append(("ping", bytes(frame.data)))
            return original(protocol, frame)

        async def handler(ws) -> None:
            try:
                async for message in ws:
                    seen.append(("message", message))
            except websockets.ConnectionClosed:
                pass
            seen.append(("close", ws.close_reason or ""))

        async def main() -> None:
            websockets.protocol.Protocol.recv_frame = recv_frame
            async with websockets.serve(handler, "127.0.0.1", self.port, ssl=self._context):
                self._ready.set()
                await asyncio.Future()

        asyncio.new_event_loop().run_until_complete(main())


@pytest.fixture(scope="module")
def ws_server(pki) -> RecordingWebsocketServer:
    return RecordingWebsocketServer(str(pki.cert_pem), str(pki.key_pem))


@pytest.fixture(scope="module")
def ws_proxy(start_proxy, ws_server):
    return start_proxy(env_extra={"AIDLP_TEST_UPSTREAM_HTTPS": str(ws_server.port)}, name="ws-ctl")


class RawClient:
    def __init__(self, proxy, host: str, path: str) -> None:
        sock, status = open_tunnel(proxy.port, f"{host}:443")
        assert status == 200
        context = proxy.ssl_context()
        context.set_alpn_protocols(["http/1.1"])
        self.tls = context.wrap_socket(sock, server_hostname=host)
        self.tls.settimeout(3)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.tls.sendall(self.ws.send(Request(host=host, target=path)))
        assert any(isinstance(e, AcceptConnection) for e in self.receive())

    def send(self, event) -> None:
        self.tls.sendall(self.ws.send(event))

    def receive(self) -> list:
        try:
            data = self.tls.recv(65536)
        except (TimeoutError, OSError):
            return []
        self.ws.receive_data(data or None)
        return list(self.ws.events())


def _leaked(seen) -> list:
    return [item for item in seen if NINO_RAW in repr(item[1])]


def test_client_ping_payload_and_close_reason_never_reach_the_ai_tool(ws_proxy, ws_server):
    ws_server.seen.clear()
    client = RawClient(ws_proxy, "copilot.microsoft.com", "/c/api/chat")
    payload = f"NI {NINO_RAW}".encode()
    client.send(Ping(payload=payload))
    pongs = [e for e in client.receive() if isinstance(e, Pong)]
    # the keep-alive still works: the client gets its own payload back
    assert [bytes(p.payload) for p in pongs] == [payload]
    client.send(Pong(payload=f"unsolicited {NINO_RAW}".encode()))
    client.send(TextMessage('{"event": "send", "content": [{"type": "text", "text": "hello"}]}'))
    time.sleep(0.5)
    client.send(CloseConnection(code=1000, reason=f"NI {NINO_RAW}"))
    client.receive()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not any(k == "close" for k, _ in ws_server.seen):
        time.sleep(0.1)
    kinds = [kind for kind, _ in ws_server.seen]
    assert "ping" in kinds and "message" in kinds and "close" in kinds, ws_server.seen
    assert _leaked(ws_server.seen) == []
    assert ws_proxy.wait_event(lambda e: e.get("path") == "/c/api/chat")
