"""The conversation memory's cost per request (proxy/conversation, RT-65), CPU time.

Measures, with ``time.process_time`` over many repetitions (min of --repeat runs):

- ``lookup``: finding no thread spec for a chat-completions request (what every other
  request pays);
- ``thread``: a ChatGPT web request's thread (spec, JSON body of --body-bytes parsed for
  its ``conversation_id``);
- ``context``: recalling the tail and building the scanned extraction (seams across the
  join, the halves seam);
- ``remember``: cutting and storing the new tail;
- ``answer``: reading an SSE answer of --answer-bytes in 4 KiB chunks for its id (the
  response tap; the id at its start, and never found);
- ``memory``: the RSS growth of --fill full conversations (bytes per conversation).

    uv run python bench/bench_conversation.py [--repeat 5] [--body-bytes 2048]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proxy.conversation import (
    AnswerIds,
    ConversationMemory,
    Conversations,
    with_context,
)
from proxy.conversation.threads import json_object
from proxy.extract import Extraction, Segment

TEXT = (
    "Please draft a short reply to the team about the planning session on Thursday, "
    "and mention that the roadmap review moves to the following week. "
)


def per_call(fn, n: int, repeat: int) -> float:
    """Microseconds of CPU per call (min over ``repeat`` runs of ``n`` calls)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, time.process_time() - start)
    return best / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--body-bytes", type=int, default=2048)
    parser.add_argument("--answer-bytes", type=int, default=65536)
    parser.add_argument("--fill", type=int, default=20000)
    options = parser.parse_args()
    conversations = Conversations(ConversationMemory())
    text = (TEXT * (options.body_bytes // len(TEXT) + 1))[: options.body_bytes - 300]
    body = json.dumps(
        {
            "action": "next",
            "messages": [{"author": {"role": "user"}, "content": {"parts": [text]}}],
            "conversation_id": "6801a2b3-c4d5-4e6f-8a9b-0c1d2e3f4a5b",
            "model": "auto",
        }
    ).encode()
    path = "/backend-api/conversation"
    spec = conversations.spec_of("openai", path)
    assert spec is not None
    thread = conversations.thread("user:a", "openai", spec, path, json_object(body))
    segments = [Segment(text, "messages[0].content.parts[0]"), Segment("model: auto", "model")]
    conversations.sent(thread, segments)
    extraction = Extraction(segments=segments)
    context = conversations.recall(thread) or ""

    figures = {
        "lookup": per_call(
            lambda: conversations.spec_of("openai", "/v1/chat/completions"), 20000, options.repeat
        ),
        "thread": per_call(
            lambda: conversations.thread("user:a", "openai", spec, path, json_object(body)),
            5000,
            options.repeat,
        ),
        "context": per_call(
            lambda: (conversations.recall(thread), with_context(extraction, context)),
            5000,
            options.repeat,
        ),
        "remember": per_call(lambda: conversations.sent(thread, segments), 5000, options.repeat),
    }
    event = b'data: {"message": {"id": "m1"}, "conversation_id": "c-123"}\n\n'
    filler = b'data: {"v": "' + b"x" * 200 + b'"}\n\n'
    stream = event + filler * (options.answer_bytes // len(filler))
    chunks = [stream[i : i + 4096] for i in range(0, len(stream), 4096)]

    def answer(fields: tuple[str, ...]) -> None:
        reader = AnswerIds(fields)
        for chunk in chunks:
            if reader.done:
                break
            reader.feed(chunk)

    figures["answer (id first)"] = per_call(lambda: answer(("conversation_id",)), 2000, 3)
    figures["answer (no id)"] = per_call(lambda: answer(("missing_id",)), 500, 3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    memory = ConversationMemory()
    tail = ("x" * 1199) + "."
    for i in range(options.fill):
        memory.remember((f"user:{i}", "openai", f"conv-{i:08d}"), tail[:-1] + str(i % 10))
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    print(f"body {len(body)} bytes, tail {len(context)} chars")
    for name, value in figures.items():
        print(f"{name:>20}: {value:8.1f} us CPU per request")
    print(
        f"{'memory':>20}: {grown / options.fill:8.0f} bytes per full conversation "
        f"({options.fill} kept, max RSS +{grown / 2**20:.1f} MiB)"
    )


if __name__ == "__main__":
    main()
