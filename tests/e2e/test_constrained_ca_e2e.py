"""Issue 17 item 2: the name-constrained interception CA that deploy/CA.md recommends works.

The CA is made here with `cryptography`, constrained to the domains `aidlp pac
--name-constraints` prints (what CA.md puts in the certificate). The test upstream's
certificate carries many names outside them (example.com, localhost, 127.0.0.1, ...). aidlp
forges certificates for the SNI / CONNECT host only (`upstream_cert=false`, set by `aidlp
run`), so OpenSSL accepts them; with mitmproxy's default (`upstream_cert=true`) it copies the
upstream's names and clients fail with "permitted subtree violation".
"""

from __future__ import annotations

import datetime
import ssl
import subprocess

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.e2e.harness import ROOT, aidlp_executable

pytestmark = pytest.mark.e2e

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is a haiku?"}]}


def permitted_domains() -> list[str]:
    """The permitted DNS subtrees, exactly as `aidlp pac --name-constraints` prints them."""
    line = subprocess.run(
        [aidlp_executable(), "pac", "--name-constraints"],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    return [part.split("DNS:", 1)[1].strip() for part in line.split(",") if "DNS:" in part]


CA_KEY_USAGE = x509.KeyUsage(
    digital_signature=False, content_commitment=False, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True,
    crl_sign=True, encipher_only=False, decipher_only=False,
)  # fmt: skip


def constrained_ca() -> tuple[bytes, bytes]:
    """(mitmproxy-ca.pem: key + certificate, the certificate alone)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aidlp test constrained CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(CA_KEY_USAGE, critical=True)
        .add_extension(
            x509.NameConstraints(
                permitted_subtrees=[x509.DNSName(d) for d in permitted_domains()],
                excluded_subtrees=None,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem + cert_pem, cert_pem


@pytest.fixture(scope="module")
def ca_files() -> tuple[dict[str, bytes], bytes]:
    combined, cert = constrained_ca()
    return {"mitmproxy-ca.pem": combined, "mitmproxy-ca-cert.pem": cert}, cert


def client(proxy, ca_cert: bytes, tmp_path) -> httpx.Client:
    """Trusts only the constrained CA: every AI-tool certificate must come from it."""
    bundle = tmp_path / "constrained-ca.pem"
    bundle.write_bytes(ca_cert)
    return httpx.Client(
        proxy=proxy.url, verify=ssl.create_default_context(cafile=str(bundle)), timeout=30
    )


@pytest.mark.parametrize("launcher", ["aidlp run", "mitmdump -s"])
def test_constrained_ca_works_with_the_shipped_options(
    start_proxy, ca_files, tmp_path, pki, upstream_log, launcher
):
    """`aidlp run` passes upstream_cert=false; loaded with `mitmdump -s proxy/addon.py`
    (mitmproxy's default upstream_cert=true), the addon turns it off itself."""
    files, cert = ca_files
    upstream_names = x509.load_pem_x509_certificate(pki.cert_pem.read_bytes()).extensions
    sans = upstream_names.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "example.com" in sans.get_values_for_type(x509.DNSName)  # outside the constraint
    proxy = start_proxy(
        confdir_files=files, name="constrained-ca", mitmdump=launcher == "mitmdump -s"
    )
    with client(proxy, cert, tmp_path) as http:
        clean = http.post("https://api.openai.com/v1/chat/completions", json=CHAT)
        assert clean.status_code == 200, clean.text
        blocked = http.post(
            "https://api.openai.com/v1/chat/completions",
            json={**CHAT, "messages": [{"role": "user", "content": "NI number AB 12 34 56 C"}]},
        )
        assert blocked.status_code == 403 and blocked.headers["x-aidlp-decision"] == "block"
        anthropic = http.post(
            "https://api.anthropic.com/v1/messages",
            json={"model": "claude-sonnet-4-5", "max_tokens": 5,
                  "messages": [{"role": "user", "content": "hello"}]},
        )  # fmt: skip
        assert anthropic.status_code == 200, anthropic.text
    assert [r.path for r in upstream_log.snapshot() if r.host == "api.openai.com"] == [
        "/v1/chat/completions"
    ]


def test_copying_upstream_names_breaks_the_constrained_ca(start_proxy, ca_files, tmp_path):
    """The failure the shipped options avoid (so the test above can fail)."""
    files, cert = ca_files
    copy_names = ("--set", "aidlp_forge_sni_only=false", "--set", "upstream_cert=true")
    proxy = start_proxy(confdir_files=files, extra_args=copy_names, name="constrained-ca-bad")
    with client(proxy, cert, tmp_path) as http, pytest.raises(httpx.ConnectError) as failure:
        http.post("https://api.openai.com/v1/chat/completions", json=CHAT)
    assert "permitted subtree violation" in str(failure.value)
