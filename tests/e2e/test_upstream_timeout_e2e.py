"""Issue 17 item 6: a hung AI host gets a clear 504 within the configured timeouts.

- read: the test upstream reads the request and never answers (`/aidlp-test/hang`), over
  HTTP/1.1 and HTTP/2; the client gets 504 and the proxy keeps serving.
- connect: the upstream is a listening socket whose accept queue is full, so the kernel
  drops new SYNs and a connect hangs; the client's request gets 504.
"""

from __future__ import annotations

import contextlib
import socket
import time

import pytest

pytestmark = pytest.mark.e2e

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is a haiku?"}]}


TIMEOUTS = ("--set", "aidlp_upstream_read_timeout=2", "--set", "aidlp_upstream_connect_timeout=2")


@pytest.fixture(scope="module")
def timeout_proxy(start_proxy):
    return start_proxy(
        extra_args=TIMEOUTS,
        name="upstream-timeout",
    )


@pytest.mark.parametrize("http2", [False, True], ids=["http1", "http2"])
def test_hung_upstream_gets_504(timeout_proxy, upstream_log, http2):
    with timeout_proxy.httpx(http2=http2) as client:
        started = time.monotonic()
        hung = client.post("https://api.openai.com/v1/aidlp-test/hang", json=CHAT)
        waited = time.monotonic() - started
        assert hung.status_code == 504, hung.text
        assert "did not answer within 2 s" in hung.text
        assert waited < 15
        # the proxy still serves, on the same client
        ok = client.post("https://api.openai.com/v1/chat/completions", json=CHAT)
        assert ok.status_code == 200, ok.text
    # the request did reach the (hung) upstream: the timeout is about its answer
    assert upstream_log.wait_for(lambda r: r.path.endswith("/aidlp-test/hang"), timeout=1)


def test_blocked_requests_are_not_timed(timeout_proxy, upstream_log):
    with timeout_proxy.httpx() as client:
        blocked = client.post(
            "https://api.openai.com/v1/aidlp-test/hang",
            json={**CHAT, "messages": [{"role": "user", "content": "NI number AB 12 34 56 C"}]},
        )
    assert blocked.status_code == 403
    assert upstream_log.wait_for(lambda r: r.path.endswith("/aidlp-test/hang"), 0.5) is None


@pytest.fixture
def blackhole():
    """A port whose accept queue is full: further connects hang in SYN_SENT."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(8):  # fill the (tiny) backlog; later connects get no SYN-ACK
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", port))
        fillers.append(sock)
    time.sleep(0.2)
    probe = socket.socket()
    probe.settimeout(1)
    try:
        probe.connect(("127.0.0.1", port))
        hangs = False
    except TimeoutError:
        hangs = True
    finally:
        probe.close()
    if not hangs:
        pytest.skip("this kernel does not hold connects on a full accept queue")
    yield port
    for sock in [*fillers, server]:
        sock.close()


def test_unreachable_upstream_gets_504_on_connect(start_proxy, blackhole):
    proxy = start_proxy(
        extra_args=("--set", "aidlp_upstream_connect_timeout=2"),
        env_extra={"AIDLP_TEST_UPSTREAM_HTTPS": str(blackhole)},
        name="connect-timeout",
    )
    started = time.monotonic()
    # the CONNECT to an AI tool is accepted unconnected (proxy/addons/deferred_connect.py):
    # the connect that hangs is the request's, and the request gets the 504
    with proxy.httpx() as client:
        response = client.post("https://api.openai.com/v1/chat/completions", json=CHAT)
    assert response.status_code == 504, response.text
    assert time.monotonic() - started < 15
    assert "upstream connect to 127.0.0.1 timed out after 2 s" in proxy.output()  # re-routed
