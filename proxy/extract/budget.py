"""Per-request extraction bounds: characters produced and wall-clock time. Every reader checks
them cooperatively; going over is ``too_large`` (fail closed)."""

from __future__ import annotations

import time

from proxy.extract.datatypes import ExtractionError
from proxy.extract.settings import ExtractionSettings


class Budget:
    """Per-request bounds: extracted characters and wall-clock time (checked cooperatively)."""

    def __init__(self, settings: ExtractionSettings, max_bytes: int) -> None:
        self.settings = settings
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + settings.timeout_seconds
        self.chars = 0

    def add(self, chars: int) -> None:
        self.chars += chars
        if self.chars > self.settings.max_text_chars:
            raise ExtractionError("too_large", "extracted text over max_text_chars")
        self.check_time()

    def exclude(self, seconds: float) -> None:
        """Move the deadline out by ``seconds`` of one-off process set-up (loading a token
        vocabulary) that is not this request's work."""
        self.deadline += seconds

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise ExtractionError("too_large", "extraction time budget exceeded")

    @property
    def remaining_chars(self) -> int:
        return self.settings.max_text_chars - self.chars
