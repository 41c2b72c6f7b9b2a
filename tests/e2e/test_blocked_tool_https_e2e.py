"""Issue 18: a blocked tool (DeepSeek) over HTTPS shows the block page, and is never reached.

Headless Chromium browses to ``https://chat.deepseek.com/`` through `aidlp run`. The proxy
accepts the browser's CONNECT, terminates TLS with a certificate made by its own CA (Chromium
is told to trust that CA's key only, not to ignore certificate errors) and answers with the
block page citing PS6; a blocked tool that can be asked for cites PS5 with the unblock route.

"Never reached" is measured, not assumed: this proxy's upstream re-routing points at a
recording TCP listener that counts every connection the proxy opens, and the re-route
script's log lists every upstream connection attempt. Both must stay empty for blocked
tools, and a control request to an allowed tool shows the listener does see connections.
Non-browser clients (curl) keep the 403 refusal at CONNECT.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import threading
import time

import pytest
from mitmproxy.proxy.layers.tls import parse_client_hello

from tests.e2e.cdp import Browser
from tests.e2e.conftest import require_tool
from tests.e2e.test_block_page_e2e import (
    assert_accessible,
    assert_perceivable,
    click_selects,
    page_facts,
)

pytestmark = pytest.mark.e2e

UNBLOCK_URL = "https://service.example/ask-for-an-ai-tool"
REPORT_URL = "https://sirf.example.gov.uk/report"
#: Hosts headless Chromium itself calls (through the proxy, passed through: not AI tools).
BROWSER_BACKGROUND = (".google.com", ".googleapis.com", ".gstatic.com")
BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"

CONFIG = f"""
workers:
  processes: 1
catalogue:
  extra_tools:
    - id: blocked_chat
      name: A blocked online chat tool
      status: blocked
      hosts: [chat.blocked-tool.test]
policy:
  guidance:
    unblock_request_url: {UNBLOCK_URL}
    incident_report_url: {REPORT_URL}
