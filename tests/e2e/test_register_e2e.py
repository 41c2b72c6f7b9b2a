"""Issue 19 end to end: the usage register fed by the real `aidlp run`, asked by `aidlp report`.

Two users (mitmproxy proxyauth) send clean prompts, prompts with a NINO in two formats, an
approved request (token from `aidlp approval keygen`'s key), websocket messages (one clean,
one with an NHS number) and a DeepSeek connection. The register (SQLite, written by its sink)
must count them right in `report usage` and `report user`; `report subject` must find the
NINO's events by its keyed hash and nothing for another NINO; the database file must hold no
raw value; `register import` of the rotating event file must rebuild the same register,
idempotently. The HTML usage report is rendered by headless Chromium (DOM checked, screenshot
kept in tests/artifacts/).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

from proxy.approvals import issue_token, load_private_key
from tests.e2e.conftest import require_tool
from tests.e2e.harness import ROOT, aidlp_executable

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "tests" / "artifacts"
NINO_SPACED = "JG 10 37 29 A"
NINO_PLAIN = "JG103729A"
OTHER_NINO = "JK 48 29 17 C"
NHS = "943 476 5919"
OPENAI = "https://api.openai.com/v1/chat/completions"
ANTHROPIC = "https://api.anthropic.com/v1/messages"
COPILOT_WS = "wss://copilot.microsoft.com/c/api/chat?api-version=2"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [aidlp_executable(), *args], capture_output=True, text=True, timeout=120, check=False
    )


class Setup:
    def __init__(self, base: Path) -> None:
        keys = base / "keys"
        done = cli("approval", "keygen", "--out", str(keys), "--name", "dpo")
        assert done.returncode == 0, done.stderr
        self.board_key = load_private_key(keys / "dpo.key")
        done = cli("evidence", "keygen", "--out", str(base / "team"), "--name", "security")
        assert done.returncode == 0, done.stderr
        self.team_key = base / "team" / "security.key"
        self.subject_key = base / "dpo-subject.key"
        self.subject_key.write_text(secrets.token_hex(32))
        self.register_dir = base / "register"
        self.events_file = base / "events.jsonl"
        self.config = f"""
workers:
  processes: 1
policy:
  approvals:
    issuers: {{DPO: {keys / "dpo.pub"}}}
events:
  file: {{path: {self.events_file}}}
register:
  directory: {self.register_dir}
  subjects: {{key_file: {self.subject_key}}}
  evidence: {{public_key_file: {base / "team" / "security.pub"}}}
