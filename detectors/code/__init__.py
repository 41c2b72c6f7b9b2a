"""Non-public code detection: a winnowed fingerprint index of internal repositories, and
internal code markers. Pure (never imports mitmproxy).

- :func:`detectors.code.build.build_index` (``aidlp fingerprint build``) walks repositories
  and writes an index of 64-bit fingerprint hashes (never code).
- :class:`detectors.code.detector.CodeDetector` finds code-like segments of a prompt,
  fingerprints them the same way, looks them up, and reports NON_PUBLIC_CODE findings; it
  also reports internal markers (namespaces, hostnames, copyright headers) with a lower score.

Names are imported lazily so that loading the settings model (config validation in the
proxy's main process) does not import numpy or Pygments.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "BuildError": "detectors.code.build",
    "BuildResult": "detectors.code.build",
    "build_index": "detectors.code.build",
    "CodeDetector": "detectors.code.detector",
    "FingerprintIndex": "detectors.code.index",
    "FingerprintIndexError": "detectors.code.index",
    "CodeSettings": "detectors.code.settings",
    "MarkerSettings": "detectors.code.settings",
}

__all__ = [
    "BuildError",
    "BuildResult",
    "CodeDetector",
    "CodeSettings",
    "FingerprintIndex",
    "FingerprintIndexError",
    "MarkerSettings",
    "build_index",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
