"""Every name a flow carries, so that a disagreement cannot hide an AI tool.

A request inside a tunnel has up to five names: the CONNECT host, the TLS SNI, the Host
header(s), HTTP/2's ``:authority`` and the address the proxy connects to. The flow is treated
as the AI tool if any of them names one, and refused if any names a blocked tool (this defeats
domain fronting and Host/SNI games in both directions).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Iterator
from typing import Any

from proxy.catalogue import Catalogue, Tool, ToolStatus
from proxy.transport.vocabulary import routing_vocabulary


def bare_host(value: str | bytes | None) -> str | None:
    """``value`` without port, brackets, userinfo or trailing dot, lower-cased; None if empty."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "surrogateescape")
    host = value.strip().rsplit("@", 1)[-1]
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    host = host.lower().rstrip(".")
    return host or None


def is_ip_literal(host: str | None) -> bool:
    """An address rather than a name, in any form a resolver accepts as one: dotted, IPv6,
    and the classic inet_aton forms (``2130706433``, ``0x7f000001``, ``127.1``,
    ``0177.0.0.1``) that glibc resolves without DNS. A name whose last label is all digits
    or hex-prefixed is never a DNS name either, so it counts as an address too."""
    if not host:
        return False
    bare = host.strip("[]").split("%", 1)[0].rstrip(".")
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        pass
    else:
        return True
    try:
        socket.inet_aton(bare)
    except (OSError, ValueError):
        pass
    else:
        return True
    last = bare.rsplit(".", 1)[-1].lower()
    if last and (last.isdigit() or last.startswith("0x")):
        return True
    return names_an_address(bare)


_DASHED_QUAD = re.compile(r"(?:^|\.)((?:\d{1,3}-){3}\d{1,3})(?:\.|$)")
_DOTTED_QUAD = re.compile(r"^(?:[a-z0-9-]+\.)?((?:\d{1,3}\.){3}\d{1,3})\.")


def names_an_address(host: str) -> bool:
    """A name that only spells an address (red team RT-102): under a wildcard-DNS zone that
    answers ``<ip>.<zone>`` with that IP (``data/routing.yaml`` ``address_zones``: sslip.io,
    nip.io...), or whose labels are a dashed or dotted IPv4 address (``1-2-3-4.x``,
    ``1.2.3.4.x``), or an Encrypted Client Hello public name (``cloudflare-ech.com``:
    ``ech_public_names``, red team RT-98), which names the CDN, not the destination. Such a
    name is unnamed, as the address itself."""
    lowered = host.lower().rstrip(".")
    vocabulary = routing_vocabulary()
    if lowered in vocabulary.ech_public_names:
        return True  # an ECH outer name: the real destination is encrypted (RT-98)
    zones = vocabulary.address_zones
    if any(lowered == zone or lowered.endswith("." + zone) for zone in zones):
        return True
    for pattern, separator in ((_DASHED_QUAD, "-"), (_DOTTED_QUAD, ".")):
        match = pattern.search(lowered)
        if match and all(int(part) <= 255 for part in match.group(1).split(separator)):
            return True
    return False


def classify(catalogue: Catalogue, names: Iterable[str | None]) -> Tool | None:
    """The tool any of ``names`` matches; a blocked tool wins over every other match, and a
    tool on every path over one scoped to a shared host's AI paths (``www.bing.com`` as the
    SNI, ``copilot.microsoft.com`` as the Host is Copilot on every path)."""
    found: Tool | None = None
    for name in names:
        tool = catalogue.match(bare_host(name))
        if tool is None:
            continue
        if tool.status is ToolStatus.BLOCKED:
            return tool
        if found is None or (found.paths and not tool.paths):
            found = tool
    return found


class ConnectHosts:
    """The CONNECT host of each client connection (the proxy may later be told to connect
    somewhere else, e.g. by another addon; the name the client asked for is what counts)."""

    def __init__(self) -> None:
        self._hosts: dict[str, str] = {}

    def record(self, client_id: str, host: str | None) -> None:
        if host:
            self._hosts[client_id] = host

    def get(self, client_id: str) -> str | None:
        return self._hosts.get(client_id)

    def forget(self, client_id: str) -> None:
        self._hosts.pop(client_id, None)

    def client_disconnected(self, client: Any) -> None:
        self.forget(client.id)


def flow_names(flow: Any, connect_hosts: ConnectHosts | None = None) -> Iterator[str]:
    """Every host name ``flow`` (a mitmproxy HTTPFlow) carries, unparsed (see :func:`bare_host`)."""
    request = flow.request
    if connect_hosts is not None:
        connect = connect_hosts.get(flow.client_conn.id)
        if connect:
            yield connect
    if flow.client_conn.sni:
        yield flow.client_conn.sni
    server = flow.server_conn
    if server is not None and server.sni:
        yield server.sni
    yield from request.headers.get_all("host")
    authority = request.data.authority
    if authority:
        yield authority.decode("utf-8", "surrogateescape")
    if request.host:
        yield request.host
