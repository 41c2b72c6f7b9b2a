"""Issue 2: the proxy runs end to end, intercepts AI tools only, and refuses DeepSeek."""

from __future__ import annotations

import json
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from tests.e2e.conftest import require_tool
from tests.e2e.harness import ROOT, free_port, wait_for_port

pytestmark = pytest.mark.e2e


def curl(proxy, *args: str) -> subprocess.CompletedProcess[str]:
    exe = require_tool("curl")
    return subprocess.run(
        [exe, "-sS", "--max-time", "20", "-x", proxy.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


# ---- (a) non-AI traffic: never decrypted, never altered ------------------------------------


def test_non_ai_https_passes_through_with_upstreams_own_certificate(aidlp_proxy, pki, upstream_log):
    body = '{"note": "QQ 12 34 56 C is not scanned here"}'
    ok = curl(
        aidlp_proxy,
        "--cacert",
        str(pki.ca_pem),
        "-v",
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        body,
        "https://www.example.com/submit?x=1",
    )
    assert ok.returncode == 0, ok.stderr
    # The certificate curl verified is the upstream's (test CA), not mitmproxy's.
    assert "issuer: O=trustme" in ok.stderr or "trustme" in ok.stderr
    assert "mitmproxy" not in ok.stderr.split("SSL certificate verify ok")[0].lower()
    # Trusting only mitmproxy's CA fails: nothing was intercepted.
    intercepted = curl(
        aidlp_proxy, "--cacert", str(aidlp_proxy.mitm_ca), "https://www.example.com/"
    )
    assert intercepted.returncode != 0
    seen = upstream_log.wait_for(lambda r: r.path == "/submit?x=1")
    assert seen is not None and seen.body == body.encode()
    assert seen.headers["content-type"] == "application/json"
    # No aidlp event for non-AI traffic.
    assert not [e for e in aidlp_proxy.events() if e.get("host") == "www.example.com"]


def test_non_ai_http2_passthrough_is_unaltered(aidlp_proxy, pki, upstream_log):
    payload = b"\x00\x01binary payload, untouched \xff"
    verify = ssl.create_default_context(cafile=str(pki.ca_pem))
    with httpx.Client(proxy=aidlp_proxy.url, verify=verify, http2=True, http1=False) as client:
        response = client.post(
            "https://www.example.org/upload", content=payload, headers={"X-Custom": "kept"}
        )
    assert response.status_code == 200
    assert response.http_version == "HTTP/2"
    seen = upstream_log.wait_for(lambda r: r.path == "/upload")
    assert seen is not None
    assert seen.body == payload and seen.headers["x-custom"] == "kept"
    assert seen.http_version == "2"


# ---- (b) AI-tool traffic: intercepted, forwarded unchanged when clean -----------------------


def test_ai_tool_traffic_is_intercepted(aidlp_proxy, pki):
    # Trusting only the upstream's CA fails: the proxy presents its own certificate.
    direct_trust = curl(
        aidlp_proxy, "--cacert", str(pki.ca_pem), "https://api.openai.com/v1/models"
    )
    assert direct_trust.returncode != 0
    via_mitm = curl(
        aidlp_proxy, "--cacert", str(aidlp_proxy.mitm_ca), "https://api.openai.com/v1/models"
    )
    assert via_mitm.returncode == 0, via_mitm.stderr


def test_clean_prompt_reaches_upstream_unchanged_http2(aidlp_proxy, upstream_log):
    body = json.dumps(
        {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Summarise the Highway Code in 3 bullets"}],
        }
    )
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            content=body,
            headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test"},
        )
    assert response.status_code == 200, response.text
    assert response.http_version == "HTTP/2"
    seen = upstream_log.wait_for(lambda r: r.path == "/v1/chat/completions")
    assert seen is not None
    assert seen.body == body.encode()
    assert seen.headers["authorization"] == "Bearer sk-test"
    event = aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.allowed" and e["tool"] == "openai"
    )
    assert event is not None and event["decision"] == "allow"


def test_openai_sdk_through_proxy(aidlp_proxy, upstream_log):
    http_client = httpx.Client(proxy=aidlp_proxy.url, verify=aidlp_proxy.ssl_context())
    client = openai.OpenAI(
        api_key="sk-test", base_url="https://api.openai.com/v1", http_client=http_client
    )
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "What is the capital of Wales?"}]
    )
    assert reply.choices[0].message.content == "upstream says hello"
    assert upstream_log.wait_for(lambda r: r.path == "/v1/chat/completions") is not None


def test_ai_prompt_with_nino_is_blocked_with_openai_shape(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions",
            json={
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": "Claimant NINO AB 12 34 56 C"}],
            },
        )
    assert response.status_code == 403
    assert response.headers["X-AIDLP-Decision"] == "block"
    incident = response.headers["X-AIDLP-Incident"]
    error = response.json()["error"]
    assert error["type"] == "policy_violation" and error["code"] == "aidlp_blocked"
    assert incident in error["message"] and "AB 12" not in error["message"]
    time.sleep(0.3)
    assert upstream_log.wait_for(lambda r: r.path == "/v1/chat/completions", timeout=0.5) is None


# ---- (c) DeepSeek is refused --------------------------------------------------------------


def test_deepseek_connect_is_refused_with_403(aidlp_proxy, upstream_log):
    result = curl(
        aidlp_proxy, "-v", "--cacert", str(aidlp_proxy.ca_bundle), "https://chat.deepseek.com/"
    )
    assert result.returncode != 0
    assert "CONNECT tunnel failed, response 403" in result.stderr
    assert upstream_log.wait_for(lambda r: "deepseek" in r.host, timeout=0.5) is None
    assert not [c for c in aidlp_proxy.upstream_connects() if "deepseek" in c]
    event = aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("method") == "CONNECT"
    )
    assert event is not None and event["policy_clauses"] == ["PS6"] and event["tool"] == "deepseek"


