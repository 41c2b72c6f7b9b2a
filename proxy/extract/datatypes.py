"""Extraction's result types, shared by every stage: the request view an adapter reads, the
segments it produces, the :class:`Extraction` the pipeline gets back, and the one error that
means "fail closed"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from detectors.types import Seam

ErrorStyle = str  # openai | anthropic | gemini | generic

#: Segments are scanned joined by this; identifier recognisers do not cross it.
SEGMENT_SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Segment:
    """One piece of prompt text and where it came from (e.g. ``messages[2].content``)."""

    text: str
    where: str


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image's bytes, kept so a scan worker can read its text (OCR).

    ``marker`` is its ``uninspectable`` item (``image:<where>``): it is dropped once every
    image under that marker has been read.
    """

    marker: str
    where: str
    data: bytes


@dataclass(slots=True)
class Extraction:
    """What a request carries: its text segments, and facts the policy needs.

    ``uninspectable`` lists content that could not be read as ``kind:where`` (``image:...``,
    ``audio:...``, ``encrypted:...``); the policy decides. ``error_style`` is the provider
    error shape a client of this endpoint understands (openai | anthropic | gemini | generic).
    ``models`` is every model name the body asks for (``model`` first, then fallbacks such as
    OpenRouter's ``models`` list), so a blocked model cannot hide in a fallback list.
    """

    segments: list[Segment] = field(default_factory=list)
    model: str | None = None
    adapter: str = "generic"
    uninspectable: list[str] = field(default_factory=list)
    error_style: ErrorStyle = "generic"
    models: list[str] = field(default_factory=list)
    images: list[ImagePart] = field(default_factory=list)  # for OCR (proxy/ocr)
    # text across part boundaries (proxy.extract.seams): scanned with ``text``, a finding
    # counts only if it crosses the join (one inside a part would count twice); extraction
    # gives a DeferredSeams (proxy.extract.deferred_seams): built where the text is scanned
    seams: Sequence[Seam] = field(default_factory=list)

    @property
    def text(self) -> str:
        return SEGMENT_SEPARATOR.join(segment.text for segment in self.segments)


class ExtractionError(Exception):
    """The body cannot be inspected: ``reason`` is unparseable | too_large."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(slots=True)
class RequestView:
    """The parts of a request (or websocket message) adapters look at; body already decoded."""

    method: str
    host: str
    path: str  # without the query string
    content_type: str = ""  # the full header (parameters such as the boundary keep their case)
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names
    query: str = ""
    websocket: bool = False
    is_text: bool = True  # websocket frame type

    @property
    def mime(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    def param(self, name: str) -> str | None:
        """A content-type parameter (``boundary``, ``charset``), unquoted."""
        return header_param(self.content_type, name)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


def header_param(value: str, name: str) -> str | None:
    for part in value.split(";")[1:]:
        key, _, val = part.partition("=")
        if key.strip().lower() == name:
            return val.strip().strip('"')
    return None
