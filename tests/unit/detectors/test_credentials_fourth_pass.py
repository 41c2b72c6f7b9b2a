"""Credentials, issue 14 fourth pass: prose clauses, values before the word, stdin pipes,
JSON Schema defaults, HTML-escaped config, dotted tokens that are not code, GitHub / npm
checksums and odd key/value separators. Positives and look-alikes written here (values
made up, never corpus rows)."""

from __future__ import annotations

import binascii
import secrets
import string

import pytest

from detectors.recognisers.credentials import checksummed_token, is_placeholder

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _checksummed(prefix: str, body: str) -> str:
    """A token of GitHub's / npm's format: 30 characters and their base62 CRC32."""
    n, tail = binascii.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        tail = _BASE62[r] + tail
    return prefix + body + tail.rjust(6, "0")


WITH_SECRETS = [
    # a clause between "password" and "is"
    ("The password I use for the HR system is Marmalade#14, is that strong enough?", None),
    ("hey, the password for the shared finance login is Kettle!Biscuit42", None),
    ("as discussed the password for the payroll spreadsheet is Payroll-Oct-2026. Thanks", None),
    ("the password we gave the auditors last week was Quill&Ink2026", None),
    # the value in the next sentence
    ("I keep forgetting my password. It's Penguin-Ice-45. Can you give me a mnemonic?", None),
    ("the guest wifi password, which is Harrogate#Spa7, changes monthly", None),
    # the value before the word
    ("is 'Tulip!Garden2026' a good password?", None),
    ("Is Lighthouse2025! a strong enough password?", None),
    ("I set Otter99!brook as my password for the VPN", None),
    ("is 'correct horse battery staple' a good passphrase?", None),
    # piped to a program's stdin
    ("echo 'Marble-Arch-2026' | sudo -S systemctl restart nginx", None),
    ("echo Hunter22x | sudo -S apt update", None),
    ("echo 'Qz7!mK2pL' | passwd --stdin svc_backup", None),
    ("echo 'svc_etl:Orchid#Rain72' | sudo chpasswd", None),
    # JSON Schema / OpenAPI defaults pasted as text
    ('{"properties": {"password": {"type": "string", "default": "Wint3r!Sun99"}}}', None),
    ('{"properties": {"db_password": {"type": "string", "enum": ["Wint3r!Sun99"]}}}', None),
    ('"adminPassword": {\n  "type": "string",\n  "default": "correcthorsebatterystaple"\n}', None),
    ('{"api_token": {"type": "string", "const": "Qz7mK2pLx9Rt4"}}', "GENERIC_SECRET"),
    # HTML-escaped config pasted from a web page
    ("&lt;password&gt;Wint3r!Sun99&lt;/password&gt;", None),
    ("{&quot;password&quot;: &quot;Wint3r!Sun99&quot;}", None),
    ('<a href="https://intranet/x?token=&quot;g1re0g1T0keN3zWx&quot;">x</a>', None),
    ("&lt;add key=&quot;DbPassword&quot; value=&quot;Pebble#Beach3&quot; /&gt;", None),
    # a dotted token whose body is letters only is not `obj.attribute`
    ("export VAULT_TOKEN=hvs.HnkPIoSepDeJpormtzxPmbcw", "VAULT_TOKEN"),
    ("vault login hvs.XZWrVPvWxNoUrZJJpMRzeQuY", "VAULT_TOKEN"),
    # key and value glued by an unusual separator (headers, cookies, log lines)
    ("db_password|Sup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
    ("pwd~Sup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
    ("db_password+Sup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
    ("db_password\\u003dSup3rS3cr3tPw!2024", "GENERIC_PASSWORD"),
]

WITHOUT_SECRETS = [
    "The password length for admins is 16-chars minimum",
    "The password I use for the HR system is stored in the vault",
    "the password for the shared finance login is on the wiki",
    "I forgot my password. It's annoying to reset it every month.",
    "Use SHA-256 as the password hash",
    "Is bcrypt-12 a good password hash?",
    "Choose a good password.",
    "Is Tuesday a good day for the password reset?",
    'echo "$DOCKER_PASS" | docker login -u ci --password-stdin',
    "docker login -u ci --password-stdin < token.txt",
    "echo $PASSWORD | sudo -S apt update",
    "echo 'hello world' | tr a-z A-Z",
    '{"properties": {"password": {"type": "string", "default": "changeme"}}}',
    '{"properties": {"password": {"type": "string", "minLength": 12}}, "required": ["password"]}',
    '{"properties": {"token": {"type": "string", "enum": ["bearer", "basic"]}}}',
    "&lt;password&gt;${DB_PASSWORD}&lt;/password&gt;",
    "&lt;p&gt;Use a &quot;strong&quot; password&lt;/p&gt;",
    "password = config.DatabaseConnectionPassword",
    "see https://intranet/reset/password/step2 for the steps",
]


@pytest.mark.parametrize(("text", "family"), WITH_SECRETS, ids=[t[:40] for t, _ in WITH_SECRETS])
def test_fourth_pass_classes_are_found(engine, text: str, family: str | None) -> None:
    findings = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert findings
    if family:
        assert family in {f.entity_type for f in findings}


@pytest.mark.parametrize("text", WITHOUT_SECRETS)
def test_fourth_pass_look_alikes_pass(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories


def test_html_escaped_finding_maps_back_to_the_original_characters(engine) -> None:
    text = "naïve — &lt;password&gt;Wint3r!Sun99€&lt;/password&gt; ok"
    (finding,) = [f for f in engine.scan(text).findings if f.category == "CREDENTIALS"]
    assert text[finding.start : finding.end] == "Wint3r!Sun99€"


def test_github_and_npm_checksums() -> None:
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(30))
    good = _checksummed("ghp_", body)
    assert checksummed_token(good) and checksummed_token(_checksummed("npm_", body))
    last = "A" if good[-1] != "A" else "B"
    assert not checksummed_token(good[:-1] + last)  # one character changed
    assert not checksummed_token("ghp_" + "x" * 36)


def test_a_checksummed_token_counts_even_with_a_placeholder_word(engine) -> None:
    """The checksum says the token is real: a placeholder word inside it ("your", "fake")
    does not make it documentation. A token failing its checksum is judged as before: a
    hand-masked or truncated one still counts when it looks like a token."""
    for body in ("ExampleTokenxxxxxxxxxxxxxxxxxx", "yourgithubtokenexample12345678"):
        token = _checksummed("ghp_", body)
        broken = token[:-1] + ("A" if token[-1] != "A" else "B")
        assert "GITHUB_TOKEN" in {f.entity_type for f in engine.scan(f"GH={token}").findings}
        assert "CREDENTIALS" not in engine.scan(f"GH={broken}").categories  # documentation
    typed = "ghp_" + "R8q2Lm9XpT4vB7nS1wC6yD3fG5hJ0kL2mN4p"  # no valid checksum, still a token
    assert not checksummed_token(typed)
    assert "GITHUB_TOKEN" in {f.entity_type for f in engine.scan(typed).findings}


def test_dotted_identifiers_stay_code_references() -> None:
    assert is_placeholder("self.databasePassword")
    assert is_placeholder("settings.SECRET_KEY")
    assert not is_placeholder("hvs.HnkPIoSepDeJpormtzxPmbcw")
