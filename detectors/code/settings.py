"""Settings for the code detector: the ``detectors.code:`` config section (validated)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class MarkerSettings(BaseModel):
    """Internal code markers: a hit is NON_PUBLIC_CODE with a lower score; policy decides."""

    model_config = ConfigDict(extra="forbid")

    namespaces: list[str] = Field(
        default_factory=lambda: ["uk.gov.dwp."],
        description="Package/module namespaces of internal code (for example `uk.gov.dwp.`); "
        "also matched with `/` or `::` in place of `.` (Go import paths, file paths, C++/Rust).",
    )
    domains: list[str] = Field(
        default_factory=list,
        description="Internal hostnames or domain suffixes (for example `intranet.example.gov.uk`); "
        "a host equal to or ending in `.`+domain is a hit.",
    )
    headers: list[str] = Field(
        default_factory=list,
        description="Internal copyright or licence header phrases; matched case-insensitively "
        "with any run of whitespace/comment characters between words.",
    )
    score: float = Field(default=0.5, ge=0.0, le=1.0, description="Score of a marker finding.")

    @field_validator("namespaces", "domains", "headers")
    @classmethod
    def _non_empty(cls, values: list[str]) -> list[str]:
        cleaned = [v.strip() for v in values]
        for v in cleaned:
            if len(v) < 3:
                raise ValueError(f"marker {v!r} is too short (at least 3 characters)")
        return cleaned


class CodeSettings(BaseModel):
    """Code fingerprint matching (index path: ``detectors.fingerprint_index``) and markers."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Run the code detector at all.")
    # Defaults from bench/bench_fingerprint.py (figures in bench/README.md): with k=25,
    # window=8, no unindexed chunk or common snippet shared more than 2 fingerprints; 4
    # leaves a margin for larger indexes (detection 0.968 vs 0.970 at 3).
    min_matched: int = Field(
        default=4,
        ge=1,
        description="Fingerprints a code segment must share with the index to be reported.",
    )
    min_fraction: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="...and the fraction of the segment's fingerprints that must match.",
    )
    strong_matched: int = Field(
        default=10,
        ge=1,
        description="A segment sharing at least this many fingerprints is reported whatever "
        "the fraction (a large internal block pasted inside a larger text).",
    )
    score: float = Field(default=0.9, ge=0.0, le=1.0, description="Score of an index match.")
    hide_repo_names: bool = Field(
        default=False,
        description="Report `hidden` instead of the matched source repository names.",
    )
    max_languages: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Unfenced (or untagged) code is lexed as at most N of the index's "
        "languages (the likeliest by cheap signals) and the best match is kept.",
    )
    min_segment_lines: int = Field(
        default=3, ge=1, description="Shortest run of unfenced code-looking lines considered."
    )
    markers: MarkerSettings = Field(default_factory=MarkerSettings)
