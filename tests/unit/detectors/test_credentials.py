"""Credentials and placeholder look-alikes."""

from __future__ import annotations

import base64

import pytest

from detectors.recognisers.credentials import entropy, is_placeholder


def _jwt() -> str:
    h = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    p = base64.urlsafe_b64encode(b'{"sub":"1234567890","iat":1516239022}').rstrip(b"=").decode()
    return f"{h}.{p}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"


SECRETS = [
    "AWS_ACCESS_KEY_ID=AKIAQ3EGRJW7LX5TYM2P",
    "aws_secret_access_key = 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",
    "token ghp_jkVpHc4owSksJeLVLEfF6gwneqU7raT35Xl8",
    "GITLAB_TOKEN=glpat-x9Kd8sL2mQ4vB7nR1tYz",
    "slack xoxb-2934871234-2938475612-aZ8kLm3Nq9Rt5Vx2",
    "OPENAI_API_KEY=sk-proj-4fG7hJ2kL9mN3pQ6rS8tV1wX5yZ0aB",
    "key sk-ant-api03-Zx8Yw7Vu6Ts5Rq4Po3Nm2Lk1Jh0Gf9Ed8Cb7",
    "Authorization: Bearer " + _jwt(),
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAwJ5k3v0Q9fX2hZ1yL8mN4pR7sT6uV9wX2yZ3aB4cD5eF6gH7\n-----END",
    "postgres://claims_app:Tr0ub4dor%26x9@db.internal:5432/claims",
    "redis://:Dragon723%2511oM@cache:6379/0",
    "Server=db;Database=claims;User Id=app;Password=Xk93!mPq2z;",
    "POSTGRES_PASSWORD=Summer298#dQob",
]
LOOKALIKES = [
    "Use AKIAIOSFODNN7EXAMPLE from the AWS docs",
    "set OPENAI_API_KEY=sk-your-key-here",
    "postgres://user:password@localhost:5432/db",
    "DB_PASSWORD=${DB_PASSWORD}",
    "password = os.environ['PASSWORD']",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "What is a JWT and how is it signed?",
    "-----BEGIN RSA PRIVATE KEY----- is the header of a PEM file; what follows it?",
]


@pytest.mark.parametrize("text", SECRETS)
def test_credentials(engine, text: str) -> None:
    assert engine.scan(text).categories == ["CREDENTIALS"]


@pytest.mark.parametrize("text", LOOKALIKES)
def test_lookalikes(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories


def test_placeholder_and_entropy_helpers() -> None:
    assert is_placeholder("changeme") and is_placeholder("${X}") and is_placeholder("<pw>")
    assert not is_placeholder("Xk93!mPq2z")
    assert entropy("aaaa") == 0.0 < entropy("aZ8kLm3N")


def test_credential_offsets_point_at_the_secret(engine) -> None:
    text = "conn: postgres://app:Xk93mPq2zL@db:5432/x"
    f = engine.scan(text).findings[0]
    assert text[f.start : f.end] == "Xk93mPq2zL"
