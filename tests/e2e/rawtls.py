"""Test-only raw-socket clients that do what DPI-evasion tools do to a TLS ClientHello.

Python's ssl module writes the ClientHello into a memory BIO; we mangle the record layer
before it goes on the wire (first byte sent alone, record version 0x0304, the hello split
across several records) and then let OpenSSL finish the handshake over the socket.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import time


def open_tunnel(proxy_port: int, target: str, timeout: float = 10.0) -> tuple[socket.socket, int]:
    """A socket through the proxy's CONNECT to ``target`` (host:port) and the CONNECT status."""
    sock = socket.create_connection(("127.0.0.1", proxy_port), timeout=timeout)
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            break
        head += chunk
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return sock, status


def _records(payload: bytes, version: bytes, pieces: int) -> bytes:
    """The handshake ``payload`` as ``pieces`` TLS records with record version ``version``."""
    size = -(-len(payload) // pieces)
    out = b""
    for start in range(0, len(payload), size):
        part = payload[start : start + size]
        out += b"\x16" + version + struct.pack("!H", len(part)) + part
    return out


class MangledTLS:
    """A TLS client over ``sock`` whose first flight is rewritten at the record layer."""

    def __init__(
        self,
        sock: socket.socket,
        context: ssl.SSLContext,
        server_hostname: str | None,
        *,
        split_first_byte: bool = False,
        record_version: bytes | None = None,
        records: int = 1,
        delay: float = 0.4,
    ) -> None:
        self.sock = sock
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = context.wrap_bio(self.incoming, self.outgoing, server_hostname=server_hostname)
        self.split_first_byte = split_first_byte
        self.record_version = record_version
        self.records = records
        self.delay = delay

    def _flush(self) -> None:
        data = self.outgoing.read()
        if data:
            self.sock.sendall(data)

    def handshake(self) -> None:
        with contextlib.suppress(ssl.SSLWantReadError):
            self.obj.do_handshake()
        hello = self.outgoing.read()
        assert hello[0] == 0x16, "expected a handshake record"
        body = hello[5 : 5 + struct.unpack("!H", hello[3:5])[0]]
        version = self.record_version or hello[1:3]
        wire = _records(body, version, self.records) + hello[5 + len(body) :]
        if self.split_first_byte:
            self.sock.sendall(wire[:1])
            time.sleep(self.delay)
            self.sock.sendall(wire[1:])
        else:
            self.sock.sendall(wire)
        while True:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed during the TLS handshake")
            self.incoming.write(data)
            try:
                self.obj.do_handshake()
                self._flush()
                return
            except ssl.SSLWantReadError:
                self._flush()

    def send(self, data: bytes, split_first_byte: bool = False, delay: float = 0.4) -> None:
        if split_first_byte:
            self.obj.write(data[:1])
            self._flush()
            time.sleep(delay)
            data = data[1:]
        self.obj.write(data)
        self._flush()

    def read_response(self, timeout: float = 15.0) -> bytes:
        """Read one HTTP/1.1 response (head + Content-Length body), or until close."""
        deadline = time.monotonic() + timeout
        buffer = b""
        while time.monotonic() < deadline:
            try:
                buffer += self.obj.read(65536)
            except ssl.SSLWantReadError:
                self.sock.settimeout(max(0.1, deadline - time.monotonic()))
                try:
                    data = self.sock.recv(65536)
                except TimeoutError:
                    break
                if not data:
                    break
                self.incoming.write(data)
                continue
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break
            head, sep, body = buffer.partition(b"\r\n\r\n")
            if sep:
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if len(body) >= length:
                    return buffer
        return buffer


def http_request(method: str, host: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 0


def h2_request(
    proxy_port: int,
    context: ssl.SSLContext,
    *,
    connect: str,
    sni: str | None,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    trailers: list[tuple[str, str]] | None = None,
    timeout: float = 15.0,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/2 request (pseudo-headers included in ``headers``, e.g. a ``:authority`` that
    disagrees with the SNI), optionally ending with trailers. Returns (status, headers, body)."""
    import h2.config
    import h2.connection
    import h2.events

    sock, status = open_tunnel(proxy_port, connect, timeout)
    assert status == 200, status
    context.set_alpn_protocols(["h2"])
    if sni is None:
        context.check_hostname = False
    tls = context.wrap_socket(sock, server_hostname=sni)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    stream = conn.get_next_available_stream_id()
    conn.send_headers(stream, headers, end_stream=not body and not trailers)
    if body:
        conn.send_data(stream, body, end_stream=not trailers)
    if trailers:
        conn.send_headers(stream, trailers, end_stream=True)
    tls.sendall(conn.data_to_send())
    tls.settimeout(timeout)
    got_status, got_headers, got_body = 0, {}, b""
    try:
        while True:
            data = tls.recv(65536)
            if not data:
                break
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    got_headers = {k.decode(): v.decode() for k, v in event.headers}
                    got_status = int(got_headers.get(":status", "0"))
                elif isinstance(event, h2.events.DataReceived):
                    got_body += event.data
                    conn.acknowledge_received_data(event.flow_controlled_length, stream)
                elif isinstance(event, h2.events.StreamEnded | h2.events.StreamReset):
                    tls.close()
                    return got_status, got_headers, got_body
            tls.sendall(conn.data_to_send())
    except (TimeoutError, ssl.SSLError, OSError):
        pass
    tls.close()
    return got_status, got_headers, got_body
