"""deploy/systemd/aidlp.service: hardening directives, `systemd-analyze verify` and `security`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNIT = ROOT / "deploy" / "systemd" / "aidlp.service"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def directives(text: str) -> dict[str, list[str]]:
    """``Section.Key`` → values in order (systemd allows repeated keys)."""
    out: dict[str, list[str]] = {}
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return out


@pytest.fixture(scope="module")
def unit() -> dict[str, list[str]]:
    return directives(UNIT.read_text())


def one(unit: dict[str, list[str]], key: str) -> str:
    values = unit.get(f"Service.{key}")
    assert values, f"{key}= missing"
    return values[-1]


def test_hardened(unit) -> None:
    assert one(unit, "DynamicUser") == "yes" or one(unit, "User") not in ("", "root")
    for key in (
        "NoNewPrivileges",
        "PrivateTmp",
        "PrivateDevices",
        "ProtectHome",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectControlGroups",
        "RestrictSUIDSGID",
        "LockPersonality",
        "RestrictNamespaces",
    ):
        assert one(unit, key) == "yes", key
    assert one(unit, "ProtectSystem") == "strict"
    assert one(unit, "CapabilityBoundingSet") == ""  # empty set: no capabilities at all
    assert one(unit, "StateDirectory") == "aidlp"
    # the only writable paths are the state (and log) directories
    writable = " ".join(unit["Service.ReadWritePaths"]).split()
    assert writable and all(p in ("%S/aidlp", "%L/aidlp") for p in writable), writable
    assert "@system-service" in unit["Service.SystemCallFilter"]


def test_reload_is_sighup_and_start_checks_config(unit) -> None:
    assert re.fullmatch(r"/bin/kill -HUP \$MAINPID", one(unit, "ExecReload"))
    assert " config check " in one(unit, "ExecStartPre")
    start = one(unit, "ExecStart")
    assert start.startswith("/opt/aidlp/bin/aidlp run --config /etc/aidlp/aidlp.yaml")
    # the CA arrives as credentials and mitmproxy reads its confdir from there
    creds = " ".join(unit["Service.LoadCredential"])
    assert "mitmproxy-ca.pem:" in creds and "mitmproxy-dhparam.pem:" in creds
    assert "confdir=%d" in start


def installed_copy(tmp_path: Path) -> Path:
    """The unit with /opt/aidlp pointing at this checkout's venv (verify checks ExecStart)."""
    venv = Path(sys.executable).parent.parent
    text = UNIT.read_text().replace("/opt/aidlp", str(venv))
    copy = tmp_path / "aidlp.service"
    copy.write_text(text)
    return copy


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    done = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(installed_copy(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    # and the check bites: an unknown directive is reported
    broken = tmp_path / "broken" / "aidlp.service"
    broken.parent.mkdir()
    broken.write_text(installed_copy(tmp_path).read_text() + "\n[Service]\nProtectEverything=yes\n")
    bad = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(broken)], capture_output=True, text=True, check=False
    )
    assert "ProtectEverything" in bad.stderr


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze not installed")
def test_systemd_analyze_security_exposure_is_low(tmp_path: Path) -> None:
    done = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=yes", "--no-pager", str(installed_copy(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
    )
    if "Unknown option" in done.stderr or "unrecognized option" in done.stderr:
        pytest.skip("this systemd-analyze has no offline security mode (needs systemd >= 250)")
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout)
    assert match, done.stdout[-500:] + done.stderr
    # systemd's scale: 0 (locked down) .. 10 (unprotected); "OK" is below 2.
    assert float(match.group(1)) < 2.0
