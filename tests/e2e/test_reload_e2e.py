"""Issue 9: reload under steady traffic, through the real `aidlp run`, drops nothing.

Twenty concurrent clients (half on kept-alive connections, half opening a new proxied TLS
connection per request) send clean chat requests to an AI tool while the proxy gets a
SIGHUP and then a config-file edit that blocks another tool and resizes the scan worker
pool. Every request must succeed; the edit must take effect.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLIENTS = 20
BASE_CONFIG = """\
workers:
  processes: {processes}
  queue_wait_seconds: 60    # this test is about reloads, not capacity: never `overloaded`
limits:
  scan_timeout_seconds: 60
reload:
  interval_seconds: 0.5
  drain_seconds: 60
"""
BLOCK_MISTRAL = """\
catalogue:
  extra_tools:
    - id: mistral
      name: Mistral AI
      status: blocked
      hosts: [mistral.ai, "*.mistral.ai"]
"""
CHAT = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "What is the capital of France?"}],
}


class Traffic:
    """Steady clean requests from many threads; every outcome is recorded."""

    def __init__(self, proxy) -> None:
        self.proxy = proxy
        self.stop = threading.Event()
        self.outcomes: Counter[str] = Counter()
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(i % 2 == 0,), daemon=True)
            for i in range(CLIENTS)
        ]

    def _one(self, client: httpx.Client) -> None:
        try:
            response = client.post("https://api.openai.com/v1/chat/completions", json=CHAT)
            outcome = str(response.status_code)
            ok = response.status_code == 200 and response.json()["choices"]
        except Exception as exc:  # a dropped connection, a reset, a timeout...
            outcome, ok = type(exc).__name__, False
        with self.lock:
            self.outcomes[outcome] += 1
            if not ok:
                self.failures.append(outcome)

    def _run(self, keep_alive: bool) -> None:
        if keep_alive:
            with self.proxy.httpx(timeout=90.0) as client:
                while not self.stop.is_set():
                    self._one(client)
        else:
            while not self.stop.is_set():
                with self.proxy.httpx(timeout=90.0) as client:  # new CONNECT + TLS each time
                    self._one(client)

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)

    def total(self) -> int:
        with self.lock:
            return sum(self.outcomes.values())


def mistral_status(proxy) -> str:
    """``allowed`` or ``blocked`` (403 from aidlp, at CONNECT or on the request)."""
    try:
        with proxy.httpx(timeout=60.0) as client:
            response = client.post("https://api.mistral.ai/v1/chat/completions", json=CHAT)
    except httpx.ProxyError as exc:
        assert "403" in str(exc), exc
        return "blocked"
    if response.status_code == 403 and response.headers.get("x-aidlp-decision") == "block":
        return "blocked"
    assert response.status_code == 200, response.text
    return "allowed"


def reloaded(source: str):
    """A wait_event predicate: a successful reload triggered by ``source``."""
    return lambda e: e.get("event") == "aidlp.config.reloaded" and e.get("source") == source


def test_reload_under_steady_traffic_drops_nothing(start_proxy, upstream_log) -> None:
    proxy = start_proxy(BASE_CONFIG.format(processes=1), name="reload")
    assert mistral_status(proxy) == "allowed"
    progress: list[int] = []

    with Traffic(proxy) as traffic:
        time.sleep(4)
        progress.append(traffic.total())
        assert progress[-1] > 0, "no traffic flowing before the reloads"

        # 1. SIGHUP: same config, runtime swapped under load
        proxy.proc.send_signal(signal.SIGHUP)
        assert proxy.wait_event(reloaded("sighup"), timeout=30)
        time.sleep(2)
        progress.append(traffic.total())

        # 2. the watched file changes: block a tool and grow the worker pool (pool rebuild)
        assert proxy.config_path is not None
        proxy.config_path.write_text(BASE_CONFIG.format(processes=2) + BLOCK_MISTRAL)
        changed = proxy.wait_event(reloaded("file_change"), timeout=90)
        assert changed is not None, proxy.output()[-3000:]
        time.sleep(4)  # keep the load on while the old pool drains
        progress.append(traffic.total())

    print(
        f"reload e2e: {traffic.total()} requests from {CLIENTS} clients, "
        f"outcomes {dict(traffic.outcomes)}, cumulative at phases {progress}"
    )
    assert not traffic.failures, (
        f"failed requests: {Counter(traffic.failures)} of {traffic.total()}"
    )
    assert set(traffic.outcomes) == {"200"}
    # traffic kept flowing through every phase
    assert progress[0] < progress[1] < progress[2] < traffic.total()

    # the new config took effect: Mistral is now refused, and the pool was rebuilt with 2 workers
    assert changed["result"] == "ok"
    assert changed["changed"] == ["aidlp.yaml"]
    assert changed["counts"]["scan_pool_rebuilt"] == 1
    assert changed["counts"]["scan_workers"] == 2
    assert changed["counts"]["tools_blocked"] == 2
    assert mistral_status(proxy) == "blocked"
    assert proxy.wait_event(
        lambda e: (
            e.get("event") in ("ai.tool.blocked", "ai.request.blocked")
            and e.get("tool") == "mistral"
        ),
        timeout=10,
    )
    # every request was decided and recorded
    allowed = [
        e
        for e in proxy.events()
        if e.get("event") == "ai.request.allowed" and e.get("host") == "api.openai.com"
    ]
    assert len(allowed) >= traffic.total()
    assert not [e for e in proxy.events() if e.get("event") == "aidlp.config.reload_failed"]


def test_bad_config_is_rejected_and_the_old_one_keeps_serving(start_proxy) -> None:
    proxy = start_proxy(BASE_CONFIG.format(processes=1), name="reload-bad")
    assert proxy.config_path is not None
    proxy.config_path.write_text(BASE_CONFIG.format(processes=1) + "policy:\n  mode: lenient\n")
    failed = proxy.wait_event(lambda e: e.get("event") == "aidlp.config.reload_failed", timeout=30)
    assert failed is not None
    assert (failed["result"], failed["reason"]) == ("failed", "config_invalid")
    # the operator's log says which field, file and line
    assert "policy.mode" in proxy.output()
    # (the log scrubber masks identifier-like path segments such as pytest's
    # "pytest-1090" directory: the file's name and its line are what must show)
    assert re.search(rf"/{re.escape(proxy.config_path.name)} line \d+\)", proxy.output())
    with proxy.httpx() as client:
        response = client.post("https://api.openai.com/v1/chat/completions", json=CHAT)
    assert response.status_code == 200
    assert proxy.proc.poll() is None
