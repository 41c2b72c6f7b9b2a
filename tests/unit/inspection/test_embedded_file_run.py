"""has_embedded_file: the same answer as the regex it replaces, on every kind of body."""

from __future__ import annotations

import random
import re

import pytest

from proxy.inspection.pipeline import EMBEDDED_FILE_RUN, has_embedded_file

REGEX = re.compile(rb"[A-Za-z0-9+/=_-]{512}")
BASE64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-"


def bodies():
    rng = random.Random(21)
    for run in (0, 1, 511, 512, 513, 2048):
        for before, after in ((b"", b""), (b'{"a":"', b'"}'), (b"x y\n", b"\x00\xff")):
            yield before + bytes(rng.choice(BASE64) for _ in range(run)) + after
    for _ in range(300):  # runs of base64 broken by any other byte (spaces, quotes, UTF-8)
        parts = []
        for _ in range(rng.randint(1, 6)):
            parts.append(bytes(rng.choice(BASE64) for _ in range(rng.randint(0, 700))))
            parts.append(bytes(rng.choice(range(256)) for _ in range(rng.randint(1, 3))))
        yield b"".join(parts)


@pytest.mark.parametrize("body", list(bodies()))
def test_same_answer_as_the_regex(body: bytes) -> None:
    assert has_embedded_file(body) is (REGEX.search(body) is not None)


def test_a_run_one_byte_short_is_no_file() -> None:
    run = b"A" * (EMBEDDED_FILE_RUN - 1)
    assert not has_embedded_file(b"{" + run + b"}")
    assert has_embedded_file(b"{" + run + b"=}")
    assert not has_embedded_file(b"{" + run + b" " + run + b"}")
