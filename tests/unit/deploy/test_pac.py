"""`aidlp pac`: the generated PAC file, evaluated by a real JavaScript engine (node)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proxy.catalogue import Catalogue, Tool, ToolStatus
from proxy.config import load_config
from proxy.pac import PacError, generate_pac, parse_proxy

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed: cannot evaluate PAC")

# The PAC helper functions as browsers define them (Mozilla's ascii_pac_utils.js, which
# Chromium's and Windows' implementations match for these two functions). The PAC file runs
# in a fresh context holding only these, as in a browser's PAC sandbox.
HARNESS = r"""
const vm = require("vm");
const fs = require("fs");
const pac = fs.readFileSync(process.argv[2], "utf8");
const hosts = JSON.parse(fs.readFileSync(0, "utf8"));
function dnsDomainIs(host, domain) {
  return host.length >= domain.length &&
         host.substring(host.length - domain.length) == domain;
}
function shExpMatch(url, pattern) {
  pattern = pattern.replace(/\./g, "\\.");
  pattern = pattern.replace(/\*/g, ".*");
  pattern = pattern.replace(/\?/g, ".");
  return new RegExp("^" + pattern + "$").test(url);
}
const sandbox = vm.createContext({ dnsDomainIs, shExpMatch });
vm.runInContext(pac, sandbox, { filename: "aidlp.pac" });
const out = {};
for (const host of hosts) {
  out[host] = sandbox.FindProxyForURL("https://" + host + "/path?q=1", host);
}
process.stdout.write(JSON.stringify(out));
"""

PROXY = "PROXY aidlp.corp.example:8080"


def evaluate(pac_text: str, hosts: list[str], tmp_path: Path) -> dict[str, str]:
    pac_file = tmp_path / "aidlp.pac"
    pac_file.write_text(pac_text)
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    done = subprocess.run(
        [NODE, str(harness), str(pac_file)],
        input=json.dumps(hosts),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_config(None).catalogue


def test_ai_hosts_proxied_everything_else_direct(catalogue: Catalogue, tmp_path: Path) -> None:
    expected = {
        # AI tools → aidlp
        "api.openai.com": PROXY,
        "chatgpt.com": PROXY,
        "chat.openai.com": PROXY,
        "claude.ai": PROXY,
        "api.anthropic.com": PROXY,
        "generativelanguage.googleapis.com": PROXY,
        "europe-west2-aiplatform.googleapis.com": PROXY,
        "us-central1-aiplatform.googleapis.com": PROXY,
        "copilot.microsoft.com": PROXY,
        "api.x.ai": PROXY,
        "myresource.openai.azure.com": PROXY,
        # blocked tools → aidlp too, so they are refused there
        "chat.deepseek.com": PROXY,
        "deepseek.com": PROXY,
        "api.deepseek.com": PROXY,
        # case and the FQDN trailing dot do not matter
        "API.OpenAI.COM": PROXY,
        "Chat.DeepSeek.com": PROXY,
        "api.openai.com.": PROXY,
        # everything else → DIRECT (never decrypted, never touched)
        "www.gov.uk": "DIRECT",
        "github.com": "DIRECT",
        "www.google.com": "DIRECT",
        "googleapis.com": "DIRECT",
        "storage.googleapis.com": "DIRECT",
        "localhost": "DIRECT",
        "10.1.2.3": "DIRECT",  # private and loopback addresses stay DIRECT
        "192.168.1.10": "DIRECT",
        "127.0.0.1": "DIRECT",
        # red team RT-107: a public address, or a name that only spells one, names no tool:
        # aidlp classifies it by its Host (a DeepSeek address is never reached DIRECT)
        "1.2.3.4": PROXY,
        "2130706433": PROXY,
        "[2606:4700::1]": PROXY,
        "1-2-3-4.sslip.io": PROXY,
        "1.2.3.4.nip.io": PROXY,
        "ec2-54-12-34-56.compute-1.amazonaws.com": "DIRECT",
        # look-alikes → DIRECT
        "notopenai.com": "DIRECT",
        "openai.com.evil.example": "DIRECT",
        "fakeclaude.ai": "DIRECT",
        "x.co": "DIRECT",
        "x.com": PROXY,  # Grok in X: a path-scoped tool on x.com (RT-106)
        "openai.azure.com": "DIRECT",  # "*.openai.azure.com": subdomains only, not the apex
        "aiplatform.googleapis.com.evil.example": "DIRECT",
        "mydeepseek.com": "DIRECT",
    }
    result = evaluate(
        generate_pac(catalogue, ["aidlp.corp.example:8080"]), list(expected), tmp_path
    )
    assert result == expected


def test_pac_agrees_with_the_proxys_own_matcher(catalogue: Catalogue, tmp_path: Path) -> None:
    """For variants of every catalogue pattern, PAC routing == Catalogue.match (the proxy)."""
    hosts: set[str] = set()
    for pattern in catalogue.domains():
        base = pattern.replace("*.", "").replace("*-", "")
        for variant in (
            base,
            "a." + base,
            "a.b." + base,
            "x" + base,
            "x-" + base,
            base + ".example",
            "eu-" + base,
            base.upper(),
            "sub." + base + ".",
        ):
            hosts.add(variant)
    result = evaluate(generate_pac(catalogue, ["aidlp.corp.example:8080"]), sorted(hosts), tmp_path)
    mismatches = {
        host: route
        for host, route in result.items()
        if (route == PROXY) != (catalogue.match(host) is not None)
    }
    assert not mismatches
    assert sum(route == PROXY for route in result.values()) > len(catalogue.domains())


def test_failover_list_and_no_direct_fallback(tmp_path: Path) -> None:
    catalogue = Catalogue([Tool(id="acme", name="Acme", hosts=["*.acme-ai.test"])])
    text = generate_pac(catalogue, ["a.corp:8080", "[fd00::5]:3128"])
    result = evaluate(text, ["chat.acme-ai.test", "acme-ai.test"], tmp_path)
    assert result["chat.acme-ai.test"] == "PROXY a.corp:8080; PROXY [fd00::5]:3128"
    assert result["acme-ai.test"] == "DIRECT"


def test_approved_tools_are_routed_through_aidlp_too(tmp_path: Path) -> None:
    catalogue = Catalogue(
        [
            Tool(
                id="dept",
                name="Dept AI",
                hosts=["dept-ai.openai.azure.com"],
                status=ToolStatus.APPROVED,
            ),
        ]
    )
    result = evaluate(generate_pac(catalogue, ["p:1"]), ["dept-ai.openai.azure.com"], tmp_path)
    assert result["dept-ai.openai.azure.com"] == "PROXY p:1"


@pytest.mark.parametrize(
    "bad", ["nope", "host:", ":8080", "host:0", "host:70000", "ho st:80", "http://h:1"]
)
def test_bad_proxy_rejected(bad: str) -> None:
    with pytest.raises(PacError):
        parse_proxy(bad)


def test_cli_writes_pac_and_rejects_bad_proxy(tmp_path: Path) -> None:
    out = tmp_path / "aidlp.pac"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "proxy.cli",
            "pac",
            "--proxy",
            "aidlp.corp.example:8080",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert evaluate(out.read_text(), ["api.openai.com", "example.org"], tmp_path) == {
        "api.openai.com": PROXY,
        "example.org": "DIRECT",
    }
    bad = subprocess.run(
        [sys.executable, "-m", "proxy.cli", "pac", "--proxy", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "HOST:PORT" in bad.stderr
