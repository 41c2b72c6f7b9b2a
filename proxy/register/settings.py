"""The ``register:`` config section: the usage register (SQLite) and subject-lookup keys."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: Default retention: 400 days covers a full reporting year (FOI, annual assurance) plus a
#: month to answer requests about its last weeks; nothing older is kept (PS13 / A7).
DEFAULT_RETENTION_DAYS = 400


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubjectSettings(_Section):
    """Keyed hashes of strong identifiers, for Subject Access Requests (proxy/register/README.md).

    Without ``key_file`` nothing is hashed or stored. The key is the DPO team's, separate
    from ``events.hmac_key_file``; ``previous_key_files`` are older keys kept for lookups
    after a rotation (never used to hash new findings).
    """

    key_file: str | None = None
    previous_key_files: list[str] = Field(default_factory=list, max_length=20)


class EvidenceSettings(_Section):
    """Sealed evidence of blocked requests (off unless ``public_key_file`` is set; needs
    ``register.directory``). The proxy holds the security team's public key only."""

    public_key_file: str | None = None
    queue_size: int = Field(default=64, ge=1, le=10_000)
    max_chars: int = Field(default=1_000_000, ge=1_000, le=50_000_000)


class RegisterSettings(_Section):
    """The ``register:`` config section.

    ``directory`` enables the embedded register (``DIRECTORY/register.sqlite3``), fed by a
    sink like the other event sinks: a bounded queue, written on its own thread; a full
    queue drops and counts (``aidlp_event_drops_total{sink="register"}``).
    """

    directory: str | None = None
    queue_size: int = Field(default=10_000, ge=1, le=1_000_000)
    retention_days: int = Field(
        default=DEFAULT_RETENTION_DAYS,
        ge=1,
        le=36_500,
        description="Register rows and rotated event files older than this are deleted.",
    )
    purge_interval_seconds: float = Field(default=3600.0, ge=1, le=86_400)
    subjects: SubjectSettings = SubjectSettings()
    evidence: EvidenceSettings = EvidenceSettings()
