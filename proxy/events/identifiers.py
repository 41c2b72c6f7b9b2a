"""Is this host label, path segment or log token identifying? (for masking, not deciding)

Events keep ``host`` and ``path``, and mitmproxy's log lines name hosts (``Client TLS
handshake failed … for jg103729a.openai.com``). A label or segment that carries an
identifier, a key or a name must be masked there. The full detectors run in the scan
workers; this is the cheap, linear-time test used on every event and log line. It errs
towards masking:

- four or more digits among letters (NINO ``jg103729a``, ``case-2024-0042``), or seven or more
  digits alone (NHS, phone numbers; ports and years survive);
- a long key-like run: 16+ letters and digits (``-``/``_`` aside) mixing both, or all
  upper-case (``AKIA…``), or anything 40+ characters long;
- an e-mail address, or a UK postcode among its parts (``LS1-4AB``, ``sw1a_1aa``);
- two or more capitalised words joined by ``-``/``_``/``.`` (``Jane-Smith``).
"""

from __future__ import annotations

import functools
import itertools
import re

_POSTCODE = re.compile(r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$")
_INWARD = re.compile(r"^[0-9][A-Za-z]{2}$")
_POSTCODE_JOINED = re.compile(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[0-9][A-Za-z]{2}")
_CAPITALISED = re.compile(r"^[A-Z][a-z]{1,30}$")
_PARTS = re.compile(r"[-_.+~ ]")


@functools.lru_cache(maxsize=8192)
def identifying(label: str) -> bool:
    """True when ``label`` (one host label, path segment or log token) should be masked."""
    if not label:
        return False
    digits = sum(c.isdigit() for c in label)
    letters = sum(c.isalpha() for c in label)
    if (digits >= 4 and letters) or digits >= 7:
        return True
    if len(label) >= 40:
        return True
    compact = label.replace("-", "").replace("_", "")
    if (
        len(compact) >= 16
        and compact.isalnum()
        and letters
        and (digits or compact.upper() == compact)
    ):
        return True
    if "@" in label:
        return True
    parts = [p for p in _PARTS.split(label) if p]
    for first, second in itertools.pairwise(parts):
        if _POSTCODE.match(first) and _INWARD.match(second):
            return True
    if any(_POSTCODE_JOINED.fullmatch(p) for p in parts) and digits >= 2:
        return True
    capitalised = sum(bool(_CAPITALISED.match(p)) for p in parts)
    return capitalised >= 2
