"""The adapter registry: the first adapter that claims a request extracts it.

Every module of ``proxy.extract`` that defines an :class:`~proxy.extract.adapter.Adapter`
instance at module level registers it by doing so: the registry finds them (imported on first
use) and orders them by tier (:mod:`proxy.extract.adapter`): host-specific web apps, then API
formats (by path), then body shapes (multipart, raw uploads), then the generic fallback,
which claims everything; within a tier by name (adapters of one tier claim disjoint hosts or
paths; tests check each adapter wins its ``examples``, and that the catalogue covers every
declared host). A new format is one new module, its tests and its catalogue hosts.
"""

from __future__ import annotations

import importlib
import pkgutil

from proxy.extract.adapter import FALLBACK as FALLBACK_TIER
from proxy.extract.adapter import Adapter
from proxy.extract.datatypes import RequestView

_PACKAGE = "proxy.extract"


def adapters() -> tuple[Adapter, ...]:
    """Every adapter defined in a module of ``proxy.extract``, in selection order."""
    package = importlib.import_module(_PACKAGE)
    found: dict[int, Adapter] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg or info.name.startswith("_") or info.name == "registry":
            continue
        module = importlib.import_module(f"{_PACKAGE}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Adapter) and type(value).__module__ == module.__name__:
                found[id(value)] = value
    ordered = sorted(found.values(), key=lambda a: (a.tier, a.name))
    fallbacks = [a for a in ordered if a.tier == FALLBACK_TIER]
    if len(fallbacks) != 1:
        raise RuntimeError(f"proxy.extract needs exactly one fallback adapter, has {fallbacks}")
    return tuple(ordered)


ADAPTERS: list[Adapter] = list(adapters())
FALLBACK: Adapter = ADAPTERS[-1]
# Adapters that read websocket messages (``websocket = True``), in the same order.
WS_ADAPTERS: list[Adapter] = [adapter for adapter in ADAPTERS if adapter.websocket]


def select(view: RequestView) -> Adapter:
    for adapter in ADAPTERS:
        if adapter.claims(view):
            return adapter
    return FALLBACK


def select_ws(view: RequestView) -> Adapter:
    for adapter in WS_ADAPTERS:
        if adapter.claims_ws(view):
            return adapter
    return FALLBACK
