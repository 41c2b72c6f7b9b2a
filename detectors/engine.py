"""ScanEngine: loads once, scans many texts. (Foundation placeholder: NINO only; issue 3
replaces this with the full recogniser set.)"""

from __future__ import annotations

import re
import time

from detectors.settings import DetectorSettings
from detectors.types import Finding, ScanResult

_NINO = re.compile(r"\b(?![DFIQUV])[A-Z](?![DFIOQUV])[A-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")


class ScanEngine:
    """Text in, findings out. Construct once per process; ``scan`` is reentrant."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()

    def scan(self, text: str) -> ScanResult:
        started = time.perf_counter()
        findings = [
            Finding("PERSONAL_DATA", "UK_NINO", m.start(), m.end(), 0.95, "uk_nino")
            for m in _NINO.finditer(text)
        ]
        return ScanResult(
            findings=findings,
            categories=sorted({f.category for f in findings}),
            chars=len(text),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
