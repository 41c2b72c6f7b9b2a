"""The pipeline's plain inputs and its one output.

The mitmproxy addons (:mod:`proxy.addons`) and ``aidlp scan`` describe what they have as a
:class:`Subject` (who, to which tool, where) plus a :class:`HttpRequest`, a
:class:`WebsocketMessage` or plain text; the :class:`~proxy.inspection.pipeline.Inspector`
answers with an :class:`Outcome` that the response renderer (:func:`proxy.responses.render`)
and the recorder (:mod:`proxy.inspection.record`) consume. No mitmproxy here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from detectors.types import ScanResult, Seam
from proxy.catalogue import Tool
from proxy.conversation import Thread
from proxy.extract import Extraction
from proxy.extract.datatypes import ErrorStyle
from proxy.policy import Decision

#: Methods whose requests carry no prompt unless they have a body or a query string.
BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: the methods an AI tool's API or web app uses (RFC 9110 and PATCH): any other token in the
#: method slot is free text to the server ("JG103729A /v1/models"), refused as unparseable
KNOWN_METHODS = BODYLESS_METHODS | {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(slots=True)
class Subject:
    """Who sends what to which tool. ``user`` is the authenticated proxy user (None when
    proxy auth is off); ``approval_token`` the token taken off the request, if any."""

    tool: Tool
    host: str | None = None
    method: str | None = None
    path: str | None = None  # with the query string
    accept: str = ""
    client_ip: str | None = None
    user: str | None = None
    approval_token: str | None = None
    stage: str | None = None  # sni | connect | request (events' optional ``stage``)

    @property
    def browser(self) -> bool:
        return "text/html" in self.accept.lower()

    @property
    def identity(self) -> str | None:
        """The event's ``user``: the proxy user, else the client address."""
        return self.user or self.client_ip


@dataclass(slots=True)
class HttpRequest:
    """An HTTP request as it arrived: ``body`` still Content-Encoded, headers lower-cased."""

    method: str
    host: str
    path: str  # with the query string
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    header_pairs: list[tuple[str, str]] = field(default_factory=list)  # every field, in order
    trailer_pairs: list[tuple[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # every host name it carries (SNI, Host...)

    # the two names proxy.extract.view_of() reads besides method, path and headers
    @property
    def raw_content(self) -> bytes:
        return self.body

    @property
    def pretty_host(self) -> str:
        return self.host

    @property
    def carries_content(self) -> bool:
        """False for a bodyless GET/HEAD/... without a query (prompts also travel in ``?q=``)."""
        return bool(self.body) or self.method.upper() not in BODYLESS_METHODS or "?" in self.path


@dataclass(slots=True)
class WebsocketMessage:
    """One client→server websocket message on the socket opened at ``host``/``path``."""

    host: str
    path: str
    content: bytes
    is_text: bool = True
    socket: str = ""  # the socket's own id: its messages are one conversation


class Scanner(Protocol):
    """What scans text: the worker pool, or an in-process engine (``aidlp scan``).

    Raises :class:`proxy.worker_pool.ScanFailure` when the scan does not complete.
    """

    async def scan(
        self, text: str, seams: Sequence[Seam] = (), body_end: int | None = None
    ) -> ScanResult:
        """Findings in ``text``; ``seams`` are its part boundaries (:mod:`detectors.seams`);
        after ``body_end`` comes request metadata, a document of its own."""
        ...


@dataclass(slots=True)
class Outcome:
    """What the pipeline decided for one request or message, and the figures behind it.

    ``style`` is the response shape (html | openai | anthropic | gemini | generic): the one
    the extraction's adapter declared, else the endpoint's. ``chars`` is the number of
    extracted characters scanned; ``content_hmac`` their keyed fingerprint.
    """

    subject: Subject
    decision: Decision
    style: ErrorStyle = "generic"
    extraction: Extraction | None = None
    result: ScanResult | None = None
    incident_id: str | None = None
    chars: int = 0
    content_hmac: str | None = None
    scan_failure: str | None = None
    #: the conversation the turn continued, when the tool keeps it server-side and the turn
    #: went upstream (the request addon reads the ids the answer gives it)
    thread: Thread | None = None

    @property
    def blocked(self) -> bool:
        return self.decision.blocked

    @property
    def scan_ms(self) -> float:
        return round(self.result.elapsed_ms, 3) if self.result is not None else 0.0
