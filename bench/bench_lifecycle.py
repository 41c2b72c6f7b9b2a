"""Start-up, restart, drain and worker-crash figures for deploy/README.md (prints them).

    uv run python bench/bench_lifecycle.py [--clients 20] [--workers 1] [--spare] [--retry-after]
        [--startup-hold SECONDS]

Every figure is printed with the 1-minute load average at the time (the machine is shared).

Runs the real `aidlp run` (fresh HOME, default confdir) against a local upstream on
loopback, with N keep-alive clients sending chat prompts (half clean, half with a NINO):

- time to ready: process start → port listening → /readyz 200 → first real decisions, with
  the clients sending from the moment the port listens;
- restart: SIGTERM the proxy under load and start a new one on the same port. Each request
  is counted as correct, wrong (a clean prompt refused with 403, a NINO not blocked, any
  other status), refused (nothing of the request was sent: connection refused or reset, the
  CONNECT or TLS handshake failed, or a 503 with Retry-After; the client retries safely) or
  cut (the request went out, then the connection closed without an answer), told apart
  from httpcore's trace (tests/e2e/outcomes.py);
- drain: SIGTERM → process exit;
- worker crash: SIGKILL one scan worker under load → /readyz back to 200 and prompts
  decided again;
- memory: RSS and PSS (shared pages split between the processes sharing them) of the proxy,
  the scan-worker template and each worker.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import trustme

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import (
    REROUTE_SCRIPT,
    aidlp_executable,
    child_processes,
    free_port,
    wait_for_port,
)
from tests.e2e.outcomes import post
from tests.e2e.upstream import Upstream

CHAT = "https://api.openai.com/v1/chat/completions"
NINO = "NI number AB 12 34 56 C"


def body(text: str) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


class Proxy:
    launched: list[Proxy] = []  # noqa: RUF012 - stopped at exit

    def __init__(
        self,
        work: Path,
        port: int,
        metrics: int,
        ca: Path,
        up: Upstream,
        workers: int,
        spare: bool,
        hold: int | None = None,
    ):
        self.port, self.metrics = port, metrics
        config = work / "aidlp.yaml"
        config.write_text(f"workers:\n  processes: {workers}\n  spare: {str(spare).lower()}\n")
        env = {
            **{k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")},
            "HOME": str(work / "home"),
            "PYTHONUNBUFFERED": "1",
            "AIDLP_TEST_UPSTREAM_HTTPS": str(up.https_port),
            "AIDLP_TEST_UPSTREAM_HTTP": str(up.http_port),
        }
        (work / "home").mkdir(exist_ok=True)
        self.log = (work / f"proxy-{time.monotonic_ns()}.log").open("wb")
        self.started = time.monotonic()
        Proxy.launched.append(self)
        self.proc = subprocess.Popen(
            [aidlp_executable(), "run", "--config", str(config), "--listen-port", str(port),
             "--metrics-port", str(metrics), "--", "-s", str(REROUTE_SCRIPT),
             "--set", f"ssl_verify_upstream_trusted_ca={ca}",
             *(["--set", f"aidlp_startup_hold={hold}"] if hold is not None else [])],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def ready(self) -> bool:
        try:
            return (
                httpx.get(f"http://127.0.0.1:{self.metrics}/readyz", timeout=2).status_code == 200
            )
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 180) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.ready():
            time.sleep(0.05)
        return time.monotonic() - self.started

    def workers(self) -> list[int]:
        """Scan workers: children of the template (the forkserver child of the proxy)."""

        templates = [pid for pid, cmd in child_processes(self.proc.pid) if b"forkserver" in cmd]
        return [pid for t in templates for pid, _ in child_processes(t)]


class Load:
    """N keep-alive clients; outcomes counted, optionally into a time line."""

    def __init__(self, port: int, clients: int, retry_after: bool = False) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.wait = time.sleep if retry_after else None  # a 503's Retry-After, as SDKs do
        self.results: Counter = Counter()
        self.refusals: Counter = Counter()  # how: connection refused, reset, 503 Retry-After
        self.timeline: list[tuple[float, float, str]] = []  # sent, answered, outcome
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(clients)
        ]

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def _one(self, client: httpx.Client, sensitive: bool) -> str:
        text = NINO if sensitive else "Write a haiku."
        answer = post(client, CHAT, body(text), self.refusals, on_retry_after=self.wait)
        if isinstance(answer, str):
            return answer  # refused (nothing of it was sent) or cut (sent, no answer)
        return "correct" if answer.status_code == (403 if sensitive else 200) else "wrong"

    def _run(self, seed: int) -> None:
        sensitive = bool(seed % 2)
        client = httpx.Client(proxy=self.url, verify=False, timeout=60)
        while not self.stop.is_set():
            sent = time.monotonic()
            outcome = self._one(client, sensitive)
            with self.lock:
                self.results[outcome] += 1
                kind = f"{outcome}:{'nino' if sensitive else 'clean'}"
                self.timeline.append((sent, time.monotonic(), kind))
            if outcome in ("refused", "cut"):
                client.close()
                client = httpx.Client(proxy=self.url, verify=False, timeout=60)
                time.sleep(0.05)
            sensitive = not sensitive
        client.close()


def first_correct_after(load: Load, since: float) -> float | None:
    """Seconds from ``since`` to the *answer* of the first clean prompt sent after it that
    was forwarded (a real scan decision; requests already in flight at ``since`` do not
    count; a CONNECT held until ready counts when it is answered, not when it was sent)."""
    with load.lock:
        times = [a for t, a, o in load.timeline if t > since and o == "correct:clean"]
    return min(times) - since if times else None


def loadavg() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (the template's is what building cost)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(proxy: Proxy) -> str:
    """RSS / PSS in MB: the proxy, the template (forkserver) and the scan workers."""

    def figures(pid: int) -> tuple[float, float]:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().split()
        except OSError:
            return 0.0, 0.0
        rss = int(rollup[rollup.index("Rss:") + 1]) / 1024
        pss = int(rollup[rollup.index("Pss:") + 1]) / 1024
        return rss, pss

    parts = {"proxy": [proxy.proc.pid]}
    workers = proxy.workers()
    templates = {
        int(Path(f"/proc/{w}/stat").read_text().rsplit(")", 1)[1].split()[1])
        for w in workers
        if Path(f"/proc/{w}").exists()
    }
    parts["template"] = sorted(templates)
    parts["workers"] = workers
    out, total = [], 0.0
    for name, pids in parts.items():
        for pid in pids:
            rss, pss = figures(pid)
            total += pss
            out.append(
                f"{name} {pid}: RSS {rss:.0f} / PSS {pss:.0f} (CPU {cpu_seconds(pid):.1f} s)"
            )
    return "; ".join(out) + f"; PSS total {total:.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--spare", action="store_true", help="workers.spare: true")
    parser.add_argument(
        "--retry-after",
        action="store_true",
        help="clients wait a 503's Retry-After before retrying, as the OpenAI and Anthropic "
        "SDKs do (default: they retry at once, the harshest case)",
    )
    parser.add_argument(
        "--startup-hold",
        type=int,
        default=None,
        help="aidlp_startup_hold: how long a CONNECT is held while not ready (default: the "
        "proxy's own, 5 s; 0 answers 503 at once)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="aidlp-lifecycle-"))
    ca = trustme.CA()
    ca_pem = work / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    leaf = ca.issue_cert("api.openai.com", "127.0.0.1")
    leaf.cert_chain_pems[0].write_to_path(str(work / "cert.pem"))
    leaf.private_key_pem.write_to_path(str(work / "key.pem"))
    up = Upstream(str(work / "cert.pem"), str(work / "key.pem"), free_port(), free_port()).start()

    try:
        return measure(args, work, ca_pem, up)
    finally:
        for proxy in Proxy.launched:
            if proxy.proc.poll() is None:
                proxy.proc.send_signal(signal.SIGTERM)
                proxy.proc.wait(60)
        up.stop()


def measure(args: argparse.Namespace, work: Path, ca_pem: Path, up: Upstream) -> int:
    port, metrics = free_port(), free_port()
    # 1. time to ready (fresh HOME: mitmproxy makes its CA)
    first = Proxy(work, port, metrics, ca_pem, up, args.workers, args.spare, args.startup_hold)
    wait_for_port(port, 180)
    listening = time.monotonic() - first.started
    # traffic from the moment the port listens
    load = Load(port, args.clients, args.retry_after).start()
    ready = first.wait_ready()
    # CPU spent until ready: the proxy's (start-up, then refusing the clients) competes with
    # the template's (building the scan engine: the critical path)
    proxy_cpu = cpu_seconds(first.proc.pid)
    template_cpu = sum(
        cpu_seconds(pid) for pid, cmd in child_processes(first.proc.pid) if b"forkserver" in cmd
    )
    refused_before_ready = load.results["refused"]
    deadline = time.monotonic() + 120
    while first_correct_after(load, 0) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    decided = first_correct_after(load, first.started) or 0.0
    print(f"time to listen: {listening:.1f} s; /readyz 200: {ready:.1f} s; first decision "
          f"(a clean prompt forwarded, answered): {decided:.1f} s after start, {decided - listening:.1f} s "
          f"after listening, {args.clients} clients sending from then"
          f"{' and waiting Retry-After' if args.retry_after else ''} (startup hold: "
          f"{'default' if args.startup_hold is None else args.startup_hold}; workers: "
          f"{args.workers}; {loadavg()})")  # fmt: skip
    print(f"CPU until /readyz 200: proxy {proxy_cpu:.1f} s, template {template_cpu:.1f} s; "
          f"{refused_before_ready} requests refused by then")  # fmt: skip

    time.sleep(5 if not args.spare else 20)  # the spare warms up after the pool
    warm = dict(load.results)
    print(f"start-up under {args.clients} clients: {warm}")
    print(f"memory: {memory(first)}")

    # 2. worker crash
    victims = sorted(first.workers())
    if victims:
        killed = time.monotonic()
        os.kill(victims[0], signal.SIGKILL)  # the oldest: a worker of the main pool
        log_before = first.log_text().count("scan workers restarted in")
        outage_seen = False
        while first.log_text().count("scan workers restarted in") == log_before:
            outage_seen = outage_seen or not first.ready()
            if time.monotonic() - killed > 120:
                break
            time.sleep(0.02)
        back = time.monotonic() - killed
        while first_correct_after(load, killed) is None and time.monotonic() - killed < 120:
            time.sleep(0.05)
        decided = first_correct_after(load, killed)
        print(f"worker SIGKILL: pool restarted (log line seen) {back:.2f} s after the kill; "
              f"/readyz 503 {'seen' if outage_seen else 'not seen (polled every 20 ms)'}; "
              f"first clean prompt sent after the kill forwarded: answered "
              f"{decided if decided is None else round(decided, 2)} s after the kill "
              f"({loadavg()})")  # fmt: skip
        time.sleep(3)

    # 3. restart under load: drain, then a new process on the same port
    before = Counter(load.results)
    stopped = time.monotonic()
    first.proc.send_signal(signal.SIGTERM)
    first.proc.wait(120)
    drain = time.monotonic() - stopped
    second = Proxy(work, port, metrics, ca_pem, up, args.workers, args.spare, args.startup_hold)
    second.wait_ready()
    deadline = time.monotonic() + 60
    while first_correct_after(load, second.started) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)
    load.finish()
    during = load.results - before
    refusals = dict(load.refusals)
    print(f"drain (SIGTERM → exit, {args.clients} clients): {drain:.2f} s, exit code "
          f"{first.proc.returncode} ({loadavg()})")  # fmt: skip
    print(
        f"restart under {args.clients} clients: {dict(during)} "
        f"(new process ready {second.wait_ready():.1f} s after start); refusals over the "
        f"whole run, by kind: {refusals}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
