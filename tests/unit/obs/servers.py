"""Real local collectors for the sink tests: syslog (UDP/TCP) and an HTTP (HEC) endpoint."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class UdpCollector:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]

    def receive(self) -> bytes:
        return self.sock.recvfrom(65535)[0]

    def close(self) -> None:
        self.sock.close()


class TcpCollector:
    """Accepts connections; ``read=False`` makes it a stalled collector that never reads."""

    def __init__(self, read: bool = True) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.read = read
        self.data = bytearray()
        self.connections: list[socket.socket] = []
        self.lock = threading.Lock()
        self.accepted = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.connections.append(conn)
            self.accepted.set()
            if self.read:
                threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        while True:
            try:
                chunk = conn.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                self.data.extend(chunk)

    def frames(self) -> list[bytes]:
        """Split RFC 6587 octet-counted frames."""
        with self.lock:
            buf = bytes(self.data)
        out = []
        while buf:
            length, _, rest = buf.partition(b" ")
            n = int(length)
            if len(rest) < n:
                break
            out.append(rest[:n])
            buf = rest[n:]
        return out

    def close(self) -> None:
        self.server.close()
        for conn in self.connections:
            conn.close()


class HecCollector:
    """An HTTP endpoint: answers with ``statuses`` in turn (then 200); ``hang`` holds requests."""

    def __init__(self, statuses: list[int] | None = None, hang: bool = False) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self.hang = hang
        self.release = threading.Event()
        self.holding = threading.Event()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                collector.requests.append(
                    {"headers": dict(self.headers), "body": body, "path": self.path}
                )
                if collector.hang:
                    collector.holding.set()
                    collector.release.wait(30)
                status = collector.statuses.pop(0) if collector.statuses else 200
                payload = json.dumps(
                    {
                        "text": "Success" if status == 200 else "Error",
                        "code": 0 if status == 200 else 8,
                    }
                ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/services/collector/event"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        out = []
        for request in self.requests:
            for line in request["body"].decode().splitlines():
                if line.strip():
                    out.append(json.loads(line))
        return out

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A local port with nothing listening (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
