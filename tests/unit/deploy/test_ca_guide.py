"""deploy/CA.md: the standalone-CA procedure, run as written, yields a CA that mitmproxy
loads and whose name constraints make devices reject certificates for non-AI domains."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from mitmproxy import certs

ROOT = Path(__file__).resolve().parents[3]
GUIDE = ROOT / "deploy" / "CA.md"
OPENSSL = shutil.which("openssl")
pytestmark = pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")


def guide_block(name: str) -> str:
    text = GUIDE.read_text()
    match = re.search(rf"<!-- tested: {name} -->\s*```sh\n(.*?)```", text, re.S)
    assert match, f"no tested block {name!r} in {GUIDE}"
    return match.group(1)


@pytest.fixture(scope="module")
def ca_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("ca")
    bin_dir = Path(sys.executable).parent  # aidlp and python of this environment first
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", guide_block("standalone-ca")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return work


def leaf_for(store: certs.CertStore, host: str, out: Path) -> Path:
    entry = store.get_cert(host, [x509.DNSName(host)])
    out.write_bytes(entry.cert.to_cryptography().public_bytes(Encoding.PEM))
    return out


def verify(ca_dir: Path, leaf: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OPENSSL, "verify", "-x509_strict", "-CAfile", str(ca_dir / "ca.crt"), str(leaf)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_produces_the_files_the_guide_names(ca_dir: Path) -> None:
    for name in ("mitmproxy-ca.pem", "mitmproxy-dhparam.pem", "aidlp-ca.cer", "aidlp-ca.crt"):
        assert (ca_dir / name).stat().st_size > 0, name
    assert (
        ca_dir / "mitmproxy-ca.pem"
    ).stat().st_mode & 0o077 == 0  # key file not readable by others
    cert = x509.load_der_x509_certificate((ca_dir / "aidlp-ca.cer").read_bytes())
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    constraints = cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = {n.value for n in constraints.value.permitted_subtrees}
    assert {"openai.com", "anthropic.com", "deepseek.com", "googleapis.com"} <= permitted
    assert "gov.uk" not in permitted


def test_mitmproxy_loads_it_and_ai_certificates_verify(ca_dir: Path, tmp_path: Path) -> None:
    store = certs.CertStore.from_files(
        ca_dir / "mitmproxy-ca.pem", ca_dir / "mitmproxy-dhparam.pem"
    )
    for host in ("api.openai.com", "chatgpt.com", "europe-west2-aiplatform.googleapis.com"):
        done = verify(ca_dir, leaf_for(store, host, tmp_path / f"{host}.pem"))
        assert done.returncode == 0, f"{host}: {done.stdout}{done.stderr}"


def test_certificates_for_other_domains_are_rejected(ca_dir: Path, tmp_path: Path) -> None:
    """The point of the name constraints: a stolen key cannot impersonate gov.uk or a bank."""
    store = certs.CertStore.from_files(
        ca_dir / "mitmproxy-ca.pem", ca_dir / "mitmproxy-dhparam.pem"
    )
    for host in ("www.gov.uk", "login.microsoftonline.com", "notopenai.com"):
        done = verify(ca_dir, leaf_for(store, host, tmp_path / f"{host}.pem"))
        assert done.returncode != 0, host
        assert "subtree" in (done.stdout + done.stderr).lower()
