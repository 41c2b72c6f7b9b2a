"""The ``extraction:`` config section: bounds on what extraction will unpack, and what to do
with true media whose text it cannot read (images, audio, video). Encrypted, damaged or
otherwise unreadable documents are always blocked (fail closed), whatever this says."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

MIB = 1024 * 1024


class UninspectableAction(StrEnum):
    """For true media only (images that decode, audio, video, text-less PDF pages)."""

    MONITOR = "monitor"  # let it through, record an ai.request.monitored event
    BLOCK = "block"  # fail closed: block with reason `uninspectable`


class ExtractionSettings(BaseModel):
    """Limits for unpacking request bodies. Anything over a limit is blocked (``too_large``).

    The decoded-body limit is ``limits.max_body_bytes`` (the same 20 MiB default).
    """

    model_config = ConfigDict(extra="forbid")

    uninspectable: UninspectableAction = Field(
        default=UninspectableAction.BLOCK,
        description="True media whose text could not be read: images OCR could not read (off, "
        "over a limit, an OCR error), audio, video: block (default) or monitor (let through, "
        "with an event). Encrypted or damaged files are always blocked.",
    )
    max_text_chars: int = Field(
        default=10_000_000, ge=1000, description="Most text one request may yield."
    )
    max_archive_members: int = Field(
        default=10_000, ge=1, description="Most members read from one zip/docx/xlsx/pptx."
    )
    max_archive_bytes: int = Field(
        default=200 * MIB, ge=1024, description="Most bytes inflated from one archive."
    )
    max_pdf_pages: int = Field(default=2000, ge=1)
    max_nesting: int = Field(
        default=6,
        ge=1,
        le=32,
        description="Deepest JSON-in-JSON string / file-in-archive / multipart nesting.",
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, le=300, description="Extraction time budget per request."
    )
