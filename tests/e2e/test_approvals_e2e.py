"""Issue 5 end to end: approval tokens through the real `aidlp run` process.

A NINO prompt (PERSONAL_DATA) goes to api.openai.com through the proxy with different
tokens. Keys are made and tokens revoked with the real `aidlp approval` CLI; the upstream
log shows what reached the tool, the proxy's events show what was recorded.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import openai
import pytest

from proxy.approvals import issue_token, load_private_key
from tests.e2e.harness import aidlp_executable

pytestmark = pytest.mark.e2e

CHAT = "https://api.openai.com/v1/chat/completions"
USER, PASSWORD = "alice", "wonderland-pw"


def aidlp_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [aidlp_executable(), *args], capture_output=True, text=True, timeout=60, check=False
    )


class Board:
    """The DPO board: a key pair made by `aidlp approval keygen`, tokens signed with it."""

    def __init__(self, base: Path) -> None:
        done = aidlp_cli("approval", "keygen", "--out", str(base / "keys"), "--name", "dpo")
        assert done.returncode == 0, done.stderr
        self.private = base / "keys" / "dpo.key"
        self.public = base / "keys" / "dpo.pub"
        self.key = load_private_key(self.private)
        self.revocations = base / "revoked.txt"
        self.revocations.write_text("")
        self.token_dir = base / "tokens"
        self.token_dir.mkdir()

    def token(self, categories=("PERSONAL_DATA",), tools=("openai",), sub=USER, **kw) -> str:
        kw.setdefault("ttl_seconds", 3600)
        return issue_token(
            self.key,
            iss="DPO",
            sub=sub,
            categories=list(categories),
            tools=list(tools),
            ref=kw.pop("ref", "DPIA-123"),
            jti=kw.pop("jti", uuid.uuid4().hex),
            **kw,
        )

    def config(self, mode: str = "enforce") -> str:
        return f"""
workers:
  processes: 1
policy:
  mode: {mode}
  approvals:
    issuers: {{DPO: {self.public}}}
    revocations: {self.revocations}
    token_dir: {self.token_dir}
    reload_seconds: 0.2
