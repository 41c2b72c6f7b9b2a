"""Issue 17 item 5: SIGTERM drains. Under 20 concurrent keep-alive clients, the proxy stops
listening, finishes what is in flight and exits 0 within its grace period: no request is
answered wrongly and none is cut after it was sent; the rest are refused (clients retry).
"""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import httpx
import pytest

from tests.e2e.outcomes import post

pytestmark = pytest.mark.e2e

CLIENTS = 20
CLEAN = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Write a haiku."}]}
NINO = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "NINO AB 12 34 56 C"}]}


cut_details: list[str] = []
refusals: Counter = Counter()  # how requests were refused (printed: a figure, not a rule)


def outcome(proxy, client: httpx.Client, sensitive: bool) -> str:
    """correct | wrong | refused | cut (see tests/e2e/outcomes.py). A cut includes a
    keep-alive connection the proxy closed as the client sent its next request on it."""
    answer = post(
        client,
        "https://api.openai.com/v1/chat/completions",
        NINO if sensitive else CLEAN,
        refusals,
        cut_details,
    )
    if isinstance(answer, str):
        if answer == "cut":
            cut_details[-1] = f"{time.monotonic():.3f} {cut_details[-1]}"
        return answer
    expected = 403 if sensitive else 200
    return "correct" if answer.status_code == expected else f"wrong:{answer.status_code}"


def load(proxy, stop: threading.Event, results: Counter, lock: threading.Lock, seed: int):
    sensitive = bool(seed % 2)
    client = proxy.httpx(timeout=30)
    while not stop.is_set():
        result = outcome(proxy, client, sensitive)
        with lock:
            results[result] += 1
        if result in ("refused", "cut"):
            client.close()
            client = proxy.httpx(timeout=30)
            time.sleep(0.05)
        sensitive = not sensitive
    client.close()


