"""Job functions for the extraction-pool tests (importable by the spawned workers)."""

from __future__ import annotations

import signal
import time


def slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def stubborn(seconds: float) -> str:
    """Ignores the in-worker deadline (as code stuck in C would): only a kill stops it."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    time.sleep(seconds)
    return "done"


def quick() -> str:
    return "quick"
