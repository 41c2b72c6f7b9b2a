"""Expiry warnings for registered approvals, days before they lapse.

A registered approval (``policy.approvals.token_dir``) that stops being valid silently turns
a working process into blocked requests. :class:`ExpiryWatch` finds the registered approvals
that are valid now and expire within ``policy.approvals.expiry_warning_days``: each is warned
about once (the ``aidlp.approval.expiring`` event, sent by
:class:`proxy.addons.approval_expiry.ApprovalExpiryWarnings`), and their number is the gauge
``aidlp_approvals_expiring``. ``aidlp approval list`` flags the same tokens. No mitmproxy here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from proxy.approvals.store import ApprovalStore
from proxy.approvals.tokens import Approval
from proxy.events.schema import APPROVAL_EXPIRING

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Expiring:
    """A registered approval that is valid now and expires within the warning window."""

    approval: Approval
    days_left: float

    def event(self) -> dict[str, Any]:
        """The ``aidlp.approval.expiring`` event (never the token)."""
        expires = datetime.fromtimestamp(self.approval.exp, UTC)
        return {
            "event": APPROVAL_EXPIRING,
            "user": self.approval.sub,
            "approval": self.approval.audit(),
            "expires": expires.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "days_left": round(self.days_left, 2),
        }


def expiring(store: ApprovalStore, days: float, now: float) -> list[Expiring]:
    """Registered approvals valid at ``now`` (signature, times, revocation) that expire
    within ``days``; one per jti, soonest first."""
    if store.registrations is None or days <= 0:
        return []
    horizon = now + days * DAY
    found: dict[str, Expiring] = {}
    for tokens in store.registrations.get().values():
        for token in tokens:
            checked = store.verify(token, now)
            approval = checked.approval
            if checked.valid and approval is not None and approval.exp <= horizon:
                found[approval.jti] = Expiring(approval, max(0.0, (approval.exp - now) / DAY))
    return sorted(found.values(), key=lambda e: e.approval.exp)


class ExpiryWatch:
    """Remembers which approvals were warned about, so each is warned about once."""

    def __init__(self) -> None:
        self.warned: set[str] = set()

    def check(self, store: ApprovalStore, days: float, now: float) -> tuple[list[Expiring], int]:
        """(approvals to warn about now, how many are in the window)."""
        soon = expiring(store, days, now)
        new = [e for e in soon if e.approval.jti not in self.warned]
        self.warned.update(e.approval.jti for e in new)
        return new, len(soon)
