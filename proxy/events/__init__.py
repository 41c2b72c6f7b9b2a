"""Incident events: one structured JSON event per decision (contract: ../shared/DESIGN.md).

Public API (stable; other modules call it):

- ``EventRecorder(settings, stats).emit(dict)``: validate against the schema, render JSON,
  enqueue on every sink (stdout, rotating file, syslog RFC 5424, Splunk-HEC webhook);
- ``recorder.content_hmac(text)``: HMAC-SHA256 of the scanned text under the configured key;
- ``new_incident_id()``; the event-name constants (``CONFIG_RELOADED`` ...).

Never put a raw matched value, prompt text or token into an event: the schema processors
drop unknown fields and redact values that do not fit their field.
"""

from proxy.events.content_hmac import ContentHasher, HmacKeyError
from proxy.events.recorder import EventRecorder, build_sinks, new_incident_id
from proxy.events.schema import (
    APPROVALS_RELOAD_FAILED,
    APPROVALS_RELOADED,
    CONFIG_RELOAD_FAILED,
    CONFIG_RELOADED,
    DECISION_EVENTS,
    RELOAD_EVENTS,
    REQUEST_ALLOWED,
    REQUEST_APPROVED,
    REQUEST_BLOCKED,
    REQUEST_MONITORED,
    SCAN_ERROR,
    TOOL_BLOCKED,
    sanitise,
)
from proxy.events.settings import EventSettings
from proxy.events.sinks.base import EventConfigError, EventStats, NullStats

__all__ = [
    "APPROVALS_RELOADED",
    "APPROVALS_RELOAD_FAILED",
    "CONFIG_RELOADED",
    "CONFIG_RELOAD_FAILED",
    "DECISION_EVENTS",
    "RELOAD_EVENTS",
    "REQUEST_ALLOWED",
    "REQUEST_APPROVED",
    "REQUEST_BLOCKED",
    "REQUEST_MONITORED",
    "SCAN_ERROR",
    "TOOL_BLOCKED",
    "ContentHasher",
    "EventConfigError",
    "EventRecorder",
    "EventSettings",
    "EventStats",
    "HmacKeyError",
    "NullStats",
    "build_sinks",
    "new_incident_id",
    "sanitise",
]
