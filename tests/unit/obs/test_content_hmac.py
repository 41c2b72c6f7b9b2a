"""content_hmac: keyed, reproducible by investigators with the key, useless without it."""

from __future__ import annotations

import hashlib
import hmac
import logging

import pytest

from proxy.events import EventConfigError, EventRecorder, EventSettings
from proxy.events import content_hmac as content
from proxy.events.content_hmac import ENV_KEY, ContentHasher, HmacKeyError

KEY = b"0123456789abcdef-test-key"
TEXT = "My NINO is AB123456C, please draft a letter."


def test_key_file_is_used_and_matches_a_plain_hmac(tmp_path):
    key_file = tmp_path / "hmac.key"
    key_file.write_bytes(KEY + b"\n")
    hasher = ContentHasher(str(key_file), environ={})
    assert hasher.source == "file"
    assert hasher(TEXT) == hmac.new(KEY, TEXT.encode(), hashlib.sha256).hexdigest()


def test_environment_key_is_used_when_no_file():
    hasher = ContentHasher(None, environ={ENV_KEY: KEY.decode()})
    assert hasher.source == "env"
    assert hasher(TEXT) == hmac.new(KEY, TEXT.encode(), hashlib.sha256).hexdigest()


def test_file_wins_over_environment(tmp_path):
    key_file = tmp_path / "k"
    key_file.write_bytes(b"file-key-0123456789")
    assert ContentHasher(str(key_file), environ={ENV_KEY: KEY.decode()}).source == "file"


def test_different_keys_give_different_hmacs_and_not_a_plain_hash():
    a = ContentHasher(None, environ={ENV_KEY: "key-a-0123456789abcdef"})(TEXT)
    b = ContentHasher(None, environ={ENV_KEY: "key-b-0123456789abcdef"})(TEXT)
    assert a != b
    assert hashlib.sha256(TEXT.encode()).hexdigest() not in (a, b)
    assert len(a) == 64 and int(a, 16) >= 0


@pytest.mark.parametrize("key", ["short", "   "])
def test_short_keys_are_refused(key):
    with pytest.raises(HmacKeyError, match="at least 16 bytes"):
        ContentHasher(None, environ={ENV_KEY: key})


def test_unreadable_key_file_is_a_config_error(tmp_path):
    with pytest.raises(EventConfigError, match="hmac_key_file"):
        EventRecorder(EventSettings(stdout=False, hmac_key_file=str(tmp_path / "missing")))


def test_random_key_is_per_process_stable_and_warned_once(monkeypatch, caplog):
    monkeypatch.setattr(content, "_warned", False)
    with caplog.at_level(logging.WARNING, logger="aidlp.events"):
        first = ContentHasher(None, environ={})
        second = ContentHasher(None, environ={})
    assert first.source == second.source == "random"
    assert first(TEXT) == second(TEXT)  # the same key across config reloads
    warnings = [r for r in caplog.records if "random per-process key" in r.getMessage()]
    assert len(warnings) == 1
    assert KEY.decode() not in repr(first)


def test_recorder_exposes_content_hmac(tmp_path):
    key_file = tmp_path / "k"
    key_file.write_bytes(KEY)
    recorder = EventRecorder(EventSettings(stdout=False, hmac_key_file=str(key_file)))
    try:
        assert recorder.hmac_key_source == "file"
        assert (
            recorder.content_hmac(TEXT) == hmac.new(KEY, TEXT.encode(), hashlib.sha256).hexdigest()
        )
    finally:
        recorder.close()
