"""The document extraction pool: killed at the deadline, capped per client (issue 15 item 6)."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import pytest

from proxy.extract import ExtractionError, ExtractionSettings
from proxy.extractpool import ExtractionPool, is_heavy
from proxy.inspection.model import HttpRequest
from proxy.inspection.pipeline import extract_request
from tests.unit.transport import jobs


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def test_heavy_bodies_are_recognised() -> None:
    assert is_heavy("application/pdf", "", b"x")
    assert is_heavy("application/json", "", b'{"file": "data:application/pdf;base64,JVBERi0x"}')
    assert is_heavy("application/json", "gzip", b"\x1f\x8b")
    assert is_heavy("multipart/form-data; boundary=x", "", b"--x")
    assert not is_heavy("application/json", "", b'{"messages": [{"content": "hi"}]}')
    assert not is_heavy("", "", b"")


@pytest.mark.parametrize(
    "raw",
    [
        b"Obj\x01" + b"\x04\x14avro.codec" * 20,  # Avro
        b"\x78\x9f\x3e\x22" + b"\x01\x06\x90" * 40,  # TNEF
        b"\x10\x01\x00\x00\x20\x02\x00\x00LZFu" + b"\x00" * 100,  # compressed RTF
    ],
    ids=["avro", "tnef", "lzfu"],
)
def test_files_the_new_readers_open_are_heavy_also_in_base64(raw: bytes) -> None:
    """Rule (review): a body that may hold a file a document reader opens (Avro, TNEF,
    LZFu; raw or base64 in a JSON string) is extracted in the killable pool, never inline
    on the loop or in an unkillable thread."""
    encoded = base64.b64encode(raw).decode()
    assert base64.b64decode(encoded) == raw
    body = json.dumps({"messages": [{"content": "read this: " + encoded}]}).encode()
    assert is_heavy("application/json", "", body)
    assert is_heavy("text/plain", "", raw)


@pytest.mark.parametrize(
    "text,heavy",
    [
        ("see the file\nbegin 644 notes.doc\nM0V%S92!N;W1E\n`\nend\n", True),
        ("(This file must be converted with BinHex 4.0)\n:f&9ZG'9c:", True),
        ("Let us begin the meeting; we begin 644 tasks today.", False),
        ("Tell me about BinHex and uuencode.", False),
    ],
)
def test_files_written_inside_text_are_heavy(text: str, heavy: bool) -> None:
    """Rule (review): a uuencoded block or a BinHex file in prompt text (decoded and read
    with the document readers) sends the body to the pool; prose about them does not."""
    body = json.dumps({"messages": [{"content": text}]}).encode()
    assert is_heavy("application/json", "", body) is heavy


def test_request_extraction_in_a_worker_with_the_routing_verdict() -> None:
    body = {"model": "x", "provider": {"only": ["deepseek"]}, "messages": [{"content": "%PDF"}]}
    request = HttpRequest(
        "POST",
        "api.openai.com",
        "/v1/chat/completions",
        {"content-type": "application/json"},
        json.dumps(body).encode(),
    )
    pool = ExtractionPool(1, 1)
    try:
        extraction, verdict = run(
            pool.run(
                "c",
                20,
                extract_request,
                request,
                ExtractionSettings(),
                1 << 20,
                ("deepseek",),
                ("model", "provider"),
            )
        )
    finally:
        pool.shutdown()
    assert verdict == "blocked_model"
    assert "%PDF" in extraction.text


def test_deadline_interrupts_and_a_stubborn_worker_is_killed() -> None:
    pool = ExtractionPool(1, 2, queue_wait=30)
    try:
        run(pool.start())
        with pytest.raises(ExtractionError, match="time budget"):
            run(pool.run("c", 0.5, jobs.slow, 30))
        started = time.monotonic()
        with pytest.raises(ExtractionError, match="time budget"):
            run(pool.run("c", 0.5, jobs.stubborn, 60))
        assert time.monotonic() - started < 30
        assert pool.killed == 1
        assert run(pool.run("c", 20, jobs.quick)) == "quick"  # a fresh pool serves again
    finally:
        pool.shutdown()


def test_one_client_cannot_take_every_worker() -> None:
    pool = ExtractionPool(2, 1, queue_wait=0.5)

    async def scenario():
        attacker = [asyncio.create_task(pool.run("attacker", 20, jobs.slow, 3)) for _ in range(3)]
        await asyncio.sleep(0.2)
        other = await pool.run("someone-else", 20, jobs.quick)
        outcomes = await asyncio.gather(*attacker, return_exceptions=True)
        return other, outcomes

    try:
        other, outcomes = run(scenario())
    finally:
        pool.shutdown()
    assert other == "quick"
    assert outcomes[0] == "done"
    assert all(isinstance(o, ExtractionError) and o.reason == "overloaded" for o in outcomes[1:])
