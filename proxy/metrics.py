"""Prometheus metrics (names and labels are a contract: ../shared/DESIGN.md).

Foundation version: the metric objects. The /metrics, /healthz and /readyz server lands
with issue 6.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from pydantic import BaseModel, ConfigDict, Field

from proxy import __version__


class MetricsSettings(BaseModel):
    """The ``metrics:`` config section."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class Metrics:
    """The aidlp metric family, on its own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "aidlp_requests", "AI-tool requests decided", ["tool", "decision"], registry=r
        )
        self.findings = Counter(
            "aidlp_findings", "Findings that counted", ["category", "entity_type"], registry=r
        )
        self.blocked = Counter("aidlp_blocked", "Blocked requests", ["tool", "reason"], registry=r)
        self.approvals = Counter("aidlp_approvals", "Approval token checks", ["result"], registry=r)
        self.scan_duration = Histogram(
            "aidlp_scan_duration_seconds",
            "Scan wall time",
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
        )
        self.scan_bytes = Histogram(
            "aidlp_scan_bytes",
            "Characters scanned per request",
            registry=r,
            buckets=(256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216),
        )
        self.scan_errors = Counter("aidlp_scan_errors", "Scan failures", ["kind"], registry=r)
        self.build_info = Gauge("aidlp_build_info", "Build information", ["version"], registry=r)
        self.build_info.labels(version=__version__).set(1)
