"""The `policy:` section through the real config loader: relative paths, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from proxy.config import ConfigError, load_config
from proxy.policy import Action, Mode

from .conftest import Board


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aidlp.yaml"
    path.write_text(text)
    return path


def test_embedded_default_blocks_every_category() -> None:
    policy = load_config().config.policy
    assert policy.mode is Mode.ENFORCE
    assert set(policy.categories.values()) == {Action.BLOCK}
    assert len(policy.categories) == 5
    assert policy.approvals.issuers == {}


def test_user_config_merges_and_resolves_relative_paths(tmp_path: Path, board: Board) -> None:
    (tmp_path / "revoked.txt").write_text("")
    (tmp_path / "tokens").mkdir()
    rel = board.public_path.relative_to(tmp_path)
    path = write(
        tmp_path,
        f"""
policy:
  mode: monitor
  categories: {{CREDENTIALS: monitor}}
  statuses: {{approved: {{categories: {{PERSONAL_DATA: allow}}}}}}
  approvals:
    issuers: {{DPO: {rel}, DDA: [{rel}]}}
    revocations: revoked.txt
    token_dir: tokens
""",
    )
    policy = load_config(path).config.policy
    assert policy.mode is Mode.MONITOR
    assert policy.categories["CREDENTIALS"] is Action.MONITOR
    assert policy.categories["PERSONAL_DATA"] is Action.BLOCK  # merged, not replaced
    assert policy.action("PERSONAL_DATA", "approved") is Action.ALLOW
    assert policy.approvals.issuers["DPO"] == [str(board.public_path)]
    assert policy.approvals.revocations == str(tmp_path / "revoked.txt")
    assert policy.approvals.token_dir == str(tmp_path / "tokens")


def test_missing_key_file_names_field_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "policy:\n  approvals:\n    issuers:\n      DPO: nope.pub\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert "policy.approvals.issuers" in message
    assert "line" in message and str(path) in message
    assert "nope.pub" in message and "not found" in message


def test_private_key_given_as_trusted_key_is_refused(tmp_path: Path, board: Board) -> None:
    path = write(tmp_path, f"policy:\n  approvals:\n    issuers: {{DPO: {board.private_path}}}\n")
    with pytest.raises(ConfigError, match="private key"):
        load_config(path)


def test_non_ed25519_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "ec.pub").write_bytes(pem)
    path = write(tmp_path, "policy:\n  approvals:\n    issuers: {DPO: ec.pub}\n")
    with pytest.raises(ConfigError, match="not an Ed25519 key"):
        load_config(path)


def test_garbage_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.pub").write_text("hello")
    path = write(tmp_path, "policy:\n  approvals:\n    issuers: {DPO: x.pub}\n")
    with pytest.raises(ConfigError, match="not a PEM or OpenSSH public key"):
        load_config(path)


def test_openssh_public_key_is_accepted(tmp_path: Path, board: Board) -> None:
    from cryptography.hazmat.primitives import serialization

    ssh = board.key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    (tmp_path / "dpo_ssh.pub").write_bytes(ssh + b" dpo@board\n")
    path = write(tmp_path, "policy:\n  approvals:\n    issuers: {DPO: dpo_ssh.pub}\n")
    assert load_config(path).config.policy.approvals.issuers["DPO"]


def test_missing_revocation_list_says_how_to_create_it(tmp_path: Path) -> None:
    path = write(tmp_path, "policy:\n  approvals:\n    revocations: gone.txt\n")
    with pytest.raises(ConfigError, match="touch"):
        load_config(path)


def test_missing_token_dir(tmp_path: Path) -> None:
    path = write(tmp_path, "policy:\n  approvals:\n    token_dir: nowhere\n")
    with pytest.raises(ConfigError, match="token directory"):
        load_config(path)


def test_bad_category_action_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "policy:\n  categories:\n    PERSONAL_DATA: warn\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "policy.categories.PERSONAL_DATA" in str(err.value)
    assert "line 3" in str(err.value)


def test_bad_issuer_name(tmp_path: Path, board: Board) -> None:
    path = write(tmp_path, f"policy:\n  approvals:\n    issuers: {{'a b': {board.public_path}}}\n")
    with pytest.raises(ConfigError, match="issuer"):
        load_config(path)
