"""Shared fixtures: one real ScanEngine (spaCy loaded once per test session)."""

from __future__ import annotations

import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings


@pytest.fixture(scope="session")
def engine() -> ScanEngine:
    return ScanEngine(DetectorSettings())


def entities(recogniser, text: str) -> list[tuple[str, str]]:
    """(entity, matched text) pairs from a recogniser's Presidio ``analyze``."""
    return [(r.entity_type, text[r.start : r.end]) for r in recogniser.analyze(text, [])]
