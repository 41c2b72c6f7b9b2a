"""Shared helpers for the observability unit tests (real sinks, real servers, no mocks)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry

from proxy.events.sinks.base import Rendered, Sink
from proxy.metrics import Metrics


class ListSink(Sink):
    """A sink that keeps what it is given (to observe the recorder's output)."""

    name = "list"

    def __init__(self, queue_size: int = 1000, stats: Any = None) -> None:
        super().__init__(queue_size, stats or Metrics(CollectorRegistry()))
        self.items: list[Rendered] = []

    def deliver(self, batch: list[Rendered]) -> None:
        self.items.extend(batch)


class StuckSink(Sink):
    """A sink whose delivery hangs until released (a stalled pipe / hung collector)."""

    name = "stuck"

    def __init__(self, queue_size: int, stats: Any) -> None:
        super().__init__(queue_size, stats)
        self.release = threading.Event()
        self.entered = threading.Event()

    def deliver(self, batch: list[Rendered]) -> None:
        self.entered.set()
        self.release.wait(30)


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0
