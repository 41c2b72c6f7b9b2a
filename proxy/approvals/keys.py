"""Ed25519 key files: the boards' private signing keys and the proxy's trusted public keys."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

MAX_KEY_FILE_BYTES = 16 * 1024


class KeyFileError(ValueError):
    """A key file that cannot be used; the message names the file and what is wrong."""


def _read(path: str | os.PathLike[str], what: str) -> bytes:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_KEY_FILE_BYTES:
            raise KeyFileError(f"{file}: too large to be an Ed25519 {what}")
        return file.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(f"{file}: {what} file not found") from None
    except IsADirectoryError:
        raise KeyFileError(f"{file}: is a directory, not a {what} file") from None
    except OSError as exc:
        raise KeyFileError(f"{file}: cannot read {what}: {exc.strerror or exc}") from None


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM (SubjectPublicKeyInfo) or OpenSSH ``ssh-ed25519`` file."""
    data = _read(path, "public key")
    key: object
    try:
        if data.lstrip().startswith(b"ssh-"):
            key = serialization.load_ssh_public_key(data.strip())
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if b"PRIVATE KEY" in data:
            raise KeyFileError(
                f"{path}: this is a private key; the proxy must be given the public key "
                "(the .pub file written by `aidlp approval keygen`)"
            ) from None
        raise KeyFileError(
            f"{path}: not a PEM or OpenSSH public key (expected the .pub file written by "
            "`aidlp approval keygen`)"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path}: not an Ed25519 key (approval tokens are signed with EdDSA)")
    return key


def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """An unencrypted Ed25519 private key from a PEM (PKCS#8) file."""
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise KeyFileError(
            f"{path}: the private key is encrypted; aidlp expects a plain key "
            "file protected by file permissions (0600)"
        ) from None
    except (ValueError, UnsupportedAlgorithm):
        if b"PUBLIC KEY" in data or data.lstrip().startswith(b"ssh-"):
            raise KeyFileError(
                f"{path}: this is a public key; signing needs the private key (the .key file)"
            ) from None
        raise KeyFileError(
            f"{path}: not a PEM private key (expected the .key file written by "
            "`aidlp approval keygen`)"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key (approval tokens are signed with EdDSA)")
    return key


def write_keypair(
    directory: str | os.PathLike[str], name: str, *, force: bool = False
) -> tuple[Path, Path]:
    """Generate an Ed25519 pair: ``NAME.key`` (PKCS#8 PEM, mode 0600) and ``NAME.pub`` (PEM)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    private_path, public_path = out / f"{name}.key", out / f"{name}.pub"
    if not force:
        for existing in (private_path, public_path):
            if existing.exists():
                raise FileExistsError(f"{existing} already exists (use --force to replace it)")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_path.unlink(missing_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem)
    os.chmod(private_path, 0o600)  # in case a umask or ACL widened it
    public_path.write_bytes(public_pem)
    return private_path, public_path
