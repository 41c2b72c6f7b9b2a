"""Fixtures for policy / approval tests: real Ed25519 keys, real tokens, real files."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from proxy.approvals import ApprovalSettings, ApprovalStore, write_keypair

NOW = 1_800_000_000  # fixed clock for token times


@dataclass
class Board:
    """A governance board's key pair on disk, and helpers to sign tokens with it."""

    name: str
    key: Ed25519PrivateKey
    private_path: Path
    public_path: Path

    def claims(self, **overrides: Any) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "iss": self.name,
            "sub": "alice",
            "aud": "aidlp",
            "iat": NOW - 60,
            "nbf": NOW - 60,
            "exp": NOW + 86400,
            "jti": "jti-1",
            "categories": ["PERSONAL_DATA"],
            "tools": ["openai"],
            "ref": "DPIA-123",
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, **overrides: Any) -> str:
        """A token with the default claims, overridden (None removes a claim)."""
        return jwt.encode(self.claims(**overrides), self.key, algorithm="EdDSA")


def make_board(directory: Path, name: str) -> Board:
    from proxy.approvals import load_private_key

    private, public = write_keypair(directory, name.lower())
    return Board(name, load_private_key(private), private, public)


@pytest.fixture
def board(tmp_path: Path) -> Board:
    return make_board(tmp_path / "keys", "DPO")


@pytest.fixture
def other_board(tmp_path: Path) -> Board:
    return make_board(tmp_path / "other-keys", "DPO")


@pytest.fixture
def revocations(tmp_path: Path) -> Path:
    path = tmp_path / "revoked.txt"
    path.write_text("# revoked approvals\n")
    return path


@pytest.fixture
def token_dir(tmp_path: Path) -> Path:
    path = tmp_path / "tokens"
    path.mkdir()
    return path


@pytest.fixture
def store(board: Board, revocations: Path, token_dir: Path) -> ApprovalStore:
    settings = ApprovalSettings(
        issuers={"DPO": [str(board.public_path)]},
        revocations=str(revocations),
        token_dir=str(token_dir),
        reload_seconds=0,
    )
    return ApprovalStore(settings, clock=lambda: NOW)


def wait_mtime_tick() -> None:
    """Let the filesystem clock move on so a rewrite changes the mtime."""
    time.sleep(0.01)
