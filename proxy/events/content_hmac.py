"""``content_hmac``: a keyed fingerprint of the scanned text.

Investigators who later hold a prompt can recompute the HMAC (with the same key) and match
it to an event; nobody without the key can test guesses against the log, so a short,
low-entropy value such as a NINO cannot be brute-forced out of it.

Key sources, in order: the config's ``events.hmac_key_file``, the environment variable
``AIDLP_HMAC_KEY``, else a random per-process key (with a warning: such HMACs can never be
matched later).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
from pathlib import Path

log = logging.getLogger("aidlp.events")

ENV_KEY = "AIDLP_HMAC_KEY"
MIN_KEY_BYTES = 16

_process_key: bytes | None = None
_process_key_lock = threading.Lock()
_warned = False


class HmacKeyError(ValueError):
    """The configured key cannot be used: the message is ready to show the user."""


def _random_process_key() -> bytes:
    """One random key per process (kept across config reloads), with a one-time warning."""
    global _process_key, _warned
    with _process_key_lock:
        if _process_key is None:
            _process_key = secrets.token_bytes(32)
        if not _warned:
            _warned = True
            log.warning(
                "aidlp: no events.hmac_key_file or %s configured; content_hmac uses a random "
                "per-process key, so investigators cannot match prompts to events later",
                ENV_KEY,
            )
        return _process_key


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise HmacKeyError(f"{where}: the HMAC key must be at least {MIN_KEY_BYTES} bytes")
    return key


def load_key(key_file: str | None, environ: dict[str, str] | None = None) -> tuple[bytes, str]:
    """The HMAC key and where it came from (``file`` | ``env`` | ``random``)."""
    env = os.environ if environ is None else environ
    if key_file:
        try:
            raw = Path(key_file).read_bytes()
        except OSError as exc:
            raise HmacKeyError(
                f"events.hmac_key_file {key_file}: cannot read: {exc.strerror or exc}"
            ) from None
        return _checked(raw.strip(), f"events.hmac_key_file {key_file}"), "file"
    value = env.get(ENV_KEY)
    if value:
        return _checked(value.strip().encode("utf-8"), ENV_KEY), "env"
    return _random_process_key(), "random"


def compute(key: bytes, text: str) -> str:
    """HMAC-SHA256 of the UTF-8 of ``text``, as 64 lowercase hex digits."""
    return hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


class ContentHasher:
    """Holds the key; ``hasher(text)`` returns the hex HMAC. The key never leaves it."""

    __slots__ = ("_key", "source")

    def __init__(self, key_file: str | None = None, environ: dict[str, str] | None = None):
        self._key, self.source = load_key(key_file, environ)

    def __call__(self, text: str) -> str:
        return compute(self._key, text)

    def __repr__(self) -> str:
        return f"ContentHasher(source={self.source!r})"
