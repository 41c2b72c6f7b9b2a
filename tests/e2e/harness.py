"""End-to-end harness: the real `aidlp run` process, a local upstream and real clients.

Fixtures (see conftest.py):
  pki          test CA (trustme) + upstream certificate covering every test hostname
  upstream     Upstream (tests/e2e/upstream.py): .log records what reached it; .https_port/.http_port
  aidlp_proxy  one shared AidlpProcess with the default config (plus test-only re-routing)
  start_proxy  factory: start_proxy(config_yaml: str | None = None, extra_args=(), env=None,
               confdir_files=None) → a fresh AidlpProcess, stopped at the end of the session

AidlpProcess:
  .url  "http://127.0.0.1:<port>"    .port  .metrics_port  .confdir  .config_path
  .ca_bundle      PEM file trusting both mitmproxy's CA and the test CA (for clients)
  .mitm_ca        mitmproxy's CA certificate only
  .events()       JSON events written so far (stdout), .wait_event(pred, timeout)
  .output()       stdout + stderr text so far
  .stop(signal)   stop it; returns the exit code
  .httpx(http2=False, **kw) an httpx.Client through the proxy that trusts .ca_bundle
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
REROUTE_SCRIPT = Path(__file__).with_name("reroute.py")
LOG_DIR = ROOT / "tests" / "artifacts" / "e2e-logs"

#: Hostnames the test upstream certificate covers (AI tools, DeepSeek, and non-AI sites).
TEST_HOSTNAMES = [
    "api.openai.com",
    "chatgpt.com",
    "*.chatgpt.com",
    "chat.openai.com",
    "*.openai.com",
    "files.oaiusercontent.com",
    "claude.ai",
    "*.claude.ai",
    "api.anthropic.com",
    "generativelanguage.googleapis.com",
    "gemini.google.com",
    "aistudio.google.com",
    "copilot.microsoft.com",
    "sydney.bing.com",
    "www.perplexity.ai",
    "perplexity.ai",
    "api.mistral.ai",
    "api.cohere.com",
    "api.groq.com",
    "openrouter.ai",
    "api.together.xyz",
    "chat.deepseek.com",
    "api.deepseek.com",
    "deepseek.com",
    "dept-ai.openai.azure.com",
    "gateway.ai.cloudflare.com",
    "api2.cursor.sh",
    "api.githubcopilot.com",
    "bedrock-runtime.eu-west-2.amazonaws.com",
    "www.bing.com",
    "duckduckgo.com",
    "substrate.office.com",
    "api.venice.ai",
    "www.notion.so",
    "poe.com",
    "you.com",
    "api.replicate.com",
    "api.portkey.ai",
    "us-central1-aiplatform.googleapis.com",
    "s3.amazonaws.com",
    "ppl-ai-file-upload.s3.us-east-1.amazonaws.com",
    "x.com",
    "translation.googleapis.com",
    "ollama.com",
    "example.com",
    "www.example.com",
    "www.example.org",
    "localhost",
]


_ports_given: set[int] = set()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A loopback port to listen on, free now, and below the system's ephemeral range.

    A port that ``bind(0)`` picked is an ephemeral one: the very range every outgoing
    connection on the machine takes its local port from, so between this call and the
    proxy's bind another process may take it (CI saw a proxy exit on exactly that). Ports
    below the range are taken only by listeners; each is handed out once per test run.
    """
    low, _ = _ephemeral_range()
    candidates = list(range(max(1024, low - 12000), low))
    random.shuffle(candidates)
    for port in candidates:
        if port in _ports_given:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _ports_given.add(port)
        return port
    with socket.socket() as sock:  # the whole range below is taken: the system's choice
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def aidlp_executable() -> str:
    candidate = Path(sys.executable).with_name("aidlp")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("aidlp")
    if not found:
        raise RuntimeError("the `aidlp` console script is not installed (run `uv sync`)")
    return found


def wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.05)
    return False


