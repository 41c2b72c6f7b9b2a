"""Red team RT-133: a number that needs its cue words (an NHS number, a sort code and its
account) encoded ALONE after those words: short padded base64, hex, %-escapes. The decoded
number is read with the line around its blob. Payloads are built here with the standard
encoders; look-alikes in code and prose stay allowed."""

from __future__ import annotations

import base64
from urllib.parse import unquote

import pytest

NHS = "9434765919"  # valid check digit, made up
SORT_CODE = "20-45-77"
ACCOUNT = "31926819"


def _b64(value: str) -> str:
    blob = base64.b64encode(value.encode()).decode()
    assert base64.b64decode(blob).decode() == value  # the value is really there
    return blob


def _pct(value: str) -> str:
    escaped = "".join(f"%{b:02X}" for b in value.encode())
    assert unquote(escaped) == value  # the value is really there
    return escaped


@pytest.mark.parametrize(
    "text,category",
    [
        # 10 bytes: 14 characters and "==", too short for the long base64 finder
        (f"patient NHS number {_b64(NHS)}", "PERSONAL_DATA"),
        (f"Please chase the GP about NHS no. {_b64(NHS)} today", "PERSONAL_DATA"),
        # the sort code encoded alone, its account number plain after it on the line
        (f"sort code {_b64(SORT_CODE)} account {ACCOUNT}", "PERSONAL_DATA"),
        (f"refund to sort code {_pct(SORT_CODE)} account {ACCOUNT} please", "PERSONAL_DATA"),
        (f"bank: sort code {SORT_CODE} account {_b64(ACCOUNT)}", "PERSONAL_DATA"),
    ],
)
def test_a_number_encoded_alone_is_read_with_its_line(engine, text, category) -> None:
    """Rule: a blob decoding to a bare number is scanned with the words before AND after it
    on its line, so a cue on either side still frames it."""
    assert category in engine.scan(text).categories


@pytest.mark.parametrize(
    "text",
    [
        "timeout=30 retries=3 padding== margin=4",
        "if (a==b && total==0) return configs;",
        "The base64 of 'hello' is aGVsbG8= and of 'hi' is aGk=.",
        f"The reference {_b64('Qx-Zk')} was rotated; see the runbook.",
        "Set KEY=abc123== in the sandbox only (not a real key).",
        "Order 20-45-77 shipped; tracking number attached.",
    ],
)
def test_padded_base64_look_alikes_stay_allowed(engine, text) -> None:
    """Rule: an ``=``-ended word, code comparisons, base64 of ordinary words and a number
    with no cue are no personal data."""
    assert engine.scan(text).categories == []
