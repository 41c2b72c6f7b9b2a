"""The sink registry: every module of ``proxy.events.sinks`` that defines a :class:`SinkSpec`
at module level registers its sink by doing so.

The registry finds them (imported on first use), orders them by ``order`` then key, and
gives the ``events:`` settings model its sink fields (:func:`settings_fields`); the recorder
builds the sinks a validated section enables (:func:`build`). A new sink is one module (its
class, settings model and spec) plus its tests.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from proxy.events.sinks.base import EventStats, Sink, SinkSpec

PACKAGE = "proxy.events.sinks"
_NOT_SINKS = frozenset({"base", "registry"})


def discover(package: str = PACKAGE) -> tuple[SinkSpec, ...]:
    """Every :class:`SinkSpec` defined in a module of ``package``, in build order."""
    root = importlib.import_module(package)
    found: dict[int, SinkSpec] = {}
    for info in pkgutil.iter_modules(root.__path__):
        if info.ispkg or info.name.startswith("_") or info.name in _NOT_SINKS:
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, SinkSpec):
                found[id(value)] = value
    specs = sorted(found.values(), key=lambda spec: (spec.order, spec.key))
    keys = [key for spec in specs for key in (spec.flat or {spec.key: ""})]
    if len(keys) != len(set(keys)):
        raise RuntimeError(f"{package}: two sinks claim one events key: {sorted(keys)}")
    return tuple(specs)


def settings_fields(specs: Iterable[SinkSpec]) -> dict[str, Any]:
    """The ``events:`` fields the sinks declare, for :func:`pydantic.create_model`: a section
    ``key: Settings = Settings()`` each, or the ``flat`` fields copied from the model."""
    fields: dict[str, Any] = {}
    for spec in specs:
        if not spec.flat:
            fields[spec.key] = (spec.settings, spec.settings())
            continue
        for key, name in spec.flat.items():
            info = spec.settings.model_fields[name]
            fields[key] = (info.annotation, copy.copy(info))
    return fields


def build(
    specs: Iterable[SinkSpec],
    events: BaseModel,
    stats: EventStats,
    environ: Mapping[str, str] | None = None,
) -> list[Sink]:
    """The sinks the validated ``events:`` model enables, in order (not started)."""
    sinks: list[Sink] = []
    for spec in specs:
        sink = spec.build(spec.section(events), stats, environ)
        if sink is not None:
            sinks.append(sink)
    return sinks


SPECS: tuple[SinkSpec, ...] = discover()
