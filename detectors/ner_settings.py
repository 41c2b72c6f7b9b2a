"""Settings of the spaCy NER plug-in (``detectors.ner``): its windows, chunks and budget.

A module of its own, below both :mod:`detectors.settings` (which nests it) and the person
recogniser (which reads it), so that neither imports the other.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NerSettings(BaseModel):
    """spaCy NER and parse: where it runs and how much of a text it may take."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="Run spaCy at all (names from patterns stay).")
    parse: bool = Field(
        default=True,
        description="Also load the tagger and dependency parser: subjects and reporting verbs "
        "decide whom context is about. They run on a chunk only when a dependency question is "
        "asked of it (NER runs first, alone). Sentences come from punctuation and line breaks "
        "either way. Off: NER only.",
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
