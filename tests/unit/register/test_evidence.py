"""Sealed evidence: only the team's private key opens it; retention and back-pressure apply."""

from __future__ import annotations

import os
import time

import pytest

from proxy.events import EventConfigError
from proxy.register.evidence import (
    EvidenceError,
    EvidenceKeeper,
    evidence_path,
    generate_keys,
    load_private_key,
    load_public_key,
    seal,
    unseal,
)
from proxy.register.settings import EvidenceSettings, RegisterSettings
from proxy.register.sink import build_register_sinks
from proxy.register.store import RegisterStore

INCIDENT = "AIDLP-0123456789AB"
TEXT = "Claimant JG 10 37 29 A, please draft the letter"


class Stats:
    def __init__(self) -> None:
        self.drops: list[tuple[str, str]] = []

    def event_emitted(self, event: str) -> None:
        pass

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None:
        self.drops.append((sink, reason))


@pytest.fixture
def keys(tmp_path):
    return generate_keys(tmp_path / "team", "security")


def test_only_the_private_key_opens_what_the_public_key_sealed(keys, tmp_path):
    private_path, public_path = keys
    assert private_path.stat().st_mode & 0o077 == 0
    sealed = seal(load_public_key(public_path), INCIDENT, TEXT.encode())
    assert TEXT.encode() not in sealed and b"JG 10" not in sealed
    assert unseal(load_private_key(private_path), INCIDENT, sealed) == TEXT.encode()
    other, _ = generate_keys(tmp_path / "other")
    with pytest.raises(EvidenceError, match="cannot open"):
        unseal(load_private_key(other), INCIDENT, sealed)
    with pytest.raises(EvidenceError, match="cannot open"):  # bound to its incident
        unseal(load_private_key(private_path), "AIDLP-0123456789AC", sealed)
    with pytest.raises(EvidenceError, match="not an aidlp evidence file"):
        unseal(load_private_key(private_path), INCIDENT, b"junk")
    with pytest.raises(EvidenceError, match="exists"):
        generate_keys(tmp_path / "team", "security")
    with pytest.raises(EvidenceError, match="not an incident id"):
        evidence_path(tmp_path, "../../etc/passwd")


def test_the_keeper_seals_blocked_texts_off_the_callers_thread(keys, tmp_path):
    stats = Stats()
    keeper = EvidenceKeeper(str(tmp_path / "reg"), str(keys[1]), 2, 1000, stats)
    for n in range(5):  # not started yet: the queue (2) fills, the rest are dropped, counted
        keeper.keep(f"AIDLP-00000000000{n}", TEXT)
    assert stats.drops == [("evidence", "queue_full")] * 3
    keeper.keep(None, TEXT)  # no incident: nothing
    keeper.start()
    keeper.close(10)
    files = sorted(p.name for p in (tmp_path / "reg" / "evidence").iterdir())
    assert files == ["AIDLP-000000000000.sealed", "AIDLP-000000000001.sealed"]
    sealed = (tmp_path / "reg" / "evidence" / files[0]).read_bytes()
    assert unseal(load_private_key(keys[0]), files[0][:-7], sealed) == TEXT.encode()


def test_evidence_is_off_by_default_and_needs_the_register(keys, tmp_path):
    assert build_register_sinks(RegisterSettings(), Stats()) == []
    with pytest.raises(EventConfigError, match=r"needs register\.directory"):
        build_register_sinks(
            RegisterSettings(evidence=EvidenceSettings(public_key_file=str(keys[1]))), Stats()
        )
    with pytest.raises(EventConfigError, match="public_key_file"):
        build_register_sinks(
            RegisterSettings(
                directory=str(tmp_path), evidence=EvidenceSettings(public_key_file=str(keys[0]))
            ),
            Stats(),
        )


def test_retention_deletes_old_evidence_with_the_rows(keys, tmp_path):
    now = [time.time()]
    store = RegisterStore(tmp_path, clock=lambda: now[0])
    folder = tmp_path / "evidence"
    folder.mkdir()
    for name, age_days in (("AIDLP-00000000000A", 10), ("AIDLP-00000000000B", 50)):
        item = folder / f"{name}.sealed"
        item.write_bytes(b"x")
        os.utime(item, (now[0] - age_days * 86_400,) * 2)
    store.purge(30)
    assert [p.name for p in folder.iterdir()] == ["AIDLP-00000000000A.sealed"]
    now[0] += 30 * 86_400
    store.purge(30)
    assert list(folder.iterdir()) == []
