"""Approval expiry warnings while the proxy runs (see :mod:`proxy.approvals.expiry`).

Every ``policy.approvals.expiry_check_seconds`` (and at start, and after a reload), the
registered approvals are checked off the event loop; each approval entering the
``expiry_warning_days`` window is recorded once as ``aidlp.approval.expiring`` and the gauge
``aidlp_approvals_expiring`` is set to how many are in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from proxy.addons.host import RuntimeHost
from proxy.approvals.expiry import ExpiryWatch

log = logging.getLogger("aidlp")


class ApprovalExpiryWarnings:
    """Periodic expiry check of registered approvals: one event each, one gauge."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        self.watch = ExpiryWatch()
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        host.on_activate.append(self._wake.set)  # a reload may register or change tokens

    async def running(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._loop())

    def done(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _loop(self) -> None:
        while True:
            await self.check()
            settings = self._settings()
            interval = settings.expiry_check_seconds if settings is not None else 60.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval)

    def _settings(self):
        runtime = self.host.runtime
        return runtime.loaded.config.policy.approvals if runtime is not None else None

    async def check(self) -> int:
        """One check; returns how many approvals were warned about."""
        runtime = self.host.runtime
        if runtime is None:
            return 0
        days = runtime.loaded.config.policy.approvals.expiry_warning_days
        try:  # signature checks of every registered token: off the event loop
            new, count = await asyncio.to_thread(
                self.watch.check, runtime.approvals, days, time.time()
            )
        except Exception as exc:  # never into the proxy
            log.warning("aidlp: approval expiry check failed (%s)", type(exc).__name__)
            return 0
        self.host.metrics.approvals_expiring.set(count)
        for soon in new:
            runtime.recorder.emit(soon.event())
        return len(new)
