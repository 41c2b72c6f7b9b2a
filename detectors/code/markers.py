"""Internal code markers: namespaces, internal hostnames/domains, copyright/licence headers.

Every pattern is an escaped literal (or literal words joined by a whitespace/comment class),
so matching is linear. Findings carry the marker kind, never the matched text.
"""

from __future__ import annotations

import re
from typing import Final

from detectors.code.settings import MarkerSettings
from detectors.types import Finding

DETECTOR: Final = "code_marker"
_HOST_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
_MAX_HOST: Final = 253
# Between header words: whitespace and comment leaders ("#", "//", " * ", "--").
_GAP: Final = r"[\s#*/;'\-]+"


#: Between the components of a namespace, as languages write them: ``.`` (Java and Kotlin
#: allow spaces around it), ``/`` (Go, paths), ``::`` (C++, Rust, Perl), ``_`` (Python packages
#: named after the namespace: ``uk_gov_dwp``), ``-`` (artifact ids).
_NS_SEP: Final = r"\s*(?:\.|::|/|_|-)\s*"


def _namespace_pattern(namespaces: list[str]) -> re.Pattern[str] | None:
    """A namespace in any separator form; a marker ending in ``.`` (a prefix, ``uk.gov.dwp.``)
    also matches the root itself (``package uk.gov.dwp;``), never a longer word."""
    alternatives: set[str] = set()
    for ns in namespaces:
        parts = [p for p in re.split(r"\.|::|/", ns.strip()) if p]
        if not parts:
            continue
        joined = _NS_SEP.join(re.escape(p) for p in parts)
        alternatives.add(rf"{joined}(?:(?:\.|::|/|_|-)(?=\w)|(?![A-Za-z0-9]))")
    if not alternatives:
        return None
    ordered = sorted(alternatives, key=lambda v: (-len(v), v))
    return re.compile(rf"(?<![\w.])(?:{'|'.join(ordered)})", re.IGNORECASE)


def _header_pattern(headers: list[str]) -> re.Pattern[str] | None:
    alternatives = [_GAP.join(re.escape(w) for w in h.split()) for h in headers if h.split()]
    if not alternatives:
        return None
    return re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)


class MarkerMatcher:
    """Finds internal markers in text (original offsets)."""

    def __init__(self, settings: MarkerSettings) -> None:
        self.score = settings.score
        self._namespaces = _namespace_pattern(settings.namespaces)
        self._headers = _header_pattern(settings.headers)
        self._domains = sorted({d.lower().strip(".") for d in settings.domains})
        self._domain_re = (
            re.compile("|".join(re.escape(d) for d in self._domains), re.IGNORECASE)
            if self._domains
            else None
        )

    def find(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        if self._namespaces is not None:
            findings += [
                self._finding("INTERNAL_NAMESPACE", m.start(), m.end(), "namespace")
                for m in self._namespaces.finditer(text)
            ]
        if self._domain_re is not None:
            findings += self._find_hosts(text)
        if self._headers is not None:
            findings += [
                self._finding("INTERNAL_HEADER", m.start(), m.end(), "header")
                for m in self._headers.finditer(text)
            ]
        return findings

    def _find_hosts(self, text: str) -> list[Finding]:
        """Hosts equal to or under an internal domain; the span covers the whole hostname."""
        assert self._domain_re is not None
        out: list[Finding] = []
        last_end = -1
        for m in self._domain_re.finditer(text):
            start, end = m.start(), m.end()
            before = text[start - 1] if start else ""
            after = text[end] if end < len(text) else ""
            # Right edge: the domain must end the host ("corp.local" not "corp.localhost"),
            # though a trailing sentence full stop is fine.
            if after and (after.isalnum() or after in "-_"):
                continue
            if after == "." and end + 1 < len(text) and text[end + 1].isalnum():
                continue
            # Left edge: start of a host or a label boundary ("x.corp.local", not "xcorp.local").
            if before and (before.isalnum() or before in "-_"):
                continue
            host_start = start
            limit = max(0, start - _MAX_HOST)
            while host_start > limit and text[host_start - 1] in _HOST_CHARS:
                host_start -= 1
            host_start = max(host_start, last_end)
            while host_start < start and text[host_start] in ".-":
                host_start += 1
            out.append(self._finding("INTERNAL_HOST", host_start, end, "domain"))
            last_end = end
        return out

    def _finding(self, entity_type: str, start: int, end: int, kind: str) -> Finding:
        return Finding(
            "NON_PUBLIC_CODE", entity_type, start, end, self.score, DETECTOR, (("marker", kind),)
        )
