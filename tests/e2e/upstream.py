"""Test-only upstream: one local ASGI server (HTTP/1.1 + HTTP/2 over TLS, plain HTTP, websockets)
that stands in for every AI tool and non-AI site. It records exactly what reached it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config


@dataclass
class Received:
    """One request (or websocket message) as the upstream saw it."""

    kind: str  # "http" | "ws"
    host: str
    method: str
    path: str
    http_version: str
    headers: dict[str, str]
    body: bytes
    scheme: str


@dataclass
class UpstreamLog:
    items: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Received) -> None:
        with self.lock:
            self.items.append(item)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.items)

    def wait_for(
        self, predicate: Callable[[Received], bool], timeout: float = 5.0
    ) -> Received | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for item in self.snapshot():
                if predicate(item):
                    return item
            time.sleep(0.02)
        return None


def _reply_for(path: str) -> dict[str, Any]:
    created = int(time.time())
    if path.rstrip("/").endswith("/chat/completions"):
        return {
            "id": "chatcmpl-upstream",
            "object": "chat.completion",
            "created": created,
            "model": "gpt-4o-mini",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": "upstream says hello"},
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 3, "total_tokens": 4},
        }
    if path.rstrip("/").endswith("/v1/messages"):
        return {
            "id": "msg_upstream",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "upstream says hello"}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 1, "output_tokens": 3},
        }
    if path.split("?", 1)[0].rstrip("/").endswith("/v1/responses"):
        # a fresh id per answer: the next turn refers to it (previous_response_id)
        return {
            "id": f"resp_{uuid.uuid4().hex}",
            "object": "response",
            "created_at": created,
            "status": "completed",
            "model": "gpt-4o",
            "output": [
                {
                    "type": "message",
                    "id": f"msg_{uuid.uuid4().hex}",
                    "status": "completed",
                    "role": "assistant",
                    "content": [
                        {"type": "output_text", "text": "upstream says hello", "annotations": []}
                    ],
                }
            ],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
        }
    if ":generateContent" in path:
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": "upstream says hello"}]},
                    "finishReason": "STOP",
                }
            ]
        }
    return {"ok": True, "path": path}


def _chatgpt_stream(body: bytes) -> bytes:
    """ChatGPT web's answer as an SSE stream naming the conversation (a new one gets an id)."""
    try:
        known = json.loads(body).get("conversation_id")
    except (ValueError, AttributeError):
        known = None
    conversation = known or str(uuid.uuid4())
    event = {
        "message": {
            "id": str(uuid.uuid4()),
            "author": {"role": "assistant"},
            "content": {"content_type": "text", "parts": ["upstream says hello"]},
        },
        "conversation_id": conversation,
    }
    return f"data: {json.dumps(event)}\n\ndata: [DONE]\n\n".encode()


def make_app(log: UpstreamLog) -> Callable[..., Any]:
    async def app(
        scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host") or headers.get(":authority", "")
        if scope["type"] == "websocket":
            await send({"type": "websocket.accept"})
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                data = message.get("bytes") or (message.get("text") or "").encode()
                log.add(
                    Received(
                        "ws",
                        host,
                        "WS",
                        scope["path"],
                        scope.get("http_version", ""),
                        headers,
                        data,
                        scope.get("scheme", ""),
                    )
                )
                await send({"type": "websocket.send", "text": "ack"})
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"] + (
            ("?" + scope["query_string"].decode()) if scope.get("query_string") else ""
        )
        log.add(
            Received(
                "http",
                host,
                scope["method"],
                path,
                scope["http_version"],
                headers,
                body,
                scope["scheme"],
            )
        )
        if "/aidlp-test/hang" in scope["path"]:
            await asyncio.sleep(3600)  # a hung AI host: reads the request, never answers
        if "/aidlp-test/slow" in scope["path"]:
            await asyncio.sleep(3)  # a slow answer: the request stays in flight a while
        payload, content_type = json.dumps(_reply_for(scope["path"])).encode(), b"application/json"
        if scope["path"].rstrip("/").endswith("/backend-api/conversation"):
            payload, content_type = _chatgpt_stream(body), b"text/event-stream"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-upstream", b"aidlp-test"),
                ],
            }
        )
        if "/aidlp-test/trickle" in scope["path"]:  # the headers now, the body 3 s later
            await asyncio.sleep(3)
        await send({"type": "http.response.body", "body": payload})

    return app


class Upstream:
    """Runs the app with hypercorn on loopback in a background thread."""

    def __init__(self, certfile: str, keyfile: str, https_port: int, http_port: int) -> None:
        self.log = UpstreamLog()
        self.https_port = https_port
        self.http_port = http_port
        self._config = Config()
        self._config.bind = [f"127.0.0.1:{https_port}"]
        self._config.insecure_bind = [f"127.0.0.1:{http_port}"]
        self._config.certfile = certfile
        self._config.keyfile = keyfile
        self._config.alpn_protocols = ["h2", "http/1.1"]
        self._config.accesslog = None
        self._config.errorlog = None
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="upstream", daemon=True)
        self._started = threading.Event()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._stop = asyncio.Event()

        async def main() -> None:
            self._started.set()
            await serve(make_app(self.log), self._config, shutdown_trigger=self._stop.wait)

        self._loop.run_until_complete(main())

    def start(self) -> Upstream:
        self._thread.start()
        self._started.wait(10)
        return self

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(5)