"""


def first_name(data: bytes) -> str | None:
    """The host a connection's first bytes name: a ClientHello's SNI or an HTTP Host."""
    if data[:1] == b"\x16":
        try:
            hello = parse_client_hello(data)
        except ValueError:
            return None
        return hello.sni if hello else None
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "host":
            return value.strip().rsplit(":", 1)[0]
    return None


class ConnectionRecorder:
    """A loopback TCP listener that records every connection made to it, with the host its
    first bytes name (passed-through TLS keeps the client's SNI), then closes it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[str | None] = []  # the host each connection named, in order
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        data, name = b"", None
        conn.settimeout(2)
        with contextlib.suppress(OSError), conn:
            while len(data) < 65536 and name is None:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
                name = first_name(data)
        self.accepted.append(name)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def recorder():
    listener = ConnectionRecorder()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def page_proxy(start_proxy, recorder):
    """A proxy whose every upstream connection would land on the recording listener."""
    port = str(recorder.port)
    return start_proxy(
        CONFIG,
        env_extra={"AIDLP_TEST_UPSTREAM_HTTPS": port, "AIDLP_TEST_UPSTREAM_HTTP": port},
        name="tlspage",
    )


@contextlib.contextmanager
def nothing_connected(proxy, recorder):
    """No upstream connection opened (or attempted) while the block runs."""
    accepted, attempts = len(recorder.accepted), len(proxy.upstream_connects())
    yield
    time.sleep(2.5)  # anything in flight would have arrived (and been read) by now
    # Chromium's own background requests (Google update and account hosts) are not AI tools:
    # passed through, they reach the listener naming their host. Nothing else may arrive.
    arrived = recorder.accepted[accepted:]
    assert all(name and name.endswith(BROWSER_BACKGROUND) for name in arrived), arrived
    tried = proxy.upstream_connects()[attempts:]
    assert all(line.split(":")[0].endswith(BROWSER_BACKGROUND) for line in tried), tried


def curl(proxy, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("curl"), "-sS", "-x", proxy.url, "--max-time", "20", *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def visible_text(facts) -> str:
    return " ".join(" ".join(facts.text).split())


def test_deepseek_over_https_shows_the_block_page_in_chromium(page_proxy, recorder, tmp_path):
    with nothing_connected(page_proxy, recorder):
        with Browser(page_proxy.url, tmp_path / "profile", trust_ca=page_proxy.mitm_ca) as browser:
            page = browser.open(
                "https://chat.deepseek.com/", until="document.title.includes('Request blocked')"
            )
            assert page.evaluate("location.href") == "https://chat.deepseek.com/"
            facts = page_facts(page)
            assert re.fullmatch(r"AIDLP-[0-9A-F]{12}", facts.incident), facts.incident
            text = visible_text(facts)
            assert "This AI tool is blocked" in text and "DeepSeek must not be accessed" in text
            assert "PS6" in text and "PS5" not in text  # DeepSeek cannot be asked for
            assert "Digital Design Authority (DDA)" in text
            names = {
                node.get("name", {}).get("value", "")
                for node in page.ax_tree()
                if node.get("role", {}).get("value") == "heading"
            }
            assert "This AI tool is blocked" in names, names
            links = {
                node.get("name", {}).get("value", "")
                for node in page.ax_tree()
                if node.get("role", {}).get("value") == "link"
            }
            assert "Report this incident" in links, links  # the reporting URL is configured
            href = page.evaluate("document.getElementById('report-link').href")
            assert href == REPORT_URL
            assert click_selects(page, "#incident-id") == facts.incident  # copyable
            assert_accessible(facts)
            assert_perceivable(page, "blocked-tool-https-page.png")
        event = page_proxy.wait_event(lambda e: e.get("incident_id") == facts.incident)
        assert event is not None
        assert event["event"] == "ai.tool.blocked" and event["tool"] == "deepseek"
        assert event["host"] == "chat.deepseek.com" and event["policy_clauses"] == ["PS6"]
        assert event["method"] == "GET"


def test_a_blocked_tool_that_can_be_asked_for_cites_ps5_with_the_route(
    page_proxy, recorder, tmp_path
):
    with nothing_connected(page_proxy, recorder):
        with Browser(page_proxy.url, tmp_path / "profile", trust_ca=page_proxy.mitm_ca) as browser:
            page = browser.open(
                "https://chat.blocked-tool.test/some/page?q=1",
                until="document.title.includes('Request blocked')",
            )
            text = visible_text(page_facts(page))
        assert "This AI tool is blocked" in text and "PS5" in text and "PS6" not in text
        assert f"ask for it to be unblocked: {UNBLOCK_URL}" in text


def test_non_browser_clients_are_refused_at_connect(page_proxy, recorder):
    with nothing_connected(page_proxy, recorder):
        result = curl(
            page_proxy, "-v", "--cacert", str(page_proxy.mitm_ca), "https://chat.deepseek.com/"
        )
        assert result.returncode != 0
        assert "CONNECT tunnel failed, response 403" in result.stderr
        assert page_proxy.wait_event(
            lambda e: (
                e.get("event") == "ai.tool.blocked"
                and e.get("method") == "CONNECT"
                and e.get("tool") == "deepseek"
            )
        )


def test_a_browser_connect_gets_tls_from_the_proxy_ca_for_the_blocked_name(page_proxy, recorder):
    """The page tunnel's certificate verifies against the proxy's CA alone, for the name asked."""
    with nothing_connected(page_proxy, recorder):
        result = curl(
            page_proxy,
            "--proxy-header", f"User-Agent: {BROWSER_AGENT}",
            "--cacert", str(page_proxy.mitm_ca),
            "-H", "Accept: text/html",
            "-w", "\n%{http_code} %{ssl_verify_result}",
            "https://api.deepseek.com/v1/chat/completions",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        page, status = result.stdout.rsplit("\n", 1)
        assert status == "403 0"  # verified TLS (0), then the block page
        assert "This AI tool is blocked" in page and "PS6" in page


def test_a_browser_that_does_not_trust_the_proxy_ca_is_still_recorded(page_proxy, recorder):
    with nothing_connected(page_proxy, recorder):
        result = curl(
            page_proxy,
            "--proxy-header", f"User-Agent: {BROWSER_AGENT}",
            "--cacert", str(page_proxy.test_ca),  # not the proxy's CA: the handshake fails
            "https://deepseek.com/",
        )  # fmt: skip
        assert result.returncode != 0
        assert page_proxy.wait_event(
            lambda e: (
                e.get("event") == "ai.tool.blocked"
                and e.get("stage") == "connect"
                and e.get("host") == "deepseek.com"
            )
        )


def test_the_recorder_sees_connections_the_proxy_does_open(page_proxy, recorder):
    """Control: an allowed AI tool is connected to, and the listener records it."""
    before = len(recorder.accepted)
    curl(page_proxy, "--cacert", str(page_proxy.mitm_ca), "https://api.openai.com/v1/models")
    deadline = time.monotonic() + 5
    while len(recorder.accepted) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "api.openai.com" in recorder.accepted[before:]
    assert any(line.startswith("api.openai.com:443") for line in page_proxy.upstream_connects())


def test_proxy_authentication_still_comes_first(start_proxy, recorder):
    """With proxy authentication on, a browser's CONNECT without credentials gets 407, not a
    page tunnel (the browser then asks for them); with them, the page. The attempt is
    recorded either way."""
    port = str(recorder.port)
    proxy = start_proxy(
        CONFIG,
        extra_args=("--set", "proxyauth=alice:wonderland-pw"),
        env_extra={"AIDLP_TEST_UPSTREAM_HTTPS": port, "AIDLP_TEST_UPSTREAM_HTTP": port},
        name="tlspage-auth",
    )
    with nothing_connected(proxy, recorder):
        common = ("--proxy-header", f"User-Agent: {BROWSER_AGENT}",
                  "--cacert", str(proxy.mitm_ca), "-H", "Accept: text/html")  # fmt: skip
        refused = curl(proxy, "-v", *common, "https://chat.deepseek.com/")
        assert refused.returncode != 0
        assert "CONNECT tunnel failed, response 407" in refused.stderr
        shown = curl(
            proxy, *common, "--proxy-user", "alice:wonderland-pw",
            "-w", "\n%{http_code}", "https://chat.deepseek.com/",
        )  # fmt: skip
        page, status = shown.stdout.rsplit("\n", 1)
        assert status == "403" and "This AI tool is blocked" in page
    attempts = [e for e in proxy.events() if e.get("event") == "ai.tool.blocked"]
    assert [e["method"] for e in attempts] == ["CONNECT", "GET"]
    assert attempts[0]["user"] == "127.0.0.1" and attempts[1]["user"] == "alice"
