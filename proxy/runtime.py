"""State built from one loaded config, swapped whole on reload.

Kept out of ``proxy/addon.py`` because mitmproxy loads that file as a script module.
"""

from __future__ import annotations

from dataclasses import dataclass

from proxy.approvals import ApprovalStore
from proxy.catalogue import Catalogue
from proxy.config import LoadedConfig
from proxy.events import EventRecorder, EventStats
from proxy.scanning import PoolSettings


@dataclass(slots=True)
class Runtime:
    """Everything built from one config; swapped whole on reload."""

    loaded: LoadedConfig
    catalogue: Catalogue
    recorder: EventRecorder
    approvals: ApprovalStore

    @classmethod
    def build(cls, loaded: LoadedConfig, stats: EventStats | None = None) -> Runtime:
        """Raises :class:`proxy.events.EventConfigError` for an unusable events section."""
        return cls(
            loaded,
            loaded.catalogue,
            EventRecorder(loaded.config.events, stats),
            ApprovalStore(loaded.config.policy.approvals),
        )


def pool_settings(loaded: LoadedConfig) -> PoolSettings:
    config = loaded.config
    return PoolSettings(
        processes=config.workers.effective_processes(),
        timeout=config.limits.scan_timeout_seconds,
        queue_wait=config.workers.queue_wait_seconds,
        max_queue=config.workers.max_queue,
    )
