"""The aidlp config: the embedded default (``config/aidlp.yaml``) with a user file merged over it.

Every section is a pydantic model owned by the module that uses it; this module composes
them, and turns validation errors into messages that name the field, the file and the line.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detectors.settings import DetectorSettings
from proxy.approvals.settings import resolve_paths as resolve_approval_paths
from proxy.catalogue import Catalogue, CatalogueFile, CatalogueSettings
from proxy.conversation.settings import ConversationSettings
from proxy.defaults import DEFAULT_CONFIG
from proxy.events import EventSettings
from proxy.extract.settings import ExtractionSettings
from proxy.metrics import MetricsSettings
from proxy.ocr.settings import OcrSettings
from proxy.policy import PolicySettings
from proxy.register.settings import RegisterSettings
from proxy.yamlpos import ConfigFileError, deep_merge, load_yaml_with_positions, locate

MIB = 1024 * 1024


class ConfigError(ValueError):
    """An invalid config: the message is ready to show the user."""


class ListenSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class LimitSettings(BaseModel):
    """Fail-closed bounds on what the proxy will inspect."""

    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int = Field(
        default=20 * MIB, ge=1024, description="Larger bodies are blocked (too_large)."
    )
    scan_timeout_seconds: float = Field(default=5.0, gt=0, le=300)


class WorkerSettings(BaseModel):
    """The scanning worker pool."""

    model_config = ConfigDict(extra="forbid")

    processes: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Worker processes; default: CPU cores minus one (min 1).",
    )
    queue_wait_seconds: float = Field(
        default=2.0, ge=0, description="Max wait for a free slot before `overloaded`."
    )
    max_queue: int = Field(default=64, ge=1)
    spare: bool = Field(
        default=False,
        description="Keep one warm spare worker (about 190 MB more): a crashed pool is replaced "
        "by it at once, while the full pool restarts in the background.",
    )
    inline_extract_bytes: int = Field(
        default=16 * 1024,
        ge=0,
        le=MIB,
        description="Uncompressed JSON bodies up to this size are extracted on the event loop "
        "(cheaper than the thread hop); larger or compressed ones, and JSON carrying an embedded "
        "file, in a thread. 0: never.",
    )
    inline_scan_chars: int = Field(
        default=0,
        ge=0,
        le=MIB,
        description="Two-stage scan: extracted texts up to this many characters get the "
        "pattern-and-keyword stage in the proxy process first, and go to a worker only when "
        "names (spaCy) or code fingerprints could change the result. 0 (default): every scan in a "
        "worker; on a loaded 2-core machine the inline stage measured slower (bench/README.md).",
    )
    inline_scan_budget_ms: float = Field(
        default=1.0,
        gt=0,
        le=100,
        description="CPU time one inline scan may take on the event loop: checked between the "
        "engine's steps, a text that needs longer stops and goes to a worker.",
    )

    def effective_processes(self) -> int:
        return self.processes or max(1, (os.cpu_count() or 2) - 1)


class ReloadSettings(BaseModel):
    """Hot reload (SIGHUP or a watched-file change; see ``proxy/reload.py``)."""

    model_config = ConfigDict(extra="forbid")

    watch: bool = Field(default=True, description="Poll the config and the files it names.")
    interval_seconds: float = Field(default=2.0, ge=0.2, le=3600, description="Poll interval.")
    drain_seconds: float = Field(
        default=30.0,
        ge=0,
        le=3600,
        description="On a scan-pool rebuild, how long the old pool may finish in-flight scans.",
    )
    pool_start_timeout_seconds: float = Field(
        default=300.0, gt=0, le=3600, description="A replacement pool slower than this fails."
    )


# `register` is also ABCMeta.register, a method of pydantic's metaclass: instances never see
# it, so the field is safe; pydantic's shadowing warning about it is noise.
warnings.filterwarnings(
    "ignore", message='Field name "register" in "AidlpConfig" shadows', category=UserWarning
)


class AidlpConfig(BaseModel):
    """Top-level config schema."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=1, ge=1, le=1)
    listen: ListenSettings = ListenSettings()
    metrics: MetricsSettings = MetricsSettings()
    catalogue: CatalogueSettings = CatalogueSettings()
    policy: PolicySettings = PolicySettings()
    events: EventSettings = EventSettings()
    limits: LimitSettings = LimitSettings()
    workers: WorkerSettings = WorkerSettings()
    reload: ReloadSettings = ReloadSettings()
    detectors: DetectorSettings = DetectorSettings()
    extraction: ExtractionSettings = ExtractionSettings()
    ocr: OcrSettings = OcrSettings()
    register: RegisterSettings = RegisterSettings()
    conversations: ConversationSettings = ConversationSettings()

    @model_validator(mode="after")
    def _event_file_retention(self) -> AidlpConfig:
        """Rotated event files keep the register's retention unless set on their own."""
        if self.events.file.retention_days is None:
            self.events.file.retention_days = self.register.retention_days
        return self


@dataclass(slots=True)
class LoadedConfig:
    """A validated config plus what it resolved (the catalogue) and where it came from."""

    config: AidlpConfig
    catalogue: Catalogue
    sources: list[str]


