"""YAML loading that remembers where every value came from (file and line).

Used so that a config error can name the field *and* the line, e.g.
``policy.mode (/etc/aidlp/aidlp.yaml line 12): Input should be 'enforce' or 'monitor'``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Location = tuple[str, int]  # (file, 1-based line)
PathKey = tuple[str | int, ...]


class ConfigFileError(ValueError):
    """A config file that cannot be read or parsed; the message names file and line."""


def _construct(
    node: yaml.Node, path: PathKey, where: str, positions: dict[PathKey, Location]
) -> Any:
    positions[path] = (where, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigFileError(
                    f"{where} line {key_node.start_mark.line + 1}: keys must be plain strings"
                )
            key = str(key_node.value)
            if key in out:
                raise ConfigFileError(
                    f"{where} line {key_node.start_mark.line + 1}: duplicate key {key!r}"
                )
            out[key] = _construct(value_node, (*path, key), where, positions)
            positions[(*path, key)] = (where, key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), where, positions) for i, item in enumerate(node.value)]
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def load_yaml_with_positions(file: Path) -> tuple[Any, dict[PathKey, Location]]:
    """Parse ``file`` with the safe loader; return (data, {path: (file, line)})."""
    where = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(f"{where}: cannot read config file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigFileError(f"{where}: config file is not UTF-8 text") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" line {mark.line + 1}" if mark else ""
        raise ConfigFileError(f"{where}{line}: invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{where}: invalid YAML: {exc}") from exc
    positions: dict[PathKey, Location] = {}
    if node is None:
        return {}, positions
    return _construct(node, (), where, positions), positions


def deep_merge(base: Any, override: Any) -> Any:
    """Merge ``override`` over ``base``: mappings merge key by key, anything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override


def locate(positions: dict[PathKey, Location], loc: PathKey) -> Location | None:
    """The position of ``loc`` or of its nearest recorded ancestor."""
    for end in range(len(loc), -1, -1):
        found = positions.get(tuple(loc[:end]))
        if found:
            return found
    return None