def test_deepseek_plain_http_gets_403_page_citing_ps6(aidlp_proxy, upstream_log):
    result = curl(
        aidlp_proxy, "-H", "Accept: text/html", "-w", "\n%{http_code}", "http://api.deepseek.com/"
    )
    page, status = result.stdout.rsplit("\n", 1)
    assert status == "403"
    assert "PS6" in page and "<html" in page.lower()
    assert upstream_log.wait_for(lambda r: "deepseek" in r.host, timeout=0.5) is None
    assert not [c for c in aidlp_proxy.upstream_connects() if "deepseek" in c]


@pytest.mark.parametrize(
    "host,model",
    [
        ("openrouter.ai", "deepseek/deepseek-chat"),
        ("api.together.xyz", "deepseek-ai/DeepSeek-V3"),
        ("api.groq.com", "DeepSeek-R1-Distill-Llama-70B"),
    ],
)
def test_deepseek_model_through_aggregator_is_refused(aidlp_proxy, upstream_log, host, model):
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            f"https://{host}/api/v1/chat/completions",
            json={"model": model, "messages": [{"role": "user", "content": "hello"}]},
        )
    assert response.status_code == 403
    assert "PS6" in response.text
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    # A non-DeepSeek model through the same aggregator is fine.
    with aidlp_proxy.httpx() as client:
        ok = client.post(
            f"https://{host}/api/v1/chat/completions",
            json={
                "model": "mistralai/mistral-small",
                "messages": [{"role": "user", "content": "hi"}],
            },
        )
    assert ok.status_code == 200


def _tls_handshake(port: int, sni: str, cafile: Path) -> str:
    """Attempt TLS to the proxy with ``sni``: 'ok', or the error text."""
    context = ssl.create_default_context(cafile=str(cafile))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=sni) as tls,
        ):
            return "ok" if tls.version() else "no-tls"
    except (ssl.SSLError, OSError) as exc:
        return f"error: {exc}"


def test_deepseek_refused_by_sni_in_non_connect_mode(start_proxy, upstream_log):
    """Reverse mode (no CONNECT; like transparent): the decision is taken on the ClientHello SNI."""
    reverse_port = free_port()
    proxy = start_proxy(
        extra_args=(
            "--mode",
            "regular",
            "--mode",
            f"reverse:https://www.example.com@{reverse_port}",
        ),
        name="reverse",
    )
    assert wait_for_port(reverse_port, 10)
    refused = _tls_handshake(reverse_port, "chat.deepseek.com", proxy.ca_bundle)
    assert refused.startswith("error"), refused
    assert proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("stage") == "sni"
    )
    # Control: an AI-tool SNI completes the handshake with the proxy's certificate.
    assert _tls_handshake(reverse_port, "api.openai.com", proxy.ca_bundle) == "ok"
    assert upstream_log.wait_for(lambda r: "deepseek" in r.host, timeout=0.5) is None
    assert not [c for c in proxy.upstream_connects() if "deepseek" in c]


# ---- process behaviour -------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly_on_signal(start_proxy, sig):
    proxy = start_proxy(name=f"sig{int(sig)}")
    pid = proxy.proc.pid
    assert proxy.stop(sig) == 0, proxy.output()
    time.sleep(0.5)
    listing = subprocess.run(
        ["ps", "-o", "pid=,stat=,args=", "-s", str(pid)], capture_output=True, text=True
    ).stdout.splitlines()
    # Exited-but-unreaped (zombie) children are gone already; anything else is a leftover.
    leftovers = [line for line in listing if line.split()[1][0] != "Z"]
    assert leftovers == [], f"processes left behind: {leftovers}"
    assert "Traceback" not in proxy.output()


def test_mitmdump_loads_addon_script_directly(tmp_path, pki, upstream):
    port = free_port()
    mitmdump = Path(sys.executable).with_name("mitmdump")
    proc = subprocess.Popen(
        [
            str(mitmdump),
            "--listen-host",
            "127.0.0.1",
            "--listen-port",
            str(port),
            "-s",
            str(ROOT / "proxy" / "addon.py"),
            "--set",
            f"confdir={tmp_path}",
            "--set",
            "aidlp_config=" + str(_one_worker_config(tmp_path)),
            # Port 0: the system's choice. Not the default 9464 (another proxy on the machine
            # may hold it), nor a port free_port() saw free: another process may take it
            # before mitmdump binds, and mitmdump exits on the error that logs (CI saw it).
            "--set",
            "aidlp_metrics_port=0",
        ],
        stdout=(tmp_path / "mitmdump.log").open("wb"),  # not a pipe: unread, it fills and blocks
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,
    )
    log = tmp_path / "mitmdump.log"
    try:
        assert wait_for_port(port, 30), log.read_text(errors="replace")
        result = subprocess.run(
            [
                require_tool("curl"),
                "-sS",
                "-x",
                f"http://127.0.0.1:{port}",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "http://chat.deepseek.com/",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.stdout == "403", log.read_text(errors="replace")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log.read_text(errors="replace")


def _one_worker_config(tmp_path: Path) -> Path:
    path = tmp_path / "one-worker.yaml"
    path.write_text("workers:\n  processes: 1\n")
    return path


def test_run_with_bad_config_exits_nonzero_naming_field_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("policy:\n  mode: enforcing\n")
    result = subprocess.run(
        [str(Path(sys.executable).with_name("aidlp")), "run", "--config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "policy.mode" in result.stderr and "line 2" in result.stderr
