"""The routing vocabulary (``data/routing.yaml``): which keys, path segments and host labels
name the model a request is routed to. Validated at load; a mistake names the file, the key
and the line.

Pure data loading: no mitmproxy import.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from proxy.yamlpos import ConfigFileError, load_yaml_with_positions, locate

DATA_FILE = Path(__file__).resolve().parent / "data" / "routing.yaml"

Word = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,62}$")]
ZoneName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")]
HeaderGlob = Annotated[str, StringConstraints(pattern=r"^[a-z0-9*][a-z0-9*_-]{0,99}$")]


class RoutingVocabulary(BaseModel):
    """The schema of ``data/routing.yaml`` (see the comments there)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: tuple[Word, ...] = Field(min_length=1)
    field_words: tuple[Word, ...] = Field(min_length=1)
    name_max_words: int = Field(ge=1, le=16)
    name_max_chars: int = Field(ge=16, le=1000)
    json_string_words: tuple[Word, ...] = ()
    path_keywords: tuple[Word, ...] = Field(min_length=1)
    slug_words: int = Field(ge=1, le=16)
    model_words: tuple[Word, ...] = ()
    headers: tuple[HeaderGlob, ...] = Field(min_length=1)
    address_zones: tuple[ZoneName, ...] = ()
    ech_public_names: tuple[ZoneName, ...] = ()


class RoutingDataError(ValueError):
    """``data/routing.yaml`` is malformed (the message names file and line)."""


@functools.cache
def routing_vocabulary(path: Path = DATA_FILE) -> RoutingVocabulary:
    """The validated routing vocabulary."""
    try:
        raw, positions = load_yaml_with_positions(path)
    except ConfigFileError as exc:
        raise RoutingDataError(str(exc)) from exc
    try:
        return RoutingVocabulary.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = locate(positions, loc)
            at = f" ({where[0]} line {where[1]})" if where else f" ({path})"
            lines.append(f"  {'.'.join(map(str, loc)) or '(top level)'}{at}: {err['msg']}")
        raise RoutingDataError(f"invalid routing vocabulary {path}:\n" + "\n".join(lines)) from exc
