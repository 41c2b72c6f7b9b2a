"""Test-only raw HTTP/1.1 upstream: keeps the exact bytes each request arrived with.

The hypercorn upstream (upstream.py) parses requests, so it cannot show what a proxy put on
the wire (trailers, bytes after a protocol switch). Start a proxy with
``env_extra={"AIDLP_TEST_UPSTREAM_HTTP": str(recorder.port)}`` to make this the plain-HTTP
upstream of every host (tests/e2e/reroute.py).
"""

from __future__ import annotations

import socket
import threading
import time

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\nConnection: close\r\n\r\n{"ok": true}'


class RawRecorder:
    """A plain-HTTP server on loopback that keeps the raw bytes of each request and gives
    ``answer`` once it has the head (and, for a chunked body, the last chunk)."""

    def __init__(self, answer: bytes = OK, linger: float = 0.0) -> None:
        self.answer = answer
        self.linger = linger  # after answering, keep reading this long (bytes after a 101)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    @staticmethod
    def _complete(data: bytes) -> bool:
        head, sep, body = data.partition(b"\r\n\r\n")
        if not sep:
            return False
        fields = head.lower().split(b"\r\n")
        if any(f.startswith(b"transfer-encoding:") and b"chunked" in f for f in fields):
            last = body.startswith(b"0\r\n") or b"\r\n0\r\n" in body
            return last and body.endswith(b"\r\n\r\n")
        lengths = [int(f.split(b":", 1)[1]) for f in fields if f.startswith(b"content-length:")]
        return len(body) >= (lengths[0] if lengths else 0)

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            data = b""
            try:
                while not self._complete(data):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            self.received.append(data)
            conn.sendall(self.answer)
            conn.settimeout(0.2)
            deadline = time.monotonic() + self.linger
            while time.monotonic() < deadline:
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                self.received[-1] += chunk
