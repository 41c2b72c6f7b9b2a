"""Approval expiry warnings: a registered approval valid now and expiring within
policy.approvals.expiry_warning_days is warned about once (event aidlp.approval.expiring),
and counted in the gauge aidlp_approvals_expiring. Expired, revoked, forged and far-off
tokens are not."""

from __future__ import annotations

import json
from pathlib import Path

from proxy.approvals import ApprovalSettings, ApprovalStore
from proxy.approvals.expiry import ExpiryWatch, expiring
from proxy.events import schema

from .conftest import NOW, Board

DAY = 86400


def register(token_dir: Path, *tokens: str) -> None:
    (token_dir / "alice.jwt").write_text("\n".join(tokens) + "\n")


def test_only_valid_approvals_inside_the_window_are_expiring(
    store: ApprovalStore, board: Board, other_board: Board, token_dir: Path, revocations: Path
):
    register(
        token_dir,
        board.sign(jti="soon", exp=NOW + 3 * DAY),
        board.sign(jti="later", exp=NOW + 30 * DAY),
        board.sign(jti="gone", exp=NOW - 60),
        board.sign(jti="withdrawn", exp=NOW + DAY),
        other_board.sign(jti="forged", exp=NOW + DAY),  # not signed by a trusted key
    )
    revocations.write_text("withdrawn\n")
    found = expiring(store, days=7, now=NOW)
    assert [e.approval.jti for e in found] == ["soon"]
    assert found[0].days_left == 3.0
    assert expiring(store, days=0, now=NOW) == []  # 0 turns the warnings off
    assert [e.approval.jti for e in expiring(store, days=31, now=NOW)] == ["soon", "later"]


def test_each_approval_is_warned_about_once(store: ApprovalStore, board: Board, token_dir: Path):
    register(token_dir, board.sign(jti="soon", exp=NOW + 2 * DAY))
    watch = ExpiryWatch()
    new, count = watch.check(store, 7, NOW)
    assert [e.approval.jti for e in new] == ["soon"] and count == 1
    new, count = watch.check(store, 7, NOW + 3600)
    assert new == [] and count == 1  # still in the window, not warned again
    register(token_dir, board.sign(jti="soon", exp=NOW + 2 * DAY), board.sign(jti="next"))
    new, count = watch.check(store, 7, NOW + 3600)
    assert [e.approval.jti for e in new] == ["next"] and count == 2


def test_the_event_fits_its_schema_and_carries_no_token(store, board: Board, token_dir: Path):
    token = board.sign(jti="soon", exp=NOW + 2 * DAY, ref="DPIA-2026-042")
    register(token_dir, token)
    (soon,) = expiring(store, 7, NOW)
    event = soon.event()
    checked = dict(event)
    for processor in schema.PROCESSORS:
        checked = processor(None, "info", checked)
    assert checked["event"] == "aidlp.approval.expiring"
    assert checked["user"] == "alice" and checked["days_left"] == 2.0
    assert checked["approval"] == {"jti": "soon", "ref": "DPIA-2026-042", "issuer": "DPO"}
    assert checked["expires"] == "2027-01-17T08:00:00Z"
    assert "<redacted>" not in json.dumps(checked)
    assert token not in json.dumps(checked) and token.split(".")[1] not in json.dumps(checked)


def test_the_warning_days_are_configurable_and_default_to_a_week():
    assert ApprovalSettings().expiry_warning_days == 7
    assert ApprovalSettings(expiry_warning_days=14).expiry_warning_days == 14
