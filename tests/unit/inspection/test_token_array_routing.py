"""Token-id array bodies are extracted off the event loop: the first one in a process loads a
BPE vocabulary (about a second), which must never stall the loop. The vocabulary load is
recorded by a stand-in loader (the real one is the bpe-openai wheel's)."""

from __future__ import annotations

import json
import threading

import bpe_openai
import pytest

from proxy.extract import tokens
from proxy.inspection import HttpRequest
from tests.unit.inspection.test_inspector import NINO, inspector, run, subject


@pytest.fixture
def load_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    threads: list[str] = []

    def load(name: str):
        threads.append(threading.current_thread().name)
        return bpe_openai.get_encoding(name)

    monkeypatch.setattr(tokens, "LOADED", tokens._Loaded(load))  # a fresh, unloaded cache
    return threads


def embeddings(text: str) -> HttpRequest:
    ids = bpe_openai.get_encoding("cl100k_base").encode(text)
    body = json.dumps({"model": "text-embedding-3-small", "input": [ids]})
    return HttpRequest(
        "POST",
        "api.openai.com",
        "/v1/embeddings",
        {"content-type": "application/json"},
        body.encode(),
    )


def test_a_small_token_array_body_loads_its_vocabulary_off_the_loop(load_threads) -> None:
    path = "/v1/embeddings"
    clean = run(inspector().inspect(embeddings("plan the team offsite"), subject(path=path)))
    assert clean.decision.action == "allow"
    loop_thread = threading.current_thread().name  # asyncio.run's loop runs on this thread
    assert load_threads and loop_thread not in load_threads
    found = run(inspector().inspect(embeddings(f"my NINO is {NINO}"), subject(path=path)))
    assert found.blocked and found.decision.reason == "findings"
    assert len(load_threads) == 1  # once per process
