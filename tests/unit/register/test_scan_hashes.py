"""Subject hashes are made in the scan worker: only hashes cross the process boundary."""

from __future__ import annotations

import asyncio
import pickle

from detectors.settings import DetectorSettings
from proxy.events import sanitise
from proxy.register.subjects import lookup_hmacs
from proxy.worker_pool import PoolSettings, ScanPool

KEY = b"dpo-team-subject-key-0123456789"
TEXT = "Claimant NI number JG 10 37 29 A, email Jo.Bloggs@Example.com, NHS 943 476 5919"


async def _scan(subject_key: bytes | None):
    pool = ScanPool(DetectorSettings(), PoolSettings(1, 10, 2, 4, subject_key=subject_key))
    await pool.start()
    try:
        return await pool.scan(TEXT)
    finally:
        pool.shutdown()


def test_the_worker_returns_keyed_hashes_and_no_values():
    result = asyncio.run(_scan(KEY))
    expected = {
        ("nino", lookup_hmacs([KEY], "nino", "jg103729a")[0]),
        ("email", lookup_hmacs([KEY], "email", "jo.bloggs@example.com")[0]),
        ("nhs", lookup_hmacs([KEY], "nhs", "9434765919")[0]),
    }
    assert set(result.subject_hmacs) == expected
    crossed = pickle.dumps(result)
    for raw in (b"JG 10 37", b"JG103729", b"Bloggs", b"bloggs", b"9434765919", b"943 476"):
        assert raw not in crossed
    assert KEY.decode() not in repr(PoolSettings(1, 1, 1, 1, subject_key=KEY))


def test_without_a_key_nothing_is_hashed():
    assert asyncio.run(_scan(None)).subject_hmacs == ()


def test_the_event_schema_keeps_subject_hashes_and_nothing_else_in_them():
    event = {
        "event": "ai.request.blocked",
        "subject_hmacs": [
            {"kind": "nino", "hmac": "ab" * 32, "value": "JG103729A"},
            {"kind": "nino", "hmac": "JG103729A"},
            "JG103729A",
        ],
    }
    out = sanitise(event)
    assert out["subject_hmacs"][0] == {"kind": "nino", "hmac": "ab" * 32}
    assert out["subject_hmacs"][1] == {"kind": "nino", "hmac": "<redacted>"}
    assert out["subject_hmacs"][2] == "<redacted>"
    assert "subject_hmacs" not in sanitise({"event": "ai.request.allowed"})
