"""Gemini web app (gemini.google.com, formerly bard.google.com): form-encoded RPCs under
``/_/BardChatUi/data/...`` (``assistant.lamda.BardFrontendService/StreamGenerate`` and
``batchexecute``).

The ``f.req`` field is JSON whose strings are themselves JSON (``[null, "[[\\"prompt\\",0,
null,[files]], ...]"]``): it is decoded recursively (bounded by ``max_nesting``). The prompt
is the first element of the inner request's first array; uploaded file names sit beside it.
Every other string in the decoded structure goes through the residual sweep (which skips
the long opaque tokens the app sends); the ``at`` field is an XSRF token and is skipped.

Best effort: this is an undocumented positional RPC format. The layout follows public
reverse-engineering (open-source Gemini web clients that build ``f.req``); because every
decoded string is scanned, a change of position does not let a prompt through unscanned.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import WEB_APP, Adapter, Declined
from proxy.extract.collector import Collector
from proxy.extract.datatypes import Extraction, RequestView
from proxy.extract.generic import form_pairs
from proxy.extract.values import get, is_opaque, loads


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return loads(value)
        except (ValueError, RecursionError):
            return None
    return None


class GeminiWebAdapter(Adapter):
    name = "gemini_web"
    tier = WEB_APP
    hosts = ("gemini.google.com", "bard.google.com")
    paths = (re.compile(r"^/(_/BardChatUi/|u/)"),)
    examples = (
        (
            "POST",
            "https://gemini.google.com/_/BardChatUi/data/assistant.lamda.BardFrontendService"
            "/StreamGenerate",
            "application/x-www-form-urlencoded",
        ),
    )

    def claims(self, view: RequestView) -> bool:
        return self.on_host(view) and self.on_path(view)

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        if view.mime != "application/x-www-form-urlencoded":
            raise Declined
        for key, value in form_pairs(view.body, view.param("charset")):
            where = f"form.{key}"
            if key == "f.req":
                outer = _json(value)
                inner = _json(get(outer, 1))
                col.text(get(inner, 0, 0), "prompt")
                col.handled.add(value)
                col.residual(outer if outer is not None else value, where)
            elif key == "at" and is_opaque(value):
                continue
            else:
                col.residual(value, where)
        return self.result(col)


GEMINI_WEB = GeminiWebAdapter()
