"""State built from one loaded config (catalogue, event recorder, approval store), swapped
whole on reload by :class:`proxy.addons.host.RuntimeHost`."""

from __future__ import annotations

from dataclasses import dataclass

from proxy.approvals import ApprovalStore
from proxy.catalogue import Catalogue
from proxy.config import LoadedConfig
from proxy.events import EventConfigError, EventRecorder, EventStats, NullStats, build_sinks
from proxy.register.sink import build_register_sinks
from proxy.register.subjects import SubjectKeyError, load_key
from proxy.worker_pool import PoolSettings


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
        events, register = loaded.config.events, loaded.config.register
        stats = stats or NullStats()
        subject_key(loaded)  # an unreadable subject key fails the config, not the workers
        sinks = build_sinks(events, stats) + build_register_sinks(register, stats)
        return cls(
            loaded,
            loaded.catalogue,
            EventRecorder(events, stats, sinks=sinks),
            ApprovalStore(loaded.config.policy.approvals),
        )


def subject_key(loaded: LoadedConfig) -> bytes | None:
    """The DPO team's subject-hash key (``register.subjects.key_file``), or None."""
    key_file = loaded.config.register.subjects.key_file
    if not key_file:
        return None
    try:
        return load_key(key_file)
    except SubjectKeyError as exc:
        raise EventConfigError(str(exc)) from None


def pool_settings(loaded: LoadedConfig) -> PoolSettings:
    config = loaded.config
    return PoolSettings(
        processes=config.workers.effective_processes(),
        timeout=config.limits.scan_timeout_seconds,
        queue_wait=config.workers.queue_wait_seconds,
        max_queue=config.workers.max_queue,
        subject_key=subject_key(loaded),
        spare=config.workers.spare,
        inline_chars=config.workers.inline_scan_chars,
        inline_budget=config.workers.inline_scan_budget_ms / 1000,
    )
