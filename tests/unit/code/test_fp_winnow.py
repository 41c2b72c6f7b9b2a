"""Stable k-gram hashes and winnowing (Schleimer, Wilkerson & Aiken 2003)."""

from __future__ import annotations

import random
import subprocess
import sys

import numpy as np
import pytest

from detectors.code.winnow import SKIP_HASH, fingerprint, kgram_hashes, token_hash, winnow


def test_token_hash_is_stable_and_unsalted():
    # A fixed value: the same in every process, whatever PYTHONHASHSEED is.
    assert token_hash("V") == token_hash("V")
    code = "from detectors.code.winnow import token_hash; print(token_hash('return'))"
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert outs == {str(token_hash("return"))}
    assert 0 <= token_hash("return") < 2**64


def test_kgram_count_and_order_sensitivity():
    toks = [str(i) for i in range(10)]
    h = kgram_hashes(toks, 4)
    assert len(h) == 7 and h.dtype == np.uint64
    assert len(set(h.tolist())) == 7
    assert kgram_hashes(toks[:3], 4).size == 0
    swapped = toks[:]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    assert kgram_hashes(swapped, 4)[0] != h[0]
    assert kgram_hashes(swapped, 4)[2] == h[2]
    with pytest.raises(ValueError):
        kgram_hashes(toks, 0)


def test_periodic_kgrams_are_never_fingerprints():
    table = ["S", ","] * 40  # a list of string literals
    assert (kgram_hashes(table, 10) == SKIP_HASH).all()
    assert len(fingerprint(table, 10, 4)) == 0
    varied = [str(i % 7) + chr(65 + i % 5) for i in range(80)]  # period 35 > k/2
    assert not (kgram_hashes(varied, 10) == SKIP_HASH).any()
    # a block of constants after a class header: nearly periodic, also skipped
    constants = ["class", "V", ":"] + ["V", "=", "N"] * 10
    assert (kgram_hashes(constants, 20) == SKIP_HASH).all()
    # ordinary code is not
    code = "def V ( V , V ) : if V . V ( V ) : return V [ N ] V = V + V * N return V".split()  # noqa: SIM905
    assert not (kgram_hashes(code, 20) == SKIP_HASH).any()


def test_winnowing_covers_every_window_with_increasing_positions():
    rng = np.random.default_rng(1)
    hashes = rng.integers(0, 2**63, size=500, dtype=np.uint64)
    w = 6
    fp = winnow(hashes, w)
    pos = fp.positions
    assert (np.diff(pos) > 0).all()
    assert (fp.hashes == hashes[pos]).all()
    chosen = set(pos.tolist())
    for i in range(len(hashes) - w + 1):
        window = hashes[i : i + w]
        rightmost_min = i + w - 1 - int(np.argmin(window[::-1]))
        assert rightmost_min in chosen
    # density close to the expected 2 / (w + 1)
    assert 0.15 < len(fp) / len(hashes) < 0.45


def test_short_inputs():
    h = np.array([5, 3, 9], dtype=np.uint64)
    fp = winnow(h, 8)
    assert fp.positions.tolist() == [1] and fp.hashes.tolist() == [3]
    assert len(winnow(np.empty(0, dtype=np.uint64), 4)) == 0


def test_shared_run_of_window_plus_k_minus_one_tokens_is_always_found():
    rng = random.Random(3)
    k, w = 8, 5
    vocab = [f"t{i}" for i in range(40)]
    for _ in range(50):
        shared = [rng.choice(vocab) for _ in range(w + k - 1)]
        a = [rng.choice(vocab) for _ in range(30)] + shared + [rng.choice(vocab) for _ in range(30)]
        b = [rng.choice(vocab) for _ in range(17)] + shared + [rng.choice(vocab) for _ in range(9)]
        fa = set(fingerprint(a, k, w).hashes.tolist())
        fb = set(fingerprint(b, k, w).hashes.tolist())
        assert fa & fb
