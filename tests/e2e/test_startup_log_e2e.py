"""Issue 18: the start-up log of the real `aidlp run`, as an operator and a log shipper see it.

With `events.stdout` on (the default), stdout holds the JSON events alone: every line parses
as JSON. mitmproxy's text log goes to stderr, every line date-stamped, and names the real
metrics address (the log scrubber used to mask it as 127.0.0.*).
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

pytestmark = pytest.mark.e2e

STAMP = re.compile(r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\]")
CHAT_URL = "https://api.openai.com/v1/chat/completions"


def chat(text: str) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def test_stdout_is_json_events_alone_and_the_text_log_is_dated_on_stderr(start_proxy):
    proxy = start_proxy(name="startlog")
    with proxy.httpx() as client:
        assert client.post(CHAT_URL, json=chat("Summarise the Highway Code")).status_code == 200
        blocked = client.post(CHAT_URL, json=chat("Claimant NINO AB 12 34 56 C"))
        assert blocked.status_code == 403
        with pytest.raises(httpx.ProxyError):
            client.get("https://chat.deepseek.com/")  # a mitmproxy log line and an event
    incident = blocked.headers["X-AIDLP-Incident"]
    assert proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert proxy.stop() == 0

    stdout = proxy.stdout_path.read_text().splitlines()
    events = [json.loads(line) for line in stdout if line.strip()]  # every line is JSON
    assert {e["event"] for e in events} >= {
        "ai.request.allowed",
        "ai.request.blocked",
        "ai.tool.blocked",
    }

    stderr = [line for line in proxy.stderr_path.read_text().splitlines() if line.strip()]
    assert stderr, "mitmproxy's text log went nowhere"
    stamped = [line for line in stderr if STAMP.match(line)]
    # every log record is stamped (a traceback's continuation lines would not be; none here)
    assert stamped == stderr, [line for line in stderr if not STAMP.match(line)][:5]
    assert any("Loading script" in line for line in stderr)  # even mitmproxy's first lines
    assert any("proxy listening at" in line for line in stderr)
    metrics = f"aidlp: metrics on http://127.0.0.1:{proxy.metrics_port}/metrics"
    assert any(line.endswith(metrics) for line in stderr), [
        line for line in stderr if "metrics on" in line
    ]
    assert "Traceback" not in "\n".join(stderr)
