"""No raw value, prompt fragment or token in any log line: scan every proxy's output with the
detectors themselves.

Runs last in the session (tests/e2e/conftest.py orders it), after every other e2e test has
driven its proxies with NINOs, tokens and prompts. It first provokes the likely leak paths
itself (a blocked prompt, a token and a NINO in headers and the query string, a malformed
request line carrying a NINO, an unparseable body), then scans the stdout and stderr of every
`aidlp run` started in this session (and the event files the tests configured) with
:class:`detectors.engine.ScanEngine`, and asserts that nothing is found.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from pathlib import Path

import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings
from proxy.events.schema import (
    APPROVAL_EXPIRING,
    APPROVAL_EXPIRY_FIELDS,
    DECISION_FIELDS,
    RELOAD_FIELDS,
)

pytestmark = pytest.mark.e2e

NINO = "JH 45 71 23 D"
NINO_COMPACT = NINO.replace(" ", "")
TOKEN = "sk-e2eLeakCanary0123456789abcdefABCDEF"
CHAT_URL = "https://api.openai.com/v1/chat/completions"
LOG_NAMES = ("stdout.log", "stderr.log")
CHUNK_LINES = 200


def session_logs(base: Path) -> list[Path]:
    files = [p for name in LOG_NAMES for p in base.rglob(name)]
    files += [p for p in base.rglob("events.jsonl*") if p.is_file()]
    return sorted(set(files))


def provoke(proxy) -> None:
    """Requests whose content could end up in a log line if anything logged it."""
    with proxy.httpx() as client:
        blocked = client.post(
            CHAT_URL + f"?user={NINO_COMPACT}",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": NINO}]},
            headers={"Authorization": f"Bearer {TOKEN}", "X-Case-Ref": NINO_COMPACT},
        )
        assert blocked.status_code == 403
        unparseable = client.post(
            CHAT_URL,
            content=b'{"messages": [{"content": "' + NINO.encode() + b'"',  # truncated JSON
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        )
        assert unparseable.status_code == 403
    # A malformed request line straight to the proxy port: mitmproxy's error path.
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(f"GET /people/{NINO_COMPACT}?token={TOKEN} HTTP/9.9 x\r\n\r\n".encode())
        sock.settimeout(10)
        with contextlib.suppress(OSError):
            sock.recv(4096)
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as sock:
        sock.sendall(
            f"POST http://api.openai.com/v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
            f"Content-Length: nan-{NINO_COMPACT}\r\n\r\n".encode()
        )
        sock.settimeout(10)
        with contextlib.suppress(OSError):
            sock.recv(4096)


def test_no_sensitive_value_in_any_log_line(aidlp_proxy, tmp_path_factory):
    engine = ScanEngine(DetectorSettings())
    # Positive control: the detectors do find the planted values in log-shaped text.
    control = engine.scan(f'[12:00:00.000] {{"x": "GET /people/{NINO_COMPACT}"}} {NINO}\n')
    assert control.findings, "the detectors did not find the canary: the scan proves nothing"

    provoke(aidlp_proxy)
    time.sleep(1.0)  # let the proxy's sinks and mitmproxy's log flush

    files = session_logs(tmp_path_factory.getbasetemp())
    assert any(p.name == "stdout.log" for p in files), "no proxy output found to scan"
    assert aidlp_proxy.stdout_path in files
    scanned_lines = 0
    leaks: list[str] = []
    for path in files:
        lines = path.read_text(errors="replace").splitlines()
        scanned_lines += len(lines)
        for start in range(0, len(lines), CHUNK_LINES):
            chunk = lines[start : start + CHUNK_LINES]
            text = "\n".join(chunk)
            result = engine.scan(text)
            for finding in result.findings:
                line_no = start + text.count("\n", 0, finding.start) + 1
                # Report where and what kind, never the value itself.
                leaks.append(
                    f"{path.parent.name}/{path.name}:{line_no} {finding.category} "
                    f"{finding.entity_type} ({finding.detector})"
                )
    assert scanned_lines > 0
    assert not leaks, "sensitive values in proxy logs:\n" + "\n".join(leaks)


def test_every_logged_event_has_only_schema_fields(aidlp_proxy, tmp_path_factory):
    allowed = set(DECISION_FIELDS) | set(RELOAD_FIELDS)
    seen = 0
    for path in session_logs(tmp_path_factory.getbasetemp()):
        for line in path.read_text(errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            event = json.loads(line)
            seen += 1
            # an approval's expiry warning has its own schema (the e2e suite issues approvals
            # that expire soon); every other event is a decision or a reload
            fields = (
                set(APPROVAL_EXPIRY_FIELDS) if event.get("event") == APPROVAL_EXPIRING else allowed
            )
            assert set(event) <= fields, (path.name, sorted(set(event) - fields))
            assert NINO_COMPACT not in line.replace(" ", "") and TOKEN not in line
    assert seen > 0
