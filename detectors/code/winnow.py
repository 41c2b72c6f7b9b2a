"""Stable 64-bit k-gram hashes and winnowing (Schleimer, Wilkerson & Aiken, SIGMOD 2003).

Hashes never use Python's salted ``hash()``: each normalised token gets a keyed BLAKE2b
64-bit value, a k-gram is a polynomial of its tokens' values mod 2**64, finished with the
splitmix64 mixer. The same tokens give the same hashes on every run and every machine.

K-grams that (nearly) repeat a short unit (period <= k/2, 3/4 of tokens agreeing: data
tables ``( N , N ) ,``, constant blocks, import lists, runs of ``V = V`` lines) say nothing
about where code came from; they are never selected. Winnowing keeps, in every window of ``window`` consecutive k-gram hashes, the
rightmost minimum. Any shared run of at least ``window + k - 1`` tokens is guaranteed to share a
fingerprint; runs shorter than ``k`` tokens never do (noise threshold).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

HASH_SCHEME: Final = "blake2b64-poly-splitmix64-v1"

_PERSON: Final = b"aidlp-fp-tok-v1"
_BASE: Final = np.uint64(0x9E3779B97F4A7C15)
_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)
_EMPTY: Final = np.empty(0, dtype=np.uint64)
#: Hash value standing for "no fingerprint here" (periodic k-grams); never selected.
SKIP_HASH: Final = np.uint64(0xFFFFFFFFFFFFFFFF)


@functools.lru_cache(maxsize=65536)
def token_hash(token: str) -> int:
    """Stable 64-bit hash of one normalised token."""
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8, person=_PERSON).digest()
    return int.from_bytes(digest, "little")


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps mod 2**64)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _periodic(values: np.ndarray, k: int, max_period: int) -> np.ndarray:
    """For each k-gram, True if its tokens (nearly) repeat with a period <= ``max_period``:
    at least 3/4 of them equal the token ``p`` places on, for some ``p``."""
    count = len(values) - k + 1
    periodic = np.zeros(count, dtype=bool)
    for p in range(1, min(max_period, k - 1) + 1):
        same = np.concatenate(([0], np.cumsum(values[p:] == values[:-p], dtype=np.int64)))
        span = k - p
        periodic |= (same[span : span + count] - same[:count]) * 4 >= span * 3
    return periodic


def kgram_hashes(tokens: Sequence[str], k: int) -> np.ndarray:
    """Hash of every k-gram of ``tokens`` (``len(tokens) - k + 1`` values, maybe none).

    Periodic k-grams get the reserved value ``2**64 - 1`` (skipped by :func:`winnow`).
    """
    if k < 1:
        raise ValueError("k must be >= 1")
    count = len(tokens) - k + 1
    if count <= 0:
        return _EMPTY
    values = np.fromiter((token_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    acc = np.zeros(count, dtype=np.uint64)
    for j in range(k):
        acc = acc * _BASE + values[j : j + count]
    hashes = _mix(acc)
    hashes[hashes == SKIP_HASH] = SKIP_HASH - np.uint64(1)
    hashes[_periodic(values, k, k // 2)] = SKIP_HASH
    return hashes


@dataclass(frozen=True, slots=True)
class Fingerprints:
    """Selected k-gram hashes and the token index where each k-gram starts."""

    hashes: np.ndarray  # uint64
    positions: np.ndarray  # int64, strictly increasing

    def __len__(self) -> int:
        return len(self.hashes)


def winnow(hashes: np.ndarray, window: int) -> Fingerprints:
    """Robust winnowing: the rightmost minimum of each window, each position once.

    With fewer hashes than one window, the single minimum is the fingerprint.
    """
    if window < 1:
        raise ValueError("window must be >= 1")
    n = len(hashes)
    if n == 0:
        return Fingerprints(_EMPTY, np.empty(0, dtype=np.int64))
    if n <= window:
        pos = np.array([n - 1 - int(np.argmin(hashes[::-1]))], dtype=np.int64)
    else:
        windows = sliding_window_view(hashes, window)
        rightmost = window - 1 - np.argmin(windows[:, ::-1], axis=1)
        pos = np.arange(len(windows), dtype=np.int64) + rightmost
        # Positions never decrease from one window to the next: keep each once.
        keep = np.empty(len(pos), dtype=bool)
        keep[0] = True
        np.not_equal(pos[1:], pos[:-1], out=keep[1:])
        pos = pos[keep]
    pos = pos[hashes[pos] != SKIP_HASH]
    return Fingerprints(hashes[pos], pos)


def fingerprint(tokens: Sequence[str], k: int, window: int) -> Fingerprints:
    """Winnowed fingerprints of a normalised token sequence."""
    return winnow(kgram_hashes(tokens, k), window)
