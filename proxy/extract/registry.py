"""The adapter registry: the first adapter that claims a request extracts it.

Order matters: host-specific web apps first, then API formats (by path), then uploads
(multipart, raw), then the generic fallback, which claims everything. A new format is one
new module plus one line here.
"""

from __future__ import annotations

from proxy.extract.anthropic import ANTHROPIC
from proxy.extract.base import Adapter, RequestView
from proxy.extract.chatgpt_web import CHATGPT_WEB
from proxy.extract.claude_web import CLAUDE_WEB
from proxy.extract.cohere import COHERE
from proxy.extract.copilot import COPILOT
from proxy.extract.gemini import GEMINI
from proxy.extract.gemini_web import GEMINI_WEB
from proxy.extract.generic import GENERIC
from proxy.extract.multipart import MULTIPART
from proxy.extract.openai import OPENAI
from proxy.extract.perplexity import PERPLEXITY
from proxy.extract.uploads import RAW_UPLOAD

ADAPTERS: list[Adapter] = [
    CHATGPT_WEB,
    CLAUDE_WEB,
    GEMINI_WEB,
    COPILOT,
    PERPLEXITY,
    ANTHROPIC,
    GEMINI,
    COHERE,
    OPENAI,
    MULTIPART,
    RAW_UPLOAD,
    GENERIC,
]

# Websocket adapters implement claims_ws(view) and extract_ws(view, col).
WS_ADAPTERS: list[Adapter] = [COPILOT, PERPLEXITY, GENERIC]


def select(view: RequestView) -> Adapter:
    for adapter in ADAPTERS:
        if adapter.claims(view):
            return adapter
    return GENERIC


def select_ws(view: RequestView) -> Adapter:
    for adapter in WS_ADAPTERS:
        claims = getattr(adapter, "claims_ws", None)
        if claims is not None and claims(view):
            return adapter
    return GENERIC
