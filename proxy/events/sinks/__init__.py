"""Event sinks: each runs on its own thread behind a bounded queue.

One module a sink (``stdout``, ``file``, ``syslog``, ``webhook``), each declaring its sink
class, its settings model and its ``events:`` key in a :class:`~proxy.events.sinks.base.SinkSpec`;
:mod:`proxy.events.sinks.registry` finds them. The common parts live in
:mod:`proxy.events.sinks.base` and are re-exported here.
"""

from proxy.events.sinks.base import (
    EventConfigError,
    EventStats,
    NullStats,
    QueueSettings,
    Rendered,
    Sink,
    SinkSection,
    SinkSpec,
)

__all__ = [
    "EventConfigError",
    "EventStats",
    "NullStats",
    "QueueSettings",
    "Rendered",
    "Sink",
    "SinkSection",
    "SinkSpec",
]
