"""IP address (IPv4; IPv6 full form). Private, loopback and documentation ranges are
infrastructure, not a person; a public address is weak personal context."""

from __future__ import annotations

import ipaddress

from presidio_analyzer import Pattern

from detectors.base import Recogniser, Tier

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


class IpAddressRecogniser(Recogniser):
    """``81.2.69.160``."""

    ENTITY = "IP_ADDRESS"
    TIER = Tier.WEAK
    PATTERNS = (
        Pattern("ipv4", rf"\b{_OCTET}(?:\.{_OCTET}){{3}}\b", 0.5),
        Pattern("ipv6", r"\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b", 0.5),
    )
    CONTEXT = ("ip", "ip address", "logged in from", "address")

    def invalidate_result(self, pattern_text: str) -> bool:
        try:
            ip = ipaddress.ip_address(pattern_text)
        except ValueError:
            return True
        if ip.version == 4:
            return not ip.is_global
        # random-looking IPv6 (outside 2000::/3) is still someone's address; drop only
        # loopback, link-local, unique-local, multicast and unspecified
        return ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_multicast
