"""Test-only: drive headless Debian Chromium over the DevTools protocol (CDP).

The block-page tests ask the browser what a user perceives: the DOM as rendered, the
accessibility tree (roles and accessible names), computed styles, and an axe-core audit run
inside the page. None of it depends on fonts or on the Chromium build, unlike pixels.

    with Browser(proxy_url, profile_dir) as browser:
        page = browser.open(url, until="document.title.includes('blocked')")
        page.evaluate("document.title")
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from tests.e2e.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "tests" / "e2e" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"

VIEWPORT = (1024, 1400)


def axe_source() -> str:
    """axe-core's script, installed from tests/e2e/a11y/package-lock.json by `npm ci`
    (.ci/run does it). Missing: skipped, or a failure under AIDLP_E2E_STRICT=1."""
    if not AXE_JS.exists():
        reason = "axe-core is not installed: npm ci --prefix tests/e2e/a11y"
        if os.environ.get("AIDLP_E2E_STRICT") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE_JS.read_text()


class CdpError(RuntimeError):
    pass


class Page:
    """One page target, spoken to over its own DevTools websocket."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    def send(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CdpError(f"{method}: no answer in {timeout}s")
            message = json.loads(self.ws.recv(timeout=remaining))
            if message.get("id") != msg_id:
                continue  # an event
            if "error" in message:
                raise CdpError(f"{method}: {message['error']}")
            return message.get("result", {})

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        result = self.send(
            "Runtime.evaluate",
            timeout=timeout,
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            raise CdpError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.evaluate(f"document.readyState === 'complete' && ({condition})"):
                    return
            except CdpError:
                pass  # navigating: the context went away mid-call
            time.sleep(0.1)
        raise CdpError(f"page never satisfied {condition!r}: {self.evaluate('location.href')}")

    def ax_tree(self) -> list[dict[str, Any]]:
        self.send("Accessibility.enable")
        return self.send("Accessibility.getFullAXTree")["nodes"]

    def axe(self) -> dict[str, Any]:
        """Run axe-core (WCAG 2.x A/AA and best-practice rules) in the page."""
        self.evaluate(axe_source())
        return self.evaluate(
            "axe.run(document, {resultTypes: ['violations', 'passes'], "
            "runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', "
            "'best-practice']}}).then(r => ({violations: r.violations.map(v => ({id: v.id, "
            "impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})), "
            "passes: r.passes.map(p => p.id)}))",
            timeout=60,
        )

    def screenshot(self, path: Path) -> bytes:
        import base64

        data = base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return data


def spki_hash(ca_pem: Path) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)) of a CA certificate, for Chromium's
    ``--ignore-certificate-errors-spki-list`` (trust chains through that key only)."""
    import base64
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


class Browser:
    """Headless Chromium through the proxy, with remote debugging on a loopback port.

    ``trust_ca``: accept only certificates chained to that CA (the proxy's own), instead of
    ignoring every certificate error."""

    def __init__(self, proxy_url: str, profile: Path, trust_ca: Path | None = None) -> None:
        self.proxy_url = proxy_url
        self.profile = profile
        self.trust_ca = trust_ca
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._sockets = contextlib.ExitStack()

    def __enter__(self) -> Browser:
        exe = require_tool("chromium")
        self.profile.mkdir(parents=True, exist_ok=True)
        args = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-default-apps", "--hide-scrollbars", "--force-device-scale-factor=1",
            f"--user-data-dir={self.profile}", f"--proxy-server={self.proxy_url}",
            "--proxy-bypass-list=<-loopback>",
            f"--ignore-certificate-errors-spki-list={spki_hash(self.trust_ca)}"
            if self.trust_ca else "--ignore-certificate-errors",
            f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", "about:blank",
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        active = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if active.exists() and len(active.read_text().splitlines()) >= 2:
                self.port = int(active.read_text().splitlines()[0])
                break
            if self.proc.poll() is not None:
                raise CdpError(f"chromium exited with {self.proc.returncode}")
            time.sleep(0.1)
        else:
            raise CdpError("chromium did not open its DevTools port")
        return self

    def __exit__(self, *exc: object) -> None:
        self._sockets.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def open(self, url: str, until: str, timeout: float = 60.0) -> Page:
        """A new tab at ``url``, once the JavaScript condition ``until`` holds."""
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/json/new?about:blank", method="PUT"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # loopback only
            target = json.loads(answer.read())
        ws = connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        page = Page(self._sockets.enter_context(ws))
        page.send("Page.enable")
        # Lets DevTools inject axe-core under the block page's strict CSP (rendering unchanged).
        page.send("Page.setBypassCSP", enabled=True)
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=VIEWPORT[0],
            height=VIEWPORT[1],
            deviceScaleFactor=1,
            mobile=False,
        )
        page.send("Page.navigate", url=url)
        page.wait_for(until, timeout)
        return page
