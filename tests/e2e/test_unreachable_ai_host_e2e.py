"""An AI host that cannot be reached still gets aidlp's decision (proxy/addons/deferred_connect.py).

mitmproxy's eager strategy connects upstream while answering a CONNECT. On a device whose
AI host does not resolve or answer (offline, split DNS, blocked further upstream), the
README's own quick-start curl then got ``502`` for the CONNECT, not the 403 it documents.
Here the test upstream's HTTPS port is a closed port: every upstream connect is refused.

- the README's curl command (NINO) gets aidlp's 403 JSON and an event, over HTTP/1.1 and
  HTTP/2, and nothing is connected for it beyond the TLS layer's attempt;
- an allowed prompt gets mitmproxy's 502 for the request (the tunnel was accepted), and an
  HTTP/2 client still gets HTTP/2 (ALPN is still chosen at the ClientHello);
- a CONNECT to a non-AI host is left to mitmproxy: 502 for the CONNECT, as before.
"""

from __future__ import annotations

import json
import socket
import subprocess

import httpx
import pytest

from tests.e2e.conftest import require_tool

pytestmark = pytest.mark.e2e

NINO_PROMPT = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "NI number AB 12 34 56 C"}],
}
CLEAN_PROMPT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "a haiku?"}]}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed on exit: connects are refused


@pytest.fixture(scope="module")
def offline_proxy(start_proxy):
    return start_proxy(
        env_extra={"AIDLP_TEST_UPSTREAM_HTTPS": str(_closed_port())}, name="unreachable-ai"
    )


def _curl(proxy, version: str, prompt: dict) -> tuple[str, str, str]:
    """The README's quick-start curl: (status code, HTTP version, body)."""
    exe = require_tool("curl")
    done = subprocess.run(
        [
            exe, "-sS", "--max-time", "30", version, "-x", proxy.url,
            "--cacert", str(proxy.mitm_ca),
            "https://api.openai.com/v1/chat/completions",
            "-H", "content-type: application/json",
            "-d", json.dumps(prompt),
            "-w", "\n%{http_code} %{http_version}",
        ],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    code, http_version = status.split()
    return code, http_version, body


@pytest.mark.parametrize("version", ["--http1.1", "--http2"])
def test_readme_curl_gets_the_403_when_the_ai_host_is_unreachable(offline_proxy, version):
    before = len(offline_proxy.events())
    code, http_version, body = _curl(offline_proxy, version, NINO_PROMPT)
    assert code == "403", body
    assert http_version == ("2" if version == "--http2" else "1.1")
    assert json.loads(body)["error"]["code"] == "aidlp_blocked"
    event = offline_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("tool") == "openai"
    )
    assert event is not None and len(offline_proxy.events()) > before
    assert [f["entity_type"] for f in event["findings"]] == ["UK_NINO"]


def test_allowed_prompt_gets_502_for_the_request_over_http2(offline_proxy):
    code, http_version, _ = _curl(offline_proxy, "--http2", CLEAN_PROMPT)
    assert (code, http_version) == ("502", "2")  # the tunnel opened; ALPN came from the hello


def test_non_ai_connect_is_left_to_mitmproxy(offline_proxy):
    with offline_proxy.httpx() as client, pytest.raises(httpx.ProxyError) as refused:
        client.get("https://www.example.com/")
    assert "502" in str(refused.value)
