"""Issue 17 item 1: traffic that arrives while the proxy starts never kills it.

`aidlp run` as the README's quick start runs it: a fresh HOME, no confdir (mitmproxy makes
its CA on first start). Clients send HTTPS to an AI host from the moment the port listens:
the proxy stays up, answers each request (fail closed until its workers are ready: nothing
goes upstream unscanned), then serves real decisions. Until ready, a CONNECT to an AI tool is
itself answered 503 + Retry-After + Connection: close (no TLS, no upstream connection), and
DeepSeek's CONNECT keeps its 403.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections import Counter

import httpx
import pytest

from tests.e2e.harness import REROUTE_SCRIPT, ROOT, aidlp_executable, free_port, wait_for_port

pytestmark = pytest.mark.e2e

NINO = "AB 12 34 56 C"
CHAT = "https://api.openai.com/v1/chat/completions"


def body(text: str) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def hammer(url: str, stop: threading.Event, seen: Counter, lock: threading.Lock, sensitive: bool):
    """HTTPS through the proxy as fast as it answers. The CA does not exist before the proxy
    makes it, so these clients do not verify (what is checked is the proxy's answers)."""
    while not stop.is_set():
        try:
            with httpx.Client(proxy=url, verify=False, timeout=30) as client:
                answer = client.post(CHAT, json=body(f"NI number {NINO}" if sensitive else "hi"))
            key = f"{'nino' if sensitive else 'clean'}:{answer.status_code}"
            if answer.status_code == 503 and answer.headers.get("retry-after") != "2":
                key += ":no-retry-after"
            if answer.status_code == 503 and not answer.headers.get("x-aidlp-incident"):
                key += ":no-incident"
        except httpx.ProxyError as exc:  # the CONNECT itself refused (headers not shown)
            refused = str(exc).startswith("503")
            key = f"{'nino' if sensitive else 'clean'}:{'connect-503' if refused else exc}"
        except httpx.HTTPError as exc:
            key = f"{'nino' if sensitive else 'clean'}:{type(exc).__name__}"
        with lock:
            seen[key] += 1
        time.sleep(0.02)


def raw_connect(port: int, target: str) -> tuple[int, bytes, bool]:
    """A CONNECT on a raw socket: its status, everything the proxy sent, and whether the
    proxy then closed the connection (a 2xx tunnel stays open, waiting for a ClientHello)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        answer, closed = sock.recv(65536), False  # (a held CONNECT: up to its hold)
        sock.settimeout(3)
        with contextlib.suppress(TimeoutError):
            while chunk := sock.recv(65536):
                answer += chunk
            closed = True
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer, closed


def is_ready(metrics_port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{metrics_port}/readyz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def probe_connects(port: int, metrics_port: int) -> list[dict]:
    """Raw CONNECTs (OpenAI, DeepSeek) from the moment the port listens until /readyz says
    200: what each got, and whether /readyz said 200 just before it was sent and just after
    its answer came."""
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for target in ("api.openai.com:443", "api.deepseek.com:443"):
            before = is_ready(metrics_port)
            status, answer, closed = raw_connect(port, target)
            seen.append(
                {"target": target, "ready_before": before, "status": status, "answer": answer,
                 "closed": closed, "ready_after": is_ready(metrics_port)}
            )  # fmt: skip
        if seen[-1]["ready_after"]:
            return seen
        time.sleep(0.2)
    return seen


@pytest.mark.parametrize("hold", [0, None], ids=["answered-at-once", "held-default"])
def test_https_from_the_first_moment_with_a_fresh_home(tmp_path, upstream, upstream_log, pki, hold):
    """``hold`` 0: a CONNECT while not ready is answered 503 at once; default: it is held
    (a few seconds) and served as soon as the workers are ready, else answered 503."""
    home = tmp_path / "home"
    home.mkdir()
    port, metrics_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")},
        "HOME": str(home),
        "PYTHONUNBUFFERED": "1",
        "AIDLP_TEST_UPSTREAM_HTTPS": str(upstream.https_port),
        "AIDLP_TEST_UPSTREAM_HTTP": str(upstream.http_port),
        "AIDLP_TEST_CONNECT_LOG": str(tmp_path / "connects.log"),
    }
    out = (tmp_path / "stdout.log").open("wb")
    err = (tmp_path / "stderr.log").open("wb")
    proc = subprocess.Popen(
        [aidlp_executable(), "run", "--listen-port", str(port), "--metrics-port",
         str(metrics_port), "--", "-s", str(REROUTE_SCRIPT),
         "--set", f"ssl_verify_upstream_trusted_ca={pki.ca_pem}",
         *(["--set", f"aidlp_startup_hold={hold}"] if hold is not None else [])],
        cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    seen: Counter = Counter()
    lock = threading.Lock()
    stop = threading.Event()
    upstream_log.clear()
    try:
        assert wait_for_port(port, 120), "never listened"
        listening = time.monotonic()
        threads = [
            threading.Thread(target=hammer, args=(url, stop, seen, lock, i % 2 == 0), daemon=True)
            for i in range(6)
        ]
        for thread in threads:
            thread.start()
        probes = probe_connects(port, metrics_port)
        # Real decisions (a clean prompt forwarded, the NINO blocked for its finding) once
        # the workers are up; the proxy must stay up all along.
        first_decision = None
        deadline = listening + 120
        while time.monotonic() < deadline and first_decision is None:
            assert proc.poll() is None, (tmp_path / "stderr.log").read_text()[-3000:]
            if seen["clean:200"] and seen["nino:403"]:
                first_decision = time.monotonic() - listening
            time.sleep(0.1)
        time.sleep(2)  # keep going a little after ready
        stop.set()
        for thread in threads:
            thread.join(40)
        assert proc.poll() is None, "the proxy exited"
        print(f"first decisions {first_decision:.1f} s after listening; answers {dict(seen)}")
        assert first_decision is not None, dict(seen)
        # every answer was one a client can act on: 200, a block, or not-ready-retry-later
        allowed_answers = {"clean:200", "nino:403"} | {
            f"{kind}:{refusal}" for kind in ("clean", "nino") for refusal in ("503", "connect-503")
        }
        assert set(seen) <= allowed_answers, dict(seen)  # a clean prompt is never blocked
        refusals = sum(n for key, n in seen.items() if key.endswith("503"))
        # Before ready a CONNECT to OpenAI never opens a tunnel: it is answered itself,
        # before TLS (503, Retry-After, Connection: close, the incident, connection closed),
        # or (held) accepted only once the workers are ready. DeepSeek's: 403, ready or not.
        openai = [probe for probe in probes if "openai" in probe["target"]]
        early = [probe for probe in openai if probe["status"] == 503]
        assert {probe["status"] for probe in openai} <= {503, 200}, probes
        assert all(probe["ready_after"] for probe in openai if probe["status"] == 200), probes
        for probe in early:
            head = probe["answer"].split(b"\r\n\r\n", 1)[0].lower()
            assert b"\r\nretry-after: 2" in head and b"\r\nconnection: close" in head, probe
            assert b"\r\nx-aidlp-incident: aidlp-" in head and probe["closed"], probe
        sent_early = [probe for probe in openai if not probe["ready_before"]]
        assert sent_early, f"no CONNECT arrived before ready? {probes}"
        if hold == 0:
            assert early, f"no CONNECT refused before ready: {probes}"
            assert refusals, "no request arrived before ready?"
        held = [probe for probe in sent_early if probe["status"] == 200]
        print(f"CONNECTs sent before ready: {len(sent_early)}, refused {len(early)}, "
              f"held until ready {len(held)}")  # fmt: skip
        deepseek = {probe["status"] for probe in probes if "deepseek" in probe["target"]}
        assert deepseek == {403}, probes
        connects = (
            (tmp_path / "connects.log").read_text() if (tmp_path / "connects.log").exists() else ""
        )
        assert "deepseek" not in connects  # never reached, ready or not
        # nothing went upstream unscanned: the NINO never arrived, and every clean prompt
        # that did was decided (an ai.request.allowed event) first
        arrived = [r for r in upstream_log.snapshot() if r.host == "api.openai.com"]
        assert arrived and not [r for r in arrived if NINO.encode() in r.body]
        events = [line for line in (tmp_path / "stdout.log").read_text().splitlines()]
        allowed = [line for line in events if '"event":"ai.request.allowed"' in line]
        assert len(allowed) >= len(arrived)
        # each refusal is recorded: an ai.scan.error event, reason unavailable, no content
        refused = [line for line in events if '"reason":"unavailable"' in line]
        assert len(refused) >= refusals + len(early)
        if early:  # (held: on a quiet machine every early CONNECT may be served once ready)
            assert any(
                '"stage":"connect"' in line and '"method":"CONNECT"' in line for line in refused
            )
        assert all('"event":"ai.scan.error"' in line for line in refused)
        assert not [line for line in refused if NINO in line]
        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        refusals = [
            line
            for line in metrics.splitlines()
            if line.startswith("aidlp_blocked_total{") and 'reason="unavailable"' in line
        ]
        if refused:  # (held, on a quiet machine, nothing may have been refused at all)
            assert refusals and float(refusals[0].rsplit(" ", 1)[1]) >= len(refused), refusals
        ready = httpx.get(f"http://127.0.0.1:{metrics_port}/readyz", timeout=5)
        assert ready.status_code == 200
        assert (home / ".mitmproxy" / "mitmproxy-ca-cert.pem").exists()
        stderr = (tmp_path / "stderr.log").read_text() + (tmp_path / "stdout.log").read_text()
        assert "get_cert" not in stderr and "Errors logged during startup" not in stderr
    finally:
        stop.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        out.close()
        err.close()
