"""The ``events:`` config section: where incident events go, and the content-HMAC key.

The sinks' fields (``stdout``, ``stdout_queue_size``, ``file``, ``syslog``, ``webhook``) come
from the sink modules' specs (:mod:`proxy.events.sinks.registry`); unknown keys are refused.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, create_model

from proxy.events.sinks.base import SinkSpec
from proxy.events.sinks.registry import SPECS, settings_fields


class EventSettingsBase(BaseModel):
    """The ``events:`` config section (its sink fields are added by the sink registry)."""

    model_config = ConfigDict(extra="forbid")

    hmac_key_file: str | None = Field(
        default=None,
        description="Key for content_hmac; else $AIDLP_HMAC_KEY; else a random per-process key.",
    )
    close_timeout_seconds: float = Field(
        default=5.0, ge=0, le=120, description="How long shutdown waits for sinks to drain."
    )


def event_settings_model(specs: Iterable[SinkSpec]) -> type[EventSettingsBase]:
    """The ``events:`` model with the fields of ``specs`` (the registered sinks by default)."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        "EventSettings",
        __base__=EventSettingsBase,
        __module__=__name__,
        __doc__=EventSettingsBase.__doc__,
        **settings_fields(specs),
    )


EventSettings = event_settings_model(SPECS)