"""

    def token(self) -> str:
        return issue_token(
            self.board_key,
            iss="DPO",
            sub="alice",
            categories=["PERSONAL_DATA"],
            tools=["openai"],
            ref="DPIA-REG-1",
            jti="jti-register-1",
            ttl_seconds=3600,
        )


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> Setup:
    return Setup(tmp_path_factory.mktemp("register"))


def client(proxy, user: str) -> httpx.Client:
    url = proxy.url.replace("http://", f"http://{user}:pw@")
    return httpx.Client(proxy=url, verify=proxy.ssl_context(), timeout=30.0)


def openai_body(text: str) -> str:
    return json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]})


def copilot_frame(text: str) -> str:
    return json.dumps(
        {"event": "send", "conversationId": "kVyR7N4mBdZuQ9sXwE2jT",
         "content": [{"type": "text", "text": text}], "mode": "chat"}
    )  # fmt: skip


async def websocket_session(proxy, frames: list[str]) -> int | None:
    url = proxy.url.replace("http://", "http://alice:pw@")
    async with connect(COPILOT_WS, proxy=url, ssl=proxy.ssl_context(), open_timeout=20) as ws:
        try:
            for frame in frames:
                await ws.send(frame)
                await asyncio.wait_for(ws.recv(), 10)
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None


def report(setup: Setup, *args: str, register: Path | None = None) -> dict:
    done = cli(
        "report", *args, "--register", str(register or setup.register_dir), "--format", "json"
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def traffic(start_proxy, setup: Setup):
    """Send everything once; return the proxy and the incident ids the clients saw."""
    proxy = start_proxy(setup.config, extra_args=("--set", "proxyauth=any"), name="register")
    json_headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-test"}
    incidents: dict[str, str] = {}
    with client(proxy, "alice") as alice, client(proxy, "bob") as bob:
        for text in ("What is a good name for a cat?", "Summarise the Highway Code rules."):
            assert (
                alice.post(OPENAI, content=openai_body(text), headers=json_headers).status_code
                == 200
            )
        assert (
            bob.post(OPENAI, content=openai_body("Hello there"), headers=json_headers).status_code
            == 200
        )
        blocked = alice.post(
            OPENAI,
            content=openai_body(f"Draft a letter for NINO {NINO_SPACED}"),
            headers=json_headers,
        )
        assert blocked.status_code == 403
        incidents["openai_nino"] = blocked.headers["X-AIDLP-Incident"]
        claude = alice.post(
            ANTHROPIC,
            content=json.dumps({"model": "claude-3-5-haiku", "max_tokens": 10,
                                "messages": [{"role": "user", "content": f"NI no {NINO_PLAIN} please"}]}),
            headers={**json_headers, "anthropic-version": "2023-06-01"},
        )  # fmt: skip
        assert claude.status_code == 403
        incidents["anthropic_nino"] = claude.headers["X-AIDLP-Incident"]
        approved = alice.post(
            OPENAI,
            content=openai_body(f"Case summary for NINO {NINO_SPACED}"),
            headers={**json_headers, "X-AIDLP-Approval": setup.token()},
        )
        assert approved.status_code == 200, approved.text
        with pytest.raises(httpx.ProxyError):
            alice.get("https://api.deepseek.com/v1/models")
    code = asyncio.run(
        websocket_session(
            proxy,
            [copilot_frame("What's a good name for a dog?"),
             copilot_frame(f"Patient NHS number {NHS}: summarise the referral")],
        )
    )  # fmt: skip
    assert code == 1008
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if report(setup, "usage")["total"]["requests"] >= 10:
            break
        time.sleep(0.2)
    return proxy, incidents


def test_usage_counts_every_decision_by_tool(traffic, setup):
    data = report(setup, "usage")
    total = data["total"]
    assert total["requests"] == 10, data
    assert (total["allowed"], total["approved"], total["monitored"], total["blocked"]) == (
        5,
        1,
        0,
        4,
    )
    assert total["blocks_by_reason"] == {"blocked_tool": 1, "findings": 3}
    assert total["blocks_by_category"] == {"PERSONAL_DATA": 3}
    assert total["approvals_used"] == 1
    groups = data["groups"]
    assert {tool: g["requests"] for tool, g in groups.items()} == {
        "anthropic": 1, "deepseek": 1, "microsoft_copilot": 3, "openai": 5,
    }  # fmt: skip
    # The websocket: its handshake (a GET with a query string: scanned), two messages, the
    # second (with the NHS number) blocked.
    assert groups["microsoft_copilot"]["blocked"] == 1
    by_user = report(setup, "usage", "--group-by", "user")["groups"]
    assert {user: g["requests"] for user, g in by_user.items()} == {"alice": 9, "bob": 1}
    assert report(setup, "usage", "--user", "bob")["total"]["requests"] == 1
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert report(setup, "usage", "--from", today, "--to", today)["total"]["requests"] == 10
    assert report(setup, "usage", "--to", "2020-01-01")["total"]["requests"] == 0


def test_user_report_lists_one_persons_use(traffic, setup):
    _, incidents = traffic
    data = report(setup, "user", "alice")
    assert data["total"]["requests"] == 9
    assert {e["incident_id"] for e in data["events"]} >= set(incidents.values())
    approved = [e for e in data["events"] if e["outcome"] == "approved"]
    assert [a["approval"] for a in approved] == [
        {"jti": "jti-register-1", "ref": "DPIA-REG-1", "issuer": "DPO"}
    ]
    assert report(setup, "user", "bob")["total"]["requests"] == 1


def test_approvals_and_incidents_reports(traffic, setup):
    _, incidents = traffic
    approvals = report(setup, "approvals")
    assert approvals["by_reference"] == {"DPIA-REG-1": {"uses": 1, "tools": {"openai": 1}}}
    logged = report(setup, "incidents")["incidents"]
    assert len(logged) == 4
    assert set(incidents.values()) <= {i["incident_id"] for i in logged}


def test_subject_report_finds_a_nino_in_both_formats_and_nothing_for_another(traffic, setup):
    _, incidents = traffic
    key = ("--key", str(setup.subject_key))  # the DPO team's key, held apart from the proxy's
    found = report(setup, "subject", "--nino", "jg 103729 a", *key)["matches"]
    assert {m["incident_id"] for m in found} >= {
        incidents["openai_nino"],
        incidents["anthropic_nino"],
    }
    assert len(found) == 3  # both blocks and the approved request
    assert sorted(m["outcome"] for m in found) == ["approved", "blocked", "blocked"]
    assert [m["approval"]["ref"] for m in found if m["approval"]] == ["DPIA-REG-1"]
    assert report(setup, "subject", "--nino", OTHER_NINO, *key)["matches"] == []
    nhs = report(setup, "subject", "--nhs", NHS.replace(" ", "-"), *key)["matches"]
    assert [m["tool"] for m in nhs] == ["microsoft_copilot"]
    # The same lookup without the DPO team's key finds nothing: the hashes are keyed.
    stranger = setup.subject_key.with_name("stranger.key")
    stranger.write_text(secrets.token_hex(32))
    assert report(setup, "subject", "--nino", NINO_SPACED, "--key", str(stranger))["matches"] == []
    # The events carry the hashes too (for the SIEM path), never the value.
    events = setup.events_file.read_text()
    assert '"subject_hmacs"' in events and NINO_PLAIN not in events and "JG 10" not in events


def test_no_raw_value_anywhere_in_the_register_files(traffic, setup):
    files = [p for p in setup.register_dir.rglob("*") if p.is_file()]  # + sealed evidence
    assert any(p.name == "register.sqlite3" for p in files)
    assert len([p for p in files if p.suffix == ".sealed"]) == 3  # the three findings blocks
    data = b"".join(p.read_bytes() for p in files)
    assert b"DPIA-REG-1" in data  # the scan really reads the rows
    for raw in (NINO_SPACED, NINO_PLAIN, NINO_PLAIN[:8], NHS, NHS.replace(" ", ""),
                "Draft a letter", "good name for a", "Highway Code", "sk-test", setup.token()[:40]):  # fmt: skip
        for form in {raw, raw.lower(), raw.upper()}:
            assert form.encode() not in data, form
            assert form.encode("utf-16-le") not in data, form


def test_register_import_rebuilds_the_register_idempotently(traffic, setup, tmp_path):
    live = report(setup, "usage")
    imported = tmp_path / "fleet-register"
    for attempt in range(2):
        done = cli("register", "import", str(setup.events_file), "--register", str(imported))
        assert done.returncode == 0, done.stderr
        assert f"imported {10 if attempt == 0 else 0} new events" in done.stdout, done.stdout
    rebuilt = report(setup, "usage", register=imported)
    assert rebuilt["total"] == live["total"] and rebuilt["groups"] == live["groups"]
    # Importing into the live register adds nothing either (same incident ids, same events).
    done = cli("register", "import", str(setup.events_file), "--register", str(setup.register_dir))
    assert done.returncode == 0 and "imported 0 new events" in done.stdout, done.stdout


class ReportFacts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.bars = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "rect" and "bar" in (a.get("class") or "").split():
            self.bars += 1
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def test_html_usage_report_renders_in_chromium(traffic, setup, tmp_path):
    exe = require_tool("chromium")
    page = tmp_path / "usage.html"
    done = cli("report", "usage", "--register", str(setup.register_dir), "--format", "html",
               "--out", str(page))  # fmt: skip
    assert done.returncode == 0, done.stderr
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run",
              f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1024,1400"]  # fmt: skip
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, timeout=120)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    facts = ReportFacts()
    facts.feed(dom.stdout.decode())
    assert facts.title.startswith("AI tool usage report"), facts.title
    assert {
        "usage",
        "block-reasons",
        "block-categories",
        "usage-chart",
        "usage-chart-svg",
    } <= facts.ids
    assert "table" in facts.tags and "svg" in facts.tags and facts.bars >= 2
    assert "script" not in facts.tags and "img" not in facts.tags and "link" not in facts.tags
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "register-usage-report.png"
    shot.unlink(missing_ok=True)
    taken = subprocess.run(
        [*common, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120
    )
    assert taken.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (ARTIFACTS / "register-usage-report.html").write_text(page.read_text())


def test_sealed_evidence_opens_with_the_team_key_and_every_opening_is_audited(traffic, setup):
    _, incidents = traffic
    incident = incidents["openai_nino"]
    where = ("--register", str(setup.register_dir))
    opened = cli("evidence", "open", incident, "--key", str(setup.team_key), *where)
    assert opened.returncode == 0, opened.stderr
    assert f"Draft a letter for NINO {NINO_SPACED}" in opened.stdout  # the blocked text itself
    audit = [json.loads(line) for line in opened.stderr.splitlines() if line.startswith("{")]
    assert audit == [
        {"event": "aidlp.evidence.opened", "timestamp": audit[0]["timestamp"],
         "incident_id": incident, "user": audit[0]["user"], "result": "ok", "reason": None}
    ]  # fmt: skip
    # Another key (the proxy never had the private one) cannot open it; that is audited too.
    stranger = cli("evidence", "keygen", "--out", str(setup.register_dir.parent / "stranger"))
    assert stranger.returncode == 0
    wrong = cli("evidence", "open", incident, "--key",
                str(setup.register_dir.parent / "stranger" / "evidence.key"), *where)  # fmt: skip
    assert wrong.returncode == 1 and NINO_SPACED not in wrong.stdout + wrong.stderr
    # Allowed and approved requests keep no evidence.
    none = cli("evidence", "open", "AIDLP-000000000000", "--key", str(setup.team_key), *where)
    assert none.returncode == 1 and "no evidence" in none.stderr
    import sqlite3

    db = sqlite3.connect(setup.register_dir / "register.sqlite3")
    rows = db.execute(
        "SELECT incident_id, result, reason FROM evidence_openings ORDER BY id"
    ).fetchall()
    db.close()
    assert rows == [
        (incident, "ok", None),
        (incident, "failed", "cannot_open"),
        ("AIDLP-000000000000", "failed", "not_found"),
    ]
