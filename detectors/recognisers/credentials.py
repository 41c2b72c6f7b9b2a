"""Credentials: cloud keys, VCS / chat tokens, AI-provider keys, JWTs, private key
blocks and passwords in connection strings.

Placeholders from documentation (``AKIAIOSFODNN7EXAMPLE``, ``sk-...``,
``postgres://user:password@host``, ``${DB_PASSWORD}``) are not credentials.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections import Counter

from presidio_analyzer import Pattern

from detectors.base import CtxPattern, Recogniser, Tier

_PLACEHOLDER_WORDS = (
    "example", "xxxx", "your", "placeholder", "changeme", "change_me", "redacted", "dummy",
    "sample", "secret_here", "key_here", "token_here", "insert", "replace", "<", ">", "...",
    "****", "${", "{{", "%s", "%(", "fake", "test_key",
)  # fmt: skip


def _split(blob: str) -> list[str]:
    return blob.split()


_PLACEHOLDER_VALUES = frozenset(
    _split(
        """
    password pass passwd pwd secret pw admin root test guest user username changeme letmein
    qwerty 123456 12345678 password1 password123 pa55word p@ssw0rd mypassword hunter2
    secretpassword topsecret mysecret postgres mysql none null true false
        """
    )
)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


def is_placeholder(value: str) -> bool:
    v = value.strip("'\"`").lower()
    if len(v) < 4 or v in _PLACEHOLDER_VALUES or len(set(v)) <= 2:
        return True
    if v[0] in "$%{<*[(:" or v.startswith("os.") or "(" in v:
        return True
    return any(w in v for w in _PLACEHOLDER_WORDS)


class _Credential(Recogniser):
    CATEGORY = "CREDENTIALS"
    TIER = Tier.DIRECT
    MIN_ENTROPY = 3.0

    def invalidate_result(self, pattern_text: str) -> bool:
        return is_placeholder(pattern_text) or entropy(pattern_text) < self.MIN_ENTROPY


class AwsAccessKeyRecogniser(_Credential):
    ENTITY = "AWS_ACCESS_KEY_ID"
    PATTERNS = (
        Pattern("aws_key_id", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b", 0.9),
    )


class AwsSecretKeyRecogniser(_Credential):
    """40-character secret next to AWS secret context (a git SHA is hex: not this)."""

    ENTITY = "AWS_SECRET_ACCESS_KEY"
    CONTEXT_WINDOW = 60
    MIN_ENTROPY = 3.5
    PATTERNS = (
        CtxPattern(
            "aws_secret", r"(?:^|[^A-Za-z0-9/+])(?P<v>[A-Za-z0-9/+]{40})(?:$|[^A-Za-z0-9/+=])", 0.8
        ),
    )
    CONTEXT = (
        "aws_secret_access_key",
        "secret access key",
        "secret_access_key",
        "aws secret",
        "secretaccesskey",
        "aws_secret",
    )

    def validate_result(self, pattern_text: str) -> bool:
        v = pattern_text
        return (
            any(c.islower() for c in v)
            and any(c.isupper() for c in v)
            and any(c.isdigit() for c in v)
        )


class GitHubTokenRecogniser(_Credential):
    ENTITY = "GITHUB_TOKEN"
    PATTERNS = (
        Pattern("github_classic", r"\bgh[pousr]_[A-Za-z0-9]{36,255}\b", 0.95),
        Pattern("github_fine_grained", r"\bgithub_pat_[A-Za-z0-9_]{22,255}\b", 0.95),
    )


class GitLabTokenRecogniser(_Credential):
    ENTITY = "GITLAB_TOKEN"
    PATTERNS = (Pattern("gitlab", r"\b(?:glpat|glptt|gldt|glrt|gloas)-[A-Za-z0-9_\-]{20,}", 0.95),)


class SlackTokenRecogniser(_Credential):
    ENTITY = "SLACK_TOKEN"
    PATTERNS = (
        Pattern("slack_token", r"\bxox[abposre]-[A-Za-z0-9\-]{10,}", 0.95),
        Pattern("slack_app_token", r"\bxapp-\d-[A-Za-z0-9\-]{10,}", 0.95),
        Pattern(
            "slack_webhook",
            r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{8,}",
            0.95,
        ),
    )


class AnthropicKeyRecogniser(_Credential):
    ENTITY = "ANTHROPIC_API_KEY"
    PATTERNS = (
        Pattern("anthropic", r"\bsk-ant-(?:api|admin|oat|sid)\d\d-[A-Za-z0-9_\-]{20,}", 0.95),
    )


class OpenAiKeyRecogniser(_Credential):
    ENTITY = "OPENAI_API_KEY"
    MIN_ENTROPY = 3.5
    PATTERNS = (
        Pattern("openai_project", r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,}", 0.95),
        Pattern("openai_legacy", r"\bsk-[A-Za-z0-9]{32,}\b", 0.85),
    )

    def validate_result(self, pattern_text: str) -> bool:
        body = pattern_text.split("-", 1)[1]
        return any(c.isdigit() for c in body) and any(c.isalpha() for c in body)


class JwtRecogniser(_Credential):
    ENTITY = "JWT"
    PATTERNS = (
        Pattern("jwt", r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{8,}", 0.9),
    )

    def validate_result(self, pattern_text: str) -> bool:
        header = pattern_text.split(".", 1)[0]
        try:
            raw = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
            return isinstance(json.loads(raw), dict) and "alg" in json.loads(raw)
        except (binascii.Error, ValueError):
            return False


class PrivateKeyRecogniser(_Credential):
    """A PEM / OpenSSH private key block with key material after the header."""

    ENTITY = "PRIVATE_KEY"
    PATTERNS = (
        Pattern(
            "private_key_block",
            r"-----BEGIN [A-Z ]{0,24}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\n|\\r){0,6}"
            r"(?:[A-Za-z\-]+: ?[^\n]{0,100}(?:\n|\\n)){0,4}(?:\s|\\n){0,4}[A-Za-z0-9+/=]{40,}",
            0.95,
        ),
    )

    def invalidate_result(self, pattern_text: str) -> bool:
        return "EXAMPLE" in pattern_text.upper().split("-----")[-1][:80]


class ConnectionStringPasswordRecogniser(_Credential):
    """``postgres://app:S3cr3t!x@db:5432/x``, ``Server=..;Password=S3cr3t;`` and
    ``password = "..."`` assignments with a real-looking (non-placeholder) value."""

    ENTITY = "PASSWORD"
    MIN_ENTROPY = 2.5
    CONTEXT_WINDOW = 200
    PATTERNS = (
        Pattern(
            "url_credentials",
            r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s:/@\"']{0,64}:(?P<v>[^\s@/\"']{3,128})@[A-Za-z0-9.\-\[\]_]{2,}",
            0.9,
        ),
        CtxPattern(
            "kv_password",
            r"(?i)\b(?:password|pwd|passwd)\s*=\s*(?P<v>[^;\s'\"]{4,128})",
            0.85,
        ),
        Pattern(
            "env_secret",
            r"(?-i)\b[A-Z0-9_]{0,40}(?:PASSWORD|PASSWD|_PWD|_PASS|SECRET|SECRET_KEY|TOKEN|API_KEY|APIKEY)"
            r"[A-Z0-9_]{0,20}[ \t]*=[ \t]*(?P<v>[^\s'\"$]{6,128})",
            0.85,
        ),
        Pattern(
            "assigned_secret",
            r"(?i)\b(?:password|passwd|db_pass(?:word)?|secret_key|client_secret|api_key|apikey|"
            r"access_token|auth_token)[\"']?\s*[:=]\s*[\"'](?P<v>[^\s\"']{6,128})[\"']",
            0.8,
        ),
    )
    CONTEXT = (
        "server=",
        "data source",
        "user id",
        "uid=",
        "host=",
        "database=",
        "initial catalog",
        "dsn",
    )

    def validate_result(self, pattern_text: str) -> bool:
        return not pattern_text.isalpha() or len(pattern_text) >= 10


CREDENTIAL_RECOGNISERS = (
    AwsAccessKeyRecogniser,
    AwsSecretKeyRecogniser,
    GitHubTokenRecogniser,
    GitLabTokenRecogniser,
    SlackTokenRecogniser,
    AnthropicKeyRecogniser,
    OpenAiKeyRecogniser,
    JwtRecogniser,
    PrivateKeyRecogniser,
    ConnectionStringPasswordRecogniser,
)
