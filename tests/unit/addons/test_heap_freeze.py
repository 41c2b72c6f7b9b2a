"""HeapFreeze: the start-up heap is frozen once the workers are up, a reload's retired cycles
are still collected, and ``done`` gives the heap back to the collector."""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

import pytest

from proxy.addons.heap_freeze import HeapFreeze


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> Node:
    a, b = Node(), Node()
    a.other, b.other = b, a
    return a


@pytest.fixture
def host():
    gc.unfreeze()
    yield SimpleNamespace(on_ready=[], on_activate=[])
    gc.unfreeze()


def tell(listeners) -> None:
    for listener in listeners:
        listener()


def test_nothing_is_frozen_before_the_workers_are_ready(host) -> None:
    HeapFreeze(host)
    tell(host.on_activate)  # the first activation, in configure()
    assert gc.get_freeze_count() == 0


def test_ready_freezes_the_heap_and_collects_start_up_garbage_first(host) -> None:
    heap = HeapFreeze(host)
    garbage = weakref.ref(cycle())  # unreachable already: collected, not frozen
    tell(host.on_ready)
    assert heap.frozen and gc.get_freeze_count() > 0
    assert garbage() is None


def test_a_frozen_cycle_is_collected_after_a_reload(host) -> None:
    HeapFreeze(host)
    kept = cycle()
    retired = weakref.ref(kept)
    tell(host.on_ready)  # frozen while still referenced (like a runtime in use)
    del kept
    gc.collect()
    assert retired() is not None  # frozen: out of the collector's sight
    tell(host.on_activate)  # a hot reload retired it
    assert retired() is None
    assert gc.get_freeze_count() > 0  # and the new heap is frozen again


def test_done_unfreezes(host) -> None:
    heap = HeapFreeze(host)
    tell(host.on_ready)
    heap.done()
    assert gc.get_freeze_count() == 0 and not heap.frozen