def child_processes(parent: int) -> list[tuple[int, bytes]]:
    """``(pid, cmdline)`` of each live child of ``parent`` (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent:
            found.append((int(stat.parent.name), cmd))
    return found


class AidlpProcess:
    """A running `aidlp run`, listening on loopback, re-routed to the test upstream."""

    READY_MARKER = "scan workers ready"

    def __init__(
        self,
        workdir: Path,
        test_ca: Path,
        upstream_env: dict[str, str],
        config_yaml: str | None = None,
        extra_args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        name: str = "aidlp",
        confdir_files: dict[str, bytes] | None = None,
        mitmdump: bool = False,
    ) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.metrics_port = free_port()
        self.confdir = workdir / "mitmproxy"
        self.confdir.mkdir(exist_ok=True)
        for filename, content in (confdir_files or {}).items():  # e.g. a CA made by the test
            (self.confdir / filename).write_bytes(content)
        self.config_path: Path | None = None
        if config_yaml is not None:
            self.config_path = workdir / "aidlp.yaml"
            self.config_path.write_text(config_yaml)
        self.stdout_path = workdir / "stdout.log"
        self.stderr_path = workdir / "stderr.log"
        if mitmdump:  # the addon loaded the mitmproxy way, without `aidlp run`
            args = [
                str(Path(aidlp_executable()).with_name("mitmdump")),
                "--listen-host",
                "127.0.0.1",
                "--listen-port",
                str(self.port),
                "-s",
                str(ROOT / "proxy" / "addon.py"),
                "--set",
                f"aidlp_metrics_port={self.metrics_port}",
            ]
            if self.config_path is not None:
                args += ["--set", f"aidlp_config={self.config_path}"]
        else:
            args = [
                aidlp_executable(),
                "run",
                "--listen-port",
                str(self.port),
                "--metrics-port",
                str(self.metrics_port),
            ]
            if self.config_path is not None:
                args += ["--config", str(self.config_path)]
            args.append("--")
        args += [
            "-s",
            str(REROUTE_SCRIPT),
            "--set",
            f"confdir={self.confdir}",
            "--set",
            f"ssl_verify_upstream_trusted_ca={test_ca}",
            *extra_args,
        ]
        self.args = args
        self.connect_log = workdir / "upstream-connects.log"
        full_env = {
            **os.environ,
            **upstream_env,
            "PYTHONUNBUFFERED": "1",
            "AIDLP_TEST_CONNECT_LOG": str(self.connect_log),
            **(env or {}),
        }
        for key in (
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "all_proxy",
        ):
            full_env.pop(key, None)
        self._stdout = self.stdout_path.open("wb")
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(
            args,
            stdout=self._stdout,
            stderr=self._stderr,
            env=full_env,
            cwd=ROOT,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        self.test_ca = test_ca
        self.name = name

    def wait_ready(self, timeout: float = 90.0) -> AidlpProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"aidlp run exited with {self.proc.returncode}:\n{self.output()}"
                )
            if self.READY_MARKER in self.output() and wait_for_port(self.port, 0.5):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"aidlp run not ready after {timeout}s:\n{self.output()}")
        self.mitm_ca = self.confdir / "mitmproxy-ca-cert.pem"
        self.ca_bundle = self.workdir / "ca-bundle.pem"
        self.ca_bundle.write_text(self.mitm_ca.read_text() + self.test_ca.read_text())
        return self

    def upstream_connects(self) -> list[str]:
        """Every upstream address the proxy opened (host:port sni=...), via the test reroute script."""
        return self.connect_log.read_text().splitlines() if self.connect_log.exists() else []

    def output(self) -> str:
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(
            errors="replace"
        )

    def events(self) -> list[dict[str, Any]]:
        out = []
        for line in self.stdout_path.read_text(errors="replace").splitlines():
            line = line.strip()
            if line.startswith("{"):
                with contextlib.suppress(json.JSONDecodeError):
                    out.append(json.loads(line))
        return out

    def wait_event(self, predicate: Any, timeout: float = 10.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events():
                if predicate(event):
                    return event
            time.sleep(0.05)
        return None

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_bundle))

    def httpx(self, http2: bool = False, **kwargs: Any) -> httpx.Client:
        """A client through the proxy. ``http2=True`` offers only h2: httpx lists http/1.1 first
        in ALPN, and mitmproxy honours the client's preference order."""
        return httpx.Client(
            proxy=self.url,
            verify=self.ssl_context(),
            http2=http2,
            http1=not http2,
            timeout=kwargs.pop("timeout", 30.0),
            **kwargs,
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._stdout.close()
        self._stderr.close()
        self._archive()
        return self.proc.returncode

    def _archive(self) -> None:
        """Keep every proxy's output for the log-leak test and for debugging."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        for path in (self.stdout_path, self.stderr_path):
            if path.exists():
                shutil.copy(path, LOG_DIR / f"{self.name}-{self.port}-{path.name}")
