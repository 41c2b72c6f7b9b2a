"""The adapter registry: the first adapter that claims a request extracts it.

Order is by tier (:mod:`proxy.extract.adapter`): host-specific web apps, then API formats
(by path), then body shapes (multipart, raw uploads), then the generic fallback, which claims
everything. Tests check the order against each adapter's declarations and ``examples``, and
that the catalogue covers every declared host. A new format is one new module plus one line
here.
"""

from __future__ import annotations

from proxy.extract.adapter import Adapter
from proxy.extract.anthropic import ANTHROPIC
from proxy.extract.chatgpt_web import CHATGPT_WEB
from proxy.extract.claude_web import CLAUDE_WEB
from proxy.extract.cohere import COHERE
from proxy.extract.copilot import COPILOT
from proxy.extract.datatypes import RequestView
from proxy.extract.gemini import GEMINI
from proxy.extract.gemini_web import GEMINI_WEB
from proxy.extract.generic import GENERIC
from proxy.extract.grpc import GRPC
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
    GRPC,
    MULTIPART,
    RAW_UPLOAD,
    GENERIC,
]
FALLBACK: Adapter = GENERIC

# Adapters that read websocket messages (``websocket = True``), in the same order.
WS_ADAPTERS: list[Adapter] = [adapter for adapter in ADAPTERS if adapter.websocket]


def select(view: RequestView) -> Adapter:
    for adapter in ADAPTERS:
        if adapter.claims(view):
            return adapter
    return FALLBACK


def select_ws(view: RequestView) -> Adapter:
    for adapter in WS_ADAPTERS:
        if adapter.claims_ws(view):
            return adapter
    return FALLBACK