"""


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Board:
    return Board(tmp_path_factory.mktemp("board"))


@pytest.fixture(scope="module")
def proxy(start_proxy, board: Board):
    """Proxy auth off: a header token is accepted for whoever presents it."""
    return start_proxy(board.config(), name="approvals")


@pytest.fixture(scope="module")
def auth_proxy(start_proxy, board: Board):
    """Proxy auth on (mitmproxy proxyauth): tokens must be for the authenticated user."""
    return start_proxy(
        board.config(), extra_args=("--set", f"proxyauth={USER}:{PASSWORD}"), name="approvals-auth"
    )


@pytest.fixture(scope="module")
def monitor_proxy(start_proxy, board: Board):
    return start_proxy(board.config(mode="monitor"), name="approvals-monitor")


def client(proxy, auth: bool = False) -> httpx.Client:
    url = proxy.url.replace("http://", f"http://{USER}:{PASSWORD}@") if auth else proxy.url
    return httpx.Client(proxy=url, verify=proxy.ssl_context(), timeout=30.0)


def nino_prompt(marker: str) -> str:
    return json.dumps(
        {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "user", "content": f"[{marker}] Draft a letter for NINO AB 12 34 56 C"}
            ],
        }
    )


def send(proxy, token: str | None, marker: str, auth: bool = False) -> httpx.Response:
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-test"}
    if token is not None:
        headers["X-AIDLP-Approval"] = token
    with client(proxy, auth) as c:
        return c.post(CHAT, content=nino_prompt(marker), headers=headers)


def event_for(proxy, incident: str | None = None, **match):
    def pred(e: dict) -> bool:
        if incident is not None and e.get("incident_id") != incident:
            return False
        return all(e.get(k) == v for k, v in match.items())

    found = proxy.wait_event(pred, timeout=10)
    assert found is not None, f"no event {incident} {match}: {proxy.events()[-3:]}"
    return found


def assert_blocked(proxy, response: httpx.Response, reason: str, upstream_log, marker: str):
    assert response.status_code == 403, response.text
    assert response.headers["X-AIDLP-Decision"] == "block"
    incident = response.headers["X-AIDLP-Incident"]
    body = response.json()
    assert body["error"]["code"] == "aidlp_blocked"
    assert incident in body["error"]["message"]
    assert "personal data" in body["error"]["message"]  # staff wording (policy.guidance)
    assert "AB 12 34 56 C" not in response.text
    event = event_for(proxy, incident, event="ai.request.blocked")
    assert event["reason"] == reason
    assert event["decision"] == "block"
    assert "PS2" in event["policy_clauses"]
    assert upstream_log.wait_for(lambda r: marker.encode() in r.body, timeout=0.5) is None
    return event


def assert_no_token_leak(proxy, *tokens: str) -> None:
    out = proxy.output()
    for token in tokens:
        assert token not in out
        assert token.split(".")[2] not in out  # not even the signature


# ---- allowed with a valid approval ---------------------------------------------------------


def test_valid_token_allows_and_header_never_reaches_upstream(proxy, board, upstream_log):
    token = board.token(ref="DPIA-777", jti="jti-valid-1")
    marker = uuid.uuid4().hex
    response = send(proxy, token, marker)
    assert response.status_code == 200, response.text
    seen = upstream_log.wait_for(lambda r: marker.encode() in r.body)
    assert seen is not None, "the approved request did not reach the upstream"
    assert "x-aidlp-approval" not in {k.lower() for k in seen.headers}
    assert token not in json.dumps(seen.headers)
    assert seen.body == nino_prompt(marker).encode()  # forwarded unchanged otherwise
    event = event_for(
        proxy,
        event="ai.request.approved",
        path="/v1/chat/completions",
        approval={"jti": "jti-valid-1", "ref": "DPIA-777", "issuer": "DPO"},
    )
    assert event["decision"] == "allow" and event["reason"] == "approved"
    assert event["incident_id"]
    assert [f["category"] for f in event["findings"]] == ["PERSONAL_DATA"]
    assert_no_token_leak(proxy, token)


def test_header_removed_even_when_nothing_needed_approval(proxy, board, upstream_log):
    token = board.token()
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": "Hello there"}]})
    with client(proxy) as c:
        response = c.post(
            CHAT,
            content=body,
            headers={"X-AIDLP-Approval": token, "Content-Type": "application/json"},
        )
        get = c.get("https://api.openai.com/v1/models", headers={"x-aidlp-approval": token})
    assert response.status_code == 200 and get.status_code == 200
    for path in ("/v1/chat/completions", "/v1/models"):
        seen = upstream_log.wait_for(lambda r, p=path: r.path == p)
        assert seen is not None
        assert "x-aidlp-approval" not in {k.lower() for k in seen.headers}


# ---- blocked, with the exact reason ----------------------------------------------------------


def test_no_token_blocks_as_findings(proxy, upstream_log):
    marker = uuid.uuid4().hex
    event = assert_blocked(proxy, send(proxy, None, marker), "findings", upstream_log, marker)
    assert event["approval"] is None


def test_token_for_other_category_is_insufficient(proxy, board, upstream_log):
    token = board.token(categories=["OFFICIAL_SENSITIVE"], jti="jti-os-only")
    marker = uuid.uuid4().hex
    event = assert_blocked(proxy, send(proxy, token, marker), "insufficient", upstream_log, marker)
    assert event["approval"] == {"jti": "jti-os-only", "ref": "DPIA-123", "issuer": "DPO"}
    assert_no_token_leak(proxy, token)


def test_expired_token(proxy, board, upstream_log):
    token = board.token(now=time.time() - 7200, ttl_seconds=3600)
    marker = uuid.uuid4().hex
    assert_blocked(proxy, send(proxy, token, marker), "expired", upstream_log, marker)


def test_revoked_token(proxy, board, upstream_log):
    token = board.token(jti="jti-to-revoke")
    marker = uuid.uuid4().hex
    assert send(proxy, token, marker).status_code == 200  # valid until revoked
    done = aidlp_cli(
        "approval", "revoke", "--force", "jti-to-revoke", "--revocations", str(board.revocations)
    )  # issued with issue_token(), not the CLI: no ledger knows it
    assert done.returncode == 0, done.stderr
    time.sleep(0.5)  # the proxy polls the list every 0.2 s
    marker = uuid.uuid4().hex
    event = assert_blocked(proxy, send(proxy, token, marker), "revoked", upstream_log, marker)
    assert event["approval"]["jti"] == "jti-to-revoke"


def test_wrong_tool_token(proxy, board, upstream_log):
    token = board.token(tools=["anthropic", "google_gemini"])
    marker = uuid.uuid4().hex
    assert_blocked(proxy, send(proxy, token, marker), "wrong_tool", upstream_log, marker)


def test_tampered_token(proxy, board, upstream_log):
    header, payload, signature = board.token(categories=["OFFICIAL_SENSITIVE"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["categories"] = ["PERSONAL_DATA", "OFFICIAL_SENSITIVE"]  # widen it
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    token = f"{header}.{forged}.{signature}"
    marker = uuid.uuid4().hex
    event = assert_blocked(proxy, send(proxy, token, marker), "invalid", upstream_log, marker)
    assert event["approval"] is None  # unverified claims are never recorded


def test_token_from_untrusted_key(proxy, tmp_path, upstream_log):
    other = aidlp_cli("approval", "keygen", "--out", str(tmp_path), "--name", "rogue")
    assert other.returncode == 0
    issued = aidlp_cli(
        "approval",
        "issue",
        "--key",
        str(tmp_path / "rogue.key"),
        "--iss",
        "DPO",
        "--sub",
        USER,
        "--categories",
        "PERSONAL_DATA",
        "--tools",
        "*",
        "--ref",
        "DPIA-1",
        "--ttl",
        "1h",
    )
    assert issued.returncode == 0, issued.stderr
    marker = uuid.uuid4().hex
    response = send(proxy, issued.stdout.strip(), marker)
    assert_blocked(proxy, response, "invalid", upstream_log, marker)


def test_sdk_shows_block_message(proxy, board):
    token = board.token(categories=["CREDENTIALS"])
    with client(proxy) as http_client:
        sdk = openai.OpenAI(
            api_key="sk-test",
            base_url="https://api.openai.com/v1",
            http_client=http_client,
            max_retries=0,
        )
        with pytest.raises(openai.PermissionDeniedError) as err:
            sdk.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "NINO AB123456C"}],
                extra_headers={"X-AIDLP-Approval": token},
            )
    message = str(err.value)
    assert "does not cover everything" in message
    assert "does not cover personal data" in message  # names what the token lacks
    assert err.value.response.headers["X-AIDLP-Incident"] in message


# ---- proxy auth: the user must match; registered tokens ------------------------------------


def test_wrong_user_with_proxy_auth(auth_proxy, board, upstream_log):
    token = board.token(sub="bob")
    marker = uuid.uuid4().hex
    response = send(auth_proxy, token, marker, auth=True)
    event = assert_blocked(auth_proxy, response, "wrong_user", upstream_log, marker)
    assert event["user"] == USER


def test_right_user_with_proxy_auth(auth_proxy, board, upstream_log):
    marker = uuid.uuid4().hex
    response = send(auth_proxy, board.token(sub=USER), marker, auth=True)
    assert response.status_code == 200, response.text
    assert upstream_log.wait_for(lambda r: marker.encode() in r.body) is not None


def test_registered_token_for_authenticated_user(auth_proxy, board, upstream_log):
    marker = uuid.uuid4().hex
    assert send(auth_proxy, None, marker, auth=True).status_code == 403
    done = aidlp_cli(
        "approval",
        "issue",
        "--key",
        str(board.private),
        "--sub",
        USER,
        "--categories",
        "PERSONAL_DATA",
        "--tools",
        "openai",
        "--ref",
        "DPIA-REG",
        "--ttl",
        "1h",
        "--jti",
        "jti-registered",
        "--out",
        str(board.token_dir / f"{USER}.jwt"),
    )
    assert done.returncode == 0, done.stderr
    time.sleep(0.5)
    marker = uuid.uuid4().hex
    response = send(auth_proxy, None, marker, auth=True)
    assert response.status_code == 200, response.text
    event_for(
        auth_proxy,
        event="ai.request.approved",
        approval={"jti": "jti-registered", "ref": "DPIA-REG", "issuer": "DPO"},
    )
    (board.token_dir / f"{USER}.jwt").unlink()


# ---- monitor mode --------------------------------------------------------------------------------


def test_monitor_mode_allows_and_records(monitor_proxy, upstream_log):
    marker = uuid.uuid4().hex
    response = send(monitor_proxy, None, marker)
    assert response.status_code == 200, response.text
    assert "X-AIDLP-Decision" not in response.headers
    assert upstream_log.wait_for(lambda r: marker.encode() in r.body) is not None
    event = event_for(monitor_proxy, event="ai.request.monitored")
    assert event["decision"] == "monitor" and event["reason"] == "findings"
    assert event["policy_clauses"] == ["PS2", "PS3", "A1"]
    assert event["incident_id"]


def test_monitor_mode_still_refuses_blocked_tools(monitor_proxy):
    with client(monitor_proxy) as c:
        response = c.get("http://chat.deepseek.com/")
    assert response.status_code == 403
    assert response.headers["X-AIDLP-Decision"] == "block"
    event_for(monitor_proxy, event="ai.tool.blocked", host="chat.deepseek.com")


# ---- metrics -------------------------------------------------------------------------------------


def approvals_metric(proxy) -> dict[str, float]:
    text = httpx.get(f"http://127.0.0.1:{proxy.metrics_port}/metrics", timeout=10).text
    found = {}
    for line in text.splitlines():
        match = re.match(r'aidlp_approvals_total\{result="([a-z_]+)"\} ([0-9.e+]+)$', line)
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


def test_approval_results_are_counted(proxy, board):
    before = approvals_metric(proxy)
    send(proxy, board.token(), uuid.uuid4().hex)
    send(proxy, board.token(categories=["CREDENTIALS"]), uuid.uuid4().hex)
    send(proxy, board.token(tools=["anthropic"]), uuid.uuid4().hex)
    send(proxy, "not-a-token", uuid.uuid4().hex)
    send(proxy, None, uuid.uuid4().hex)  # no token: nothing to count
    after = approvals_metric(proxy)
    for result in ("valid", "insufficient", "wrong_tool", "invalid"):
        assert after.get(result, 0) - before.get(result, 0) == 1, (result, before, after)
    assert sum(after.values()) - sum(before.values()) == 4


# ---- expiry warnings -----------------------------------------------------------------------------


def expiring_gauge(proxy) -> float | None:
    text = httpx.get(f"http://127.0.0.1:{proxy.metrics_port}/metrics", timeout=10).text
    match = re.search(r"^aidlp_approvals_expiring ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else None


def wait_gauge(proxy, expected: float, timeout: float = 15.0) -> float | None:
    deadline = time.monotonic() + timeout
    while (value := expiring_gauge(proxy)) != expected and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def test_registered_approvals_about_to_expire_are_warned_about(start_proxy, tmp_path):
    """A registered approval expiring within expiry_warning_days: one aidlp.approval.expiring
    event, and the gauge counts it; one far from expiry is not warned about."""
    expiry_board = Board(tmp_path)
    soon = expiry_board.token(jti="expires-in-two-days", ttl_seconds=2 * 86400)
    later = expiry_board.token(jti="expires-in-thirty-days", ttl_seconds=30 * 86400)
    (expiry_board.token_dir / f"{USER}.jwt").write_text(f"{soon}\n{later}\n")
    config = expiry_board.config() + "    expiry_warning_days: 7\n    expiry_check_seconds: 1\n"
    proxy = start_proxy(config, name="approvals-expiry")
    event = proxy.wait_event(lambda e: e.get("event") == "aidlp.approval.expiring", timeout=20)
    assert event is not None
    assert event["approval"] == {"jti": "expires-in-two-days", "ref": "DPIA-123", "issuer": "DPO"}
    assert event["user"] == USER and 1.9 < event["days_left"] <= 2.0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["expires"])
    assert wait_gauge(proxy, 1) == 1
    # A token registered later is picked up by the next check; the first is not warned again.
    sooner = expiry_board.token(jti="expires-tomorrow", ttl_seconds=86400)
    (expiry_board.token_dir / "bob.jwt").write_text(sooner + "\n")
    assert proxy.wait_event(
        lambda e: e.get("approval", {}) and e["approval"].get("jti") == "expires-tomorrow",
        timeout=20,
    )
    assert wait_gauge(proxy, 2) == 2
    time.sleep(2)  # two more checks
    warned = [
        e["approval"]["jti"] for e in proxy.events() if e["event"] == "aidlp.approval.expiring"
    ]
    assert sorted(warned) == ["expires-in-two-days", "expires-tomorrow"]
    # The token itself is never in the output.
    assert soon not in proxy.output() and soon.split(".")[1] not in proxy.output()
