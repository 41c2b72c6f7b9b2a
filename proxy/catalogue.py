"""The AI-tool catalogue: which hosts are AI tools, and with what status.

A host that matches no tool is not an AI tool: its TLS is passed through untouched.
"""

from __future__ import annotations

import fnmatch
import re
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

_HOST_PATTERN = re.compile(
    r"^(\*\.|\*-)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
)


class ToolStatus(StrEnum):
    """``approved``: department-hosted; ``online``: allowed and scanned; ``blocked``: refused."""

    APPROVED = "approved"
    ONLINE = "online"
    BLOCKED = "blocked"


def _check_host_pattern(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if not _HOST_PATTERN.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a host pattern: use an exact host (api.openai.com) or a leading "
            "wildcard (*.deepseek.com, *-aiplatform.googleapis.com); no scheme, port or path"
        )
    return value


HostPattern = Annotated[str, AfterValidator(_check_host_pattern)]
ToolId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,62}$")]


class Tool(BaseModel):
    """One AI tool: an id, a display name, host patterns and a status."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ToolId
    name: str = Field(min_length=1)
    hosts: list[HostPattern] = Field(min_length=1)
    status: ToolStatus = ToolStatus.ONLINE


class CatalogueSettings(BaseModel):
    """The ``catalogue:`` config section."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = Field(
        default="catalogue.yaml",
        description="Catalogue YAML, relative to the config file that names it.",
    )
    extra_tools: list[Tool] = Field(
        default_factory=list, description="Tools added to (or replacing, by id) the file's tools."
    )
    blocked_models: list[str] = Field(
        default_factory=lambda: ["deepseek"],
        description="Case-insensitive substrings: a request whose JSON `model` contains one is "
        "refused as a blocked tool, whichever AI tool or aggregator carries it.",
    )


class CatalogueFile(BaseModel):
    """Schema of a catalogue YAML file."""

    model_config = ConfigDict(extra="forbid")

    version: int = 1
    tools: list[Tool]

    @model_validator(mode="after")
    def _unique_ids(self) -> CatalogueFile:
        seen: set[str] = set()
        for tool in self.tools:
            if tool.id in seen:
                raise ValueError(f"duplicate tool id {tool.id!r}")
            seen.add(tool.id)
        return self


class Catalogue:
    """Host → tool lookup. Exact hosts are a dict hit; wildcards are checked after."""

    def __init__(self, tools: list[Tool], blocked_models: list[str] | None = None) -> None:
        self.tools: dict[str, Tool] = {t.id: t for t in tools}
        self._exact: dict[str, Tool] = {}
        self._wild: list[tuple[re.Pattern[str], Tool]] = []
        for tool in tools:
            for pattern in tool.hosts:
                if "*" in pattern:
                    self._wild.append((re.compile(fnmatch.translate(pattern)), tool))
                else:
                    # A blocked tool wins over any other claim on the same host.
                    current = self._exact.get(pattern)
                    if current is None or tool.status is ToolStatus.BLOCKED:
                        self._exact[pattern] = tool
        self._wild.sort(key=lambda item: item[1].status is not ToolStatus.BLOCKED)
        self._blocked_models = [m.lower() for m in (blocked_models or []) if m]

    def match(self, host: str | None) -> Tool | None:
        """The tool serving ``host`` (case-insensitive, trailing dot ignored), or None."""
        if not host:
            return None
        host = host.lower().rstrip(".")
        tool = self._exact.get(host)
        if tool is not None and tool.status is ToolStatus.BLOCKED:
            return tool
        for pattern, wild_tool in self._wild:
            if pattern.fullmatch(host):
                if wild_tool.status is ToolStatus.BLOCKED or tool is None:
                    return wild_tool
                break
        return tool

    def is_blocked_model(self, model: object) -> bool:
        """True when a request's ``model`` value names a blocked model family (e.g. DeepSeek)."""
        if not isinstance(model, str):
            return False
        lowered = model.lower()
        return any(marker in lowered for marker in self._blocked_models)

    def domains(self, status: ToolStatus | None = None) -> list[str]:
        """Every host pattern, optionally of one status (for the PAC generator)."""
        return sorted(
            {
                h
                for t in self.tools.values()
                if status is None or t.status is status
                for h in t.hosts
            }
        )
