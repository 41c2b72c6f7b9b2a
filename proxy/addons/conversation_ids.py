"""Answer ids: learn from an AI tool's answer what the next request of a conversation will
call it (RT-65).

The Responses API chains a request to the previous one by the id of the previous
*response* (``previous_response_id``), and a new ChatGPT web chat gets its
``conversation_id`` in the answer's stream. When the pipeline scanned a turn of a
conversation the tool keeps (:mod:`proxy.conversation`) and the turn went upstream, this
addon reads the first :data:`~proxy.conversation.ANSWER_HEAD_BYTES` of the answer as it
streams through (JSON or SSE, chunk by chunk, a bounded search per chunk; nothing is held
back or changed) and remembers the conversation's tail under the id found. A 2xx answer
only. Such requests ask for an uncompressed answer (``Accept-Encoding: identity``); a
gzip/deflate answer is inflated up to the same bound, any other encoding is not read (the
next request is then scanned alone).
"""

from __future__ import annotations

import logging

from mitmproxy import http

from proxy.addons.host import RuntimeHost
from proxy.conversation import AnswerIds, Thread

log = logging.getLogger("aidlp")

#: ``flow.metadata`` key: the :class:`~proxy.conversation.Thread` whose answer names ids.
THREAD_KEY = "aidlp.conversation"


def expect_answer_ids(flow: http.HTTPFlow, thread: Thread) -> None:
    """Called by the request inspector once the turn is let through."""
    flow.metadata[THREAD_KEY] = thread
    flow.request.headers["accept-encoding"] = "identity"


class AnswerIdReader:
    """Taps the answer stream of flows that carry a :data:`THREAD_KEY` (after the request
    inspector, whose ``responseheaders`` turns streaming on)."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        thread = flow.metadata.get(THREAD_KEY)
        response = flow.response
        if thread is None or response is None or not 200 <= response.status_code < 300:
            return
        reader = AnswerIds(thread.answer_fields, response.headers.get("content-encoding", ""))
        conversations = self.host.conversations

        def tap(chunk: bytes) -> bytes:
            if reader.done:
                return chunk
            try:
                found = reader.feed(chunk)
                if found is not None:
                    conversations.learn(thread, found)
            except Exception as exc:  # never break the answer: the next turn is scanned alone
                reader.done = True
                log.warning("aidlp: answer id not read: %s", type(exc).__name__)
            return chunk

        response.stream = tap
