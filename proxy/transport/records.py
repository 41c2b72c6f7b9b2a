"""TLS record sniffing that cannot be dodged by record-layer tricks.

mitmproxy judges "is this TLS?" from the first three bytes, and only accepts a record-layer
version of 3.0-3.3. RFC 8446 §5.1 says that field must be ignored (OpenSSL accepts 0x0304),
and a client may send the ClientHello's first byte alone. Here TLS is judged by the content
type and the major version byte; the record headers of the ClientHello are normalised to
3.1 so that mitmproxy's parser (and OpenSSL) see an ordinary ClientHello.
"""

from __future__ import annotations

import struct

HANDSHAKE = 0x16
TLS_MAJOR = 0x03
RECORD_HEADER = 5
CLIENT_HELLO = 0x01
MAX_CLIENT_HELLO = 1 << 17  # beyond this nobody sends a real ClientHello


def may_be_tls(data: bytes) -> bool:
    """True if ``data`` is, or could still become, the start of a TLS handshake record."""
    if not data:
        return False
    if data[0] != HANDSHAKE:
        return False
    return len(data) < 2 or data[1] == TLS_MAJOR


def client_hello_state(data: bytes) -> str:
    """``"complete"``, ``"partial"`` (wait for more bytes) or ``"invalid"`` for handshake records
    that should carry a whole ClientHello. Record versions are not checked (major byte only)."""
    offset = 0
    hello = b""
    while True:
        if len(data) < offset + RECORD_HEADER:
            return "partial"
        if data[offset] != HANDSHAKE or data[offset + 1] != TLS_MAJOR:
            return "invalid"
        size = struct.unpack("!H", data[offset + 3 : offset + 5])[0]
        if size == 0:
            return "invalid"
        offset += RECORD_HEADER
        if len(data) < offset + size:
            return "partial"
        hello += data[offset : offset + size]
        offset += size
        if len(hello) >= 4:
            if hello[0] != CLIENT_HELLO:
                return "invalid"
            wanted = struct.unpack("!I", b"\x00" + hello[1:4])[0] + 4
            if wanted > MAX_CLIENT_HELLO:
                return "invalid"
            if len(hello) >= wanted:
                return "complete"


def normalise_record_versions(data: bytes) -> bytes:
    """``data`` with the record-layer version of every leading handshake record set to 3.1
    when its minor byte is outside what mitmproxy accepts (3.0-3.3). Other bytes untouched."""
    out = bytearray(data)
    offset = 0
    while len(out) >= offset + RECORD_HEADER:
        if out[offset] != HANDSHAKE or out[offset + 1] != TLS_MAJOR:
            break
        if out[offset + 2] > 0x03:
            out[offset + 2] = 0x01
        offset += RECORD_HEADER + struct.unpack("!H", bytes(out[offset + 3 : offset + 5]))[0]
    return bytes(out)


HTTP_METHODS = (b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"HEAD", b"OPTIONS", b"TRACE")
HTTP_METHODS += (b"CONNECT", b"PRI")


def may_be_http_request_line(data: bytes) -> bool:
    """True while ``data`` could still be the start of an HTTP request line (``POST /…``)
    that has not reached its first line break. Used to wait for enough bytes before judging
    a request split into tiny writes."""
    if not data or len(data) > 8192 or b"\n" in data:
        return False
    method, space, _ = data.partition(b" ")
    upper = method.upper()
    if space:
        return upper in HTTP_METHODS
    return any(m.startswith(upper) for m in HTTP_METHODS)