def test_sigterm_drains_in_flight_requests(start_proxy):
    proxy = start_proxy(extra_args=("--set", "aidlp_drain_timeout=15"), name="drain")
    results: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    threads = [
        threading.Thread(target=load, args=(proxy, stop, results, lock, i), daemon=True)
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(results.values()) < 100 and time.monotonic() < deadline:
        time.sleep(0.1)
    before = dict(results)
    assert before.get("correct", 0) >= 100, before

    sent = time.monotonic()
    proxy.proc.send_signal(signal.SIGTERM)
    readyz = None
    while readyz != 503 and proxy.proc.poll() is None and time.monotonic() - sent < 5:
        try:  # load balancers stop sending as soon as the drain starts
            readyz = httpx.get(
                f"http://127.0.0.1:{proxy.metrics_port}/readyz", timeout=2
            ).status_code
        except httpx.HTTPError:
            break
    code = proxy.proc.wait(30)
    drain_seconds = time.monotonic() - sent
    time.sleep(1.0)  # clients keep trying: refused now
    stop.set()
    for thread in threads:
        thread.join(30)

    print(f"drain: {drain_seconds:.2f} s, outcomes {dict(results)}")  # figure for deploy/README
    print(f"SIGTERM at {sent:.3f}; refusals {dict(refusals)}; cut: {cut_details}")
    assert code == 0, proxy.output()[-3000:]
    assert readyz == 503
    assert drain_seconds < 15 + 5
    wrong = {k: v for k, v in results.items() if k.startswith("wrong")}
    assert not wrong, results
    assert results["cut"] == 0, (results, sent, cut_details, proxy.output()[-3000:])
    assert results["refused"] > 0, results  # the port really closed while clients kept going
    assert "aidlp: SIGTERM: draining" in proxy.output() and "drained in" in proxy.output()


def test_sigterm_drains_http2_clients(start_proxy):
    """HTTP/2 (httpx): the same drain, and no stream in flight is cut by the GOAWAY."""
    proxy = start_proxy(extra_args=("--set", "aidlp_drain_timeout=15"), name="drain-h2")
    results: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def h2_load(seed: int) -> None:
        sensitive = bool(seed % 2)
        client = proxy.httpx(http2=True, timeout=30)
        while not stop.is_set():
            result = outcome(proxy, client, sensitive)
            with lock:
                results[result] += 1
            if result in ("refused", "cut"):
                client.close()
                client = proxy.httpx(http2=True, timeout=30)
                time.sleep(0.05)
            sensitive = not sensitive
        client.close()

    threads = [threading.Thread(target=h2_load, args=(i,), daemon=True) for i in range(10)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while results["correct"] < 50 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert results["correct"] >= 50, dict(results)
    proxy.proc.send_signal(signal.SIGTERM)
    code = proxy.proc.wait(30)
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(30)
    print(f"HTTP/2 drain outcomes {dict(results)}; refusals {dict(refusals)}; cut: {cut_details}")
    assert code == 0, proxy.output()[-3000:]
    assert not {k: v for k, v in results.items() if k.startswith("wrong")}, results
    assert results["cut"] == 0, results
    assert results["refused"] > 0, results


def _h2_client(proxy):
    """A raw HTTP/2 connection to api.openai.com through the proxy: (tls socket, h2 conn)."""
    import h2.config
    import h2.connection

    from tests.e2e.rawtls import open_tunnel

    sock, status = open_tunnel(proxy.port, "api.openai.com:443")
    assert status == 200, status
    context = proxy.ssl_context()
    context.set_alpn_protocols(["h2"])
    tls = context.wrap_socket(sock, server_hostname="api.openai.com")
    assert tls.selected_alpn_protocol() == "h2"
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    tls.sendall(conn.data_to_send())
    return tls, conn


def _post(tls, conn, path: str) -> int:
    import json

    stream = conn.get_next_available_stream_id()
    payload = json.dumps(CLEAN).encode()
    conn.send_headers(
        stream,
        [(":method", "POST"), (":scheme", "https"), (":authority", "api.openai.com"),
         (":path", path), ("content-type", "application/json"),
         ("content-length", str(len(payload)))],
    )  # fmt: skip
    conn.send_data(stream, payload, end_stream=True)
    tls.sendall(conn.data_to_send())
    return stream


def test_sigterm_sends_goaway_to_http2_clients(start_proxy, upstream_log):
    """On SIGTERM an idle HTTP/2 connection gets GOAWAY (no error) at once, while another
    connection's stream is still in flight; that stream is answered in full, then its
    connection gets GOAWAY naming it as the last stream."""
    import select
    import ssl

    import h2.events

    proxy = start_proxy(extra_args=("--set", "aidlp_drain_timeout=15"), name="drain-goaway")
    idle_tls, idle = _h2_client(proxy)
    busy_tls, busy = _h2_client(proxy)
    sequence: list[str] = []
    served = _post(idle_tls, idle, "/v1/chat/completions")  # answered before the drain
    slow = _post(busy_tls, busy, "/v1/chat/completions/aidlp-test/slow")
    deadline = time.monotonic() + 30
    names = {id(idle_tls): "idle", id(busy_tls): "busy"}
    conns = {id(idle_tls): idle, id(busy_tls): busy}
    terminated: dict[str, h2.events.ConnectionTerminated] = {}

    open_socks = [idle_tls, busy_tls]

    def pump(timeout: float) -> None:
        readable, _, _ = select.select(open_socks, [], [], timeout) if open_socks else ([], 0, 0)
        for sock in readable:
            name, conn = names[id(sock)], conns[id(sock)]
            try:
                data = sock.recv(65536)
            except (ssl.SSLError, OSError):
                data = b""
            if not data:
                sequence.append(f"{name}:closed")
                open_socks.remove(sock)
                continue
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    status = dict(event.headers)[b":status"].decode()
                    sequence.append(f"{name}:{event.stream_id}:{status}")
                elif isinstance(event, h2.events.StreamEnded):
                    sequence.append(f"{name}:{event.stream_id}:end")
                elif isinstance(event, h2.events.ConnectionTerminated):
                    sequence.append(f"{name}:goaway")
                    terminated[name] = event
            sock.sendall(conn.data_to_send())

    while f"idle:{served}:end" not in sequence and time.monotonic() < deadline:
        pump(0.2)
    while not [r for r in upstream_log.snapshot() if "aidlp-test/slow" in r.path]:
        assert time.monotonic() < deadline, "the slow request never reached the upstream"
        time.sleep(0.05)
    proxy.proc.send_signal(signal.SIGTERM)
    while open_socks and time.monotonic() < deadline:
        pump(0.2)
    code = proxy.proc.wait(30)
    print(f"HTTP/2 frames seen: {sequence}")
    assert code == 0
    assert f"busy:{slow}:200" in sequence and f"busy:{slow}:end" in sequence, sequence
    # the idle connection is told at once, while the slow stream is still in flight
    assert "idle:goaway" in sequence, sequence
    assert sequence.index("idle:goaway") < sequence.index(f"busy:{slow}:end"), sequence
    # the busy one only after its stream was answered, naming it as the last stream
    assert sequence.index(f"busy:{slow}:end") < sequence.index("busy:goaway"), sequence
    assert terminated["busy"].error_code == 0 and terminated["busy"].last_stream_id == slow
    assert terminated["idle"].error_code == 0 and terminated["idle"].last_stream_id == served


def test_a_keep_alive_connection_answered_before_the_drain_is_not_cut(start_proxy, upstream_log):
    """An answer whose headers went out before SIGTERM said keep-alive: the client then sends
    its next request on that connection. It must be answered (with Connection: close), not
    cut by the proxy closing the connection after the first answer."""
    proxy = start_proxy(extra_args=("--set", "aidlp_drain_timeout=15"), name="drain-keepalive")
    client = proxy.httpx(timeout=30)
    first: dict = {}

    def slow_then_next() -> None:
        answer = client.post(
            "https://api.openai.com/v1/chat/completions/aidlp-test/trickle", json=CLEAN
        )
        first["status"], first["connection"] = answer.status_code, answer.headers.get("connection")
        first["next"] = post(client, "https://api.openai.com/v1/chat/completions", CLEAN)

    thread = threading.Thread(target=slow_then_next, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not [r for r in upstream_log.snapshot() if "aidlp-test/trickle" in r.path]:
        assert time.monotonic() < deadline, "the slow request never reached the upstream"
        time.sleep(0.05)
    time.sleep(1.0)  # its headers reach the client (the body comes 3 s after them)
    proxy.proc.send_signal(signal.SIGTERM)
    thread.join(30)
    code = proxy.proc.wait(30)
    client.close()
    assert code == 0, proxy.output()[-3000:]
    assert first["status"] == 200 and first["connection"] != "close", first  # said keep-alive
    following = first["next"]
    assert not isinstance(following, str), f"the next request was {following}"
    assert following.status_code == 200, following.text
    assert following.headers.get("connection") == "close"
