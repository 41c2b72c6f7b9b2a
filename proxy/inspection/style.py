"""Which response shape a client understands: the adapter's declaration, else the endpoint's.

Adapters that know their provider declare ``error_style`` on their class (Cohere: openai,
Anthropic: anthropic, ...). Requests no such adapter claimed (generic JSON, uploads, web
apps without a declaration), and requests refused before extraction, get the shape their
host and path suggest. A browser (``Accept: text/html``) always gets the HTML page.
"""

from __future__ import annotations

import re
from functools import cache

from proxy.extract import Extraction
from proxy.extract.adapter import Adapter
from proxy.extract.datatypes import ErrorStyle

_OPENAI_PATH = re.compile(
    r"(^|/)(chat/completions|completions|responses|embeddings|moderations|images|audio|files|"
    r"uploads|batches|assistants|threads|vector_stores|realtime)(/|$|\?)"
)


def endpoint_style(host: str, path: str) -> ErrorStyle:
    """The shape an API client of ``host``/``path`` understands (anthropic | gemini | openai |
    generic), for requests no declaring adapter claimed."""
    host = host.lower()
    lowered = path.lower()
    if host.endswith(("anthropic.com", "claude.ai", "claude.com")) or lowered.startswith(
        "/v1/messages"
    ):
        return "anthropic"
    if (
        host.endswith(("googleapis.com", "gemini.google.com", "aistudio.google.com"))
        or ":generatecontent" in lowered
        or ":streamgeneratecontent" in lowered
    ):
        return "gemini"
    if (
        host.endswith(("openai.com", "chatgpt.com", "openai.azure.com"))
        or "/openai/deployments/" in lowered
        or _OPENAI_PATH.search(lowered.split("?", 1)[0])
    ):
        return "openai"
    return "generic"


@cache
def declared_styles() -> dict[str, ErrorStyle]:
    """Adapter name → the style its class declares (adapters that declare none are absent)."""
    found: dict[str, ErrorStyle] = {}
    pending = list(Adapter.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        style = cls.__dict__.get("error_style")
        if isinstance(style, str):
            found[str(cls.__dict__.get("name", cls.name))] = style
    return found


def response_style(
    extraction: Extraction | None, host: str | None, path: str | None, browser: bool
) -> ErrorStyle:
    """html for a browser; the extraction's style when its adapter declares one; else the
    endpoint's."""
    if browser:
        return "html"
    if extraction is not None and path:
        stream = declared_streams().get(extraction.adapter)
        if stream is not None and any(p.search(path.split("?", 1)[0]) for p in stream[1]):
            return stream[0]
    if extraction is not None and extraction.adapter in declared_styles():
        return extraction.error_style
    return endpoint_style(host or "", path or "")


@cache
def declared_streams() -> dict[str, tuple[str, tuple[re.Pattern[str], ...]]]:
    """Adapter name → (in-app stream style, the paths it answers on), for web apps."""
    found: dict[str, tuple[str, tuple[re.Pattern[str], ...]]] = {}
    pending = list(Adapter.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.stream_style:
            found[cls.name] = (cls.stream_style, cls.stream_paths)
    return found