def _format_errors(exc: ValidationError, positions: dict, label: str) -> str:
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        field = ".".join(str(p) for p in loc) or "(top level)"
        where = locate(positions, loc)
        at = f" ({where[0]} line {where[1]})" if where else ""
        lines.append(f"  {field}{at}: {err['msg']}")
    return f"invalid {label}:\n" + "\n".join(lines)


def _resolve_relative(value: str | None, base_file: Path) -> str | None:
    if not value:
        return value
    path = Path(os.path.expandvars(os.path.expanduser(value)))
    return str(path if path.is_absolute() else (base_file.parent / path))


#: Settings holding file paths: a relative path is relative to the file that sets it.
PATH_SETTINGS: tuple[tuple[str, ...], ...] = (
    ("catalogue", "file"),
    ("detectors", "fingerprint_index"),
    ("events", "hmac_key_file"),
    ("events", "file", "path"),
    ("events", "webhook", "token_file"),
    ("events", "webhook", "ca_file"),
    ("register", "directory"),
    ("register", "subjects", "key_file"),
    ("register", "subjects", "previous_key_files"),
    ("register", "evidence", "public_key_file"),
)


def load_config(path: str | os.PathLike[str] | None = None) -> LoadedConfig:
    """Load the embedded default, merge ``path`` over it, validate everything, load the catalogue."""
    try:
        data, positions = load_yaml_with_positions(DEFAULT_CONFIG)
        resolve_approval_paths(data.get("policy"), DEFAULT_CONFIG)
        sources = [str(DEFAULT_CONFIG)]
        user: dict[str, Any] = {}
        user_file = DEFAULT_CONFIG
        if path:
            user_file = Path(path)
            user, user_positions = load_yaml_with_positions(user_file)
            if not isinstance(user, dict):
                raise ConfigError(f"{user_file}: the config must be a YAML mapping of sections")
            resolve_approval_paths(user.get("policy"), user_file)  # relative to the user file
            data = deep_merge(data, user)
            positions = {**positions, **user_positions}
            sources.append(str(user_file))

        def origin(*keys: str) -> Path:
            """The file that set ``section.key``: relative paths are relative to it."""
            chosen: Any = user
            for part in keys[:-1]:
                chosen = chosen.get(part) if isinstance(chosen, dict) else None
            return user_file if isinstance(chosen, dict) and keys[-1] in chosen else DEFAULT_CONFIG

        for *parents, key in PATH_SETTINGS:
            block: Any = data
            for part in parents:
                block = block.get(part) if isinstance(block, dict) else None
            if isinstance(block, dict) and isinstance(block.get(key), str):
                block[key] = _resolve_relative(block[key], origin(*parents, key))
            elif isinstance(block, dict) and isinstance(block.get(key), list):
                base = origin(*parents, key)
                block[key] = [
                    _resolve_relative(v, base) if isinstance(v, str) else v for v in block[key]
                ]
        try:
            config = AidlpConfig.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(_format_errors(exc, positions, "config")) from exc
        catalogue = load_catalogue(config.catalogue, positions)
    except ConfigFileError as exc:
        raise ConfigError(str(exc)) from exc
    return LoadedConfig(config=config, catalogue=catalogue, sources=sources)


def load_catalogue(settings: CatalogueSettings, positions: dict | None = None) -> Catalogue:
    """The catalogue file's tools, with ``extra_tools`` added or replacing by id, less the
    tools of ``passthrough_groups``. ``positions``: the config's, to locate a mistake."""
    tools = []
    if settings.file:
        raw, file_positions = load_yaml_with_positions(Path(settings.file))
        try:
            tools = list(CatalogueFile.model_validate(raw).tools)
        except ValidationError as exc:
            label = f"catalogue {settings.file}"
            raise ConfigError(_format_errors(exc, file_positions, label)) from exc
    by_id = {t.id: t for t in tools}
    for tool in settings.extra_tools:
        by_id[tool.id] = tool
    groups = {t.group for t in by_id.values() if t.group}
    unknown = [g for g in settings.passthrough_groups if g not in groups]
    if unknown:
        where = locate(positions or {}, ("catalogue", "passthrough_groups"))
        at = f" ({where[0]} line {where[1]})" if where else ""
        raise ConfigError(
            f"invalid config:\n  catalogue.passthrough_groups{at}: "
            f"{', '.join(map(repr, unknown))} is no "
            f"tool's group (known: {', '.join(sorted(groups)) or 'none'})"
        )
    skipped = set(settings.passthrough_groups)
    kept = [t for t in by_id.values() if t.group not in skipped]
    return Catalogue(kept, settings.blocked_models)


def config_summary(loaded: LoadedConfig) -> dict[str, Any]:
    """A short, non-sensitive description of a loaded config (for `aidlp config check`)."""
    statuses: dict[str, int] = {}
    for tool in loaded.catalogue.tools.values():
        statuses[tool.status.value] = statuses.get(tool.status.value, 0) + 1
    return {
        "sources": loaded.sources,
        "tools": statuses,
        "policy_mode": loaded.config.policy.mode.value,
    }
