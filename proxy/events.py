"""Incident events: one structured JSON event per decision (foundation version: stdout).

Sinks (file, syslog, webhook), the content HMAC and reload events land with issue 6.
Never put a raw matched value, prompt text or token into an event.
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class EventSettings(BaseModel):
    """The ``events:`` config section."""

    model_config = ConfigDict(extra="forbid")

    stdout: bool = True


def new_incident_id() -> str:
    """A short, unguessable, human-quotable incident id."""
    return "AIDLP-" + uuid.uuid4().hex[:12].upper()


class EventRecorder:
    """Writes events as JSON lines. Never blocks the caller for long."""

    def __init__(self, settings: EventSettings) -> None:
        self.settings = settings

    def emit(self, event: dict[str, Any]) -> None:
        record = {"timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"), **event}
        if self.settings.stdout:
            sys.stdout.write(json.dumps(record, separators=(",", ":"), default=str) + "\n")
            sys.stdout.flush()

    def close(self) -> None:
        """Flush and stop sinks."""
