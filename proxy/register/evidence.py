"""Sealed evidence of blocked requests (optional, off by default).

When ``register.evidence.public_key_file`` is set, the text of each *blocked* request is
sealed to the security team's X25519 public key and kept as
``register.directory/evidence/<incident>.sealed``. The proxy holds only the public key, so it
cannot read what it stored; ``aidlp evidence open INCIDENT --key team.key`` can, and every
opening is audited (an ``aidlp.evidence.opened`` event and a row in the register).

The envelope (age-style, from ``cryptography``'s maintained primitives): a fresh X25519 key
pair per item; HKDF-SHA256 over the shared secret (salt: both public keys) gives a
ChaCha20-Poly1305 key; the incident id is the associated data, so a sealed file renamed to
another incident does not open::

    b"AIDLPEV1" || ephemeral public key (32) || nonce (12) || ciphertext+tag

Sealing runs on the keeper's own thread behind a bounded queue (a full queue drops and counts
``aidlp_event_drops_total{sink="evidence"}``); items are capped at ``max_chars``. Retention:
files older than ``register.retention_days`` are deleted with the register's rows.
"""

from __future__ import annotations

import os
import queue
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from proxy.events.sinks.base import EventConfigError, EventStats, Rendered, Sink

MAGIC = b"AIDLPEV1"
INCIDENT = re.compile(r"^AIDLP-[0-9A-F]{12}$")
EVIDENCE_DIR = "evidence"


class EvidenceError(ValueError):
    """Evidence that cannot be sealed or opened: the message is ready to show the user."""


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=MAGIC
    ).derive(shared)


def seal(recipient: X25519PublicKey, incident: str, plaintext: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    eph_pub, rec_pub = _raw(ephemeral.public_key()), _raw(recipient)
    key = _key(ephemeral.exchange(recipient), eph_pub, rec_pub)
    nonce = secrets.token_bytes(12)
    return (
        MAGIC + eph_pub + nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, incident.encode())
    )


def unseal(private: X25519PrivateKey, incident: str, sealed: bytes) -> bytes:
    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + 32 + 12 + 16:
        raise EvidenceError("not an aidlp evidence file")
    body = sealed[len(MAGIC) :]
    eph_pub, nonce, ciphertext = body[:32], body[32:44], body[44:]
    rec_pub = _raw(private.public_key())
    key = _key(private.exchange(X25519PublicKey.from_public_bytes(eph_pub)), eph_pub, rec_pub)
    try:
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, incident.encode())
    except Exception:
        raise EvidenceError("cannot open: wrong key, or the file is not this incident's") from None


# ---- keys ---------------------------------------------------------------------------------------


def generate_keys(directory: Path, name: str = "evidence") -> tuple[Path, Path]:
    """``NAME.key`` (PKCS#8 PEM, 0600: the security team keeps it) and ``NAME.pub``."""
    directory.mkdir(parents=True, exist_ok=True)
    private = X25519PrivateKey.generate()
    key_path, pub_path = directory / f"{name}.key", directory / f"{name}.pub"
    if key_path.exists():
        raise EvidenceError(f"{key_path} exists: not overwritten")
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    pub_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_path, pub_path


def load_public_key(path: str | Path) -> X25519PublicKey:
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"register.evidence.public_key_file {path}: {exc}") from None
    if not isinstance(key, X25519PublicKey):
        raise EvidenceError(f"register.evidence.public_key_file {path}: not an X25519 key")
    return key


def load_private_key(path: str | Path) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise EvidenceError(f"--key {path}: {exc}") from None
    if not isinstance(key, X25519PrivateKey):
        raise EvidenceError(f"--key {path}: not an X25519 private key")
    return key


# ---- storage ------------------------------------------------------------------------------------


def evidence_path(register_dir: str | Path, incident: str) -> Path:
    if not INCIDENT.match(incident):
        raise EvidenceError(f"{incident!r} is not an incident id (AIDLP- and 12 hex digits)")
    return Path(register_dir) / EVIDENCE_DIR / f"{incident}.sealed"


def expire(register_dir: str | Path, cutoff_epoch: float) -> int:
    """Delete sealed files older than ``cutoff_epoch`` (their mtime); returns how many."""
    folder = Path(register_dir) / EVIDENCE_DIR
    removed = 0
    if folder.is_dir():
        for item in folder.glob("AIDLP-*.sealed"):
            try:
                if item.stat().st_mtime < cutoff_epoch:
                    item.unlink()
                    removed += 1
            except OSError:
                continue
    return removed


@dataclass(frozen=True, slots=True)
class Evidence:
    incident: str
    text: str


class EvidenceKeeper(Sink):
    """Seals blocked texts on its own thread; rides along with the event sinks (started and
    drained with them) but takes no events: only :meth:`keep`."""

    name = "evidence"
    batch_size = 8

    def __init__(
        self, directory: str, public_key_file: str, queue_size: int, max_chars: int,
        stats: EventStats,
    ) -> None:  # fmt: skip
        super().__init__(queue_size, stats)
        try:
            self.recipient = load_public_key(public_key_file)
        except EvidenceError as exc:
            raise EventConfigError(str(exc)) from None
        self.folder = Path(directory) / EVIDENCE_DIR
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise EventConfigError(f"register evidence {self.folder}: {exc}") from None
        self.max_chars = max_chars
        self.kept = 0

    def offer(self, item: Rendered) -> None:
        """Events are not evidence."""

    def keep(self, incident: str | None, text: str) -> None:
        """Queue a blocked request's text for sealing (never blocks; full queue: counted)."""
        if not incident or not text or not INCIDENT.match(incident):
            return
        if self._closing.is_set():
            self.stats.event_dropped(self.name, "closed")
            return
        try:
            self._queue.put_nowait(Evidence(incident, text[: self.max_chars]))
        except queue.Full:
            self.stats.event_dropped(self.name, "queue_full")

    def deliver(self, batch: Iterable[Evidence]) -> None:  # type: ignore[override]
        for item in batch:
            sealed = seal(self.recipient, item.incident, item.text.encode("utf-8", "surrogatepass"))
            target = self.folder / f"{item.incident}.sealed"
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            with os.fdopen(fd, "wb") as handle:
                handle.write(sealed)
            self.kept += 1


def keeper_of(sinks: Iterable[Sink]) -> EvidenceKeeper | None:
    return next((s for s in sinks if isinstance(s, EvidenceKeeper)), None)


def keep_evidence(
    recorder: object, decision: object, incident: str | None, extraction: object
) -> None:
    """For the addon: seal a blocked request's text when evidence is configured."""
    if not getattr(decision, "blocked", False) or extraction is None:
        return
    keeper = keeper_of(getattr(recorder, "sinks", ()))
    if keeper is not None:
        keeper.keep(incident, extraction.text)  # type: ignore[attr-defined]
