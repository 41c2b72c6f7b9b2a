"""The approval store: revocation list and registered tokens reload when their files change;
header tokens are tried before registered ones; the failure reported is the closest one."""

from __future__ import annotations

import os
from pathlib import Path

from proxy.approvals import ApprovalSettings, ApprovalStore

from .conftest import NOW, Board


def _check(store: ApprovalStore, header: str | None, user: str | None = "alice", **kw):
    args = {"tool": "openai", "categories": ["PERSONAL_DATA"], "now": NOW}
    args.update(kw)
    return store.check(header, user=user, **args)


def test_revocation_list_reloads_on_change(store: ApprovalStore, board: Board, revocations):
    token = board.sign()
    assert _check(store, token).valid
    revocations.write_text("jti-1\n")
    assert _check(store, token).result == "revoked"
    revocations.write_text("# un-revoked after review\n" + "x" * 3 + "\n")
    assert _check(store, token).valid


def test_deleted_revocation_list_keeps_last_contents(store, board: Board, revocations):
    token = board.sign()
    revocations.write_text("jti-1\n")
    assert _check(store, token).result == "revoked"
    revocations.unlink()
    assert _check(store, token).result == "revoked"


def test_reload_is_polled_not_per_request(board: Board, revocations: Path):
    ticks = [0.0]
    store = ApprovalStore(
        ApprovalSettings(
            issuers={"DPO": [str(board.public_path)]},
            revocations=str(revocations),
            reload_seconds=5,
        ),
        clock=lambda: NOW,
        monotonic=lambda: ticks[0],
    )
    token = board.sign()
    assert _check(store, token).valid
    revocations.write_text("jti-1\n")
    ticks[0] = 1.0
    assert _check(store, token).valid  # not polled yet
    ticks[0] = 6.0
    assert _check(store, token).result == "revoked"


def test_no_token_is_none(store: ApprovalStore) -> None:
    assert _check(store, None) is None
    assert _check(store, None, user=None) is None


def test_registered_token_applies_to_its_user(store, board: Board, token_dir: Path):
    (token_dir / "alice.jwt").write_text("# DPIA-123\n" + board.sign() + "\n")
    check = _check(store, None)
    assert check is not None and check.valid
    assert check.source == "registered"
    assert _check(store, None, user="bob") is None
    # Registered tokens need an authenticated user.
    assert _check(store, None, user=None) is None


def test_token_dir_reloads_new_and_removed_files(store, board: Board, token_dir: Path):
    assert _check(store, None) is None
    path = token_dir / "alice.token"
    path.write_text(board.sign())
    assert _check(store, None).valid
    path.unlink()
    assert _check(store, None) is None


def test_token_dir_reloads_in_place_edit(store, board: Board, token_dir: Path):
    path = token_dir / "alice.jwt"
    path.write_text(board.sign(categories=["OFFICIAL_SENSITIVE"]))
    assert _check(store, None).result == "insufficient"
    path.write_text(board.sign(categories=["PERSONAL_DATA", "OFFICIAL_SENSITIVE"]))
    os.utime(path, ns=(1, 1))  # force a different mtime even on coarse clocks
    assert _check(store, None).valid


def test_registered_token_file_with_other_suffix_ignored(store, board: Board, token_dir: Path):
    (token_dir / "alice.txt").write_text(board.sign())
    assert _check(store, None) is None


def test_header_token_first_then_registered(store, board: Board, token_dir: Path):
    (token_dir / "alice.jwt").write_text(board.sign(jti="registered-1"))
    header = board.sign(jti="header-1")
    assert _check(store, header).approval.jti == "header-1"
    # An unusable header token does not stop a valid registered one.
    bad = board.sign(jti="header-2", tools=["anthropic"])
    check = _check(store, bad)
    assert check.valid and check.approval.jti == "registered-1"


def test_header_failure_reported_when_nothing_valid(store, board: Board, token_dir: Path):
    (token_dir / "alice.jwt").write_text(board.sign(jti="r", categories=["CREDENTIALS"]))
    check = _check(store, board.sign(jti="h", tools=["anthropic"]))
    assert check.result == "wrong_tool"
    assert check.approval.jti == "h"


def test_closest_registered_failure_reported(store, board: Board, token_dir: Path):
    (token_dir / "a.jwt").write_text(
        "\n".join(
            [
                board.sign(jti="old", iat=NOW - 9000, nbf=NOW - 9000, exp=NOW - 3600),
                board.sign(jti="tool", tools=["anthropic"]),
                board.sign(jti="cats", categories=["CREDENTIALS"]),
            ]
        )
    )
    check = _check(store, None)
    assert check.result == "insufficient"
    assert check.approval.jti == "cats"


def test_registered_token_still_checked_for_user(store, board: Board, token_dir: Path):
    # A token filed under alice's name but issued to bob is indexed by its sub: bob's.
    (token_dir / "alice.jwt").write_text(board.sign(sub="bob"))
    assert _check(store, None) is None
    assert _check(store, None, user="bob").valid


def test_unreadable_token_file_is_skipped(store, board: Board, token_dir: Path):
    (token_dir / "binary.jwt").write_bytes(b"\xff\xfe\x00")
    (token_dir / "alice.jwt").write_text(board.sign())
    assert _check(store, None).valid
