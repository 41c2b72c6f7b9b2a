"""Red-team RT-06 / RT-36: the credential exemptions in request metadata apply only where the
catalogue says the tool's own credentials and session tokens live. Real detectors, the
embedded catalogue; both sides of each rule."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from detectors.engine import ScanEngine
from proxy.catalogue import CatalogueSettings, Tool
from proxy.config import ConfigError, load_catalogue, load_config
from proxy.extract.datatypes import Extraction, Segment
from proxy.transport.metadata import (
    RequestMetadataSettings,
    metadata_segments,
    prompt_end,
    without_exempt_findings,
)

OPENAI_KEY = "sk-proj-" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7z"
ANTHROPIC_KEY = (
    "sk-ant-api03-"
    + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kL5mN7pQ9rS1tU3vW5xY7zA9bC1dE3fG5hJ7kL9mN1pQ3rS5t-AAAAAAAA"
)
AWS_KEY_ID = "AKIA" + "Q3EGRT5ZXWVPLM4N"
GITHUB_TOKEN = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
GITHUB_APP_TOKEN = "ghu_" + "16C7e42F292c6912E7710c838347Ae178B4a"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
    "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
#: ChatGPT web's access token shape: a JWT OpenAI's auth issued (RS256, iss auth.openai.com)
CHATGPT_ACCESS = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGgub3BlbmFpLmNvbSIsInN1YiI6"
    "InVzZXItYWJjIiwiZXhwIjoxOTAwMDAwMDAwfQ." + "Qm9ndXNTaWduYXR1cmVGb3JUZXN0cw" * 3
)
SIGV4 = (
    f"AWS4-HMAC-SHA256 Credential={AWS_KEY_ID}/20250101/us-east-1/bedrock/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date, "
    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
)
BASIC_WITH_PASSWORD = "Basic c3ZjX2RlcGxveTpQcjBkUGFzc3cwcmQhMjAyNA=="  # svc_deploy:<password>
PEM = "-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


@pytest.fixture(scope="module")
def config():
    return load_config()


def counted(engine, config, host, headers, path="/v1/chat/completions") -> list[str]:
    """The CREDENTIALS entity types that still count for a clean prompt to ``host``."""
    tool = config.catalogue.match(host)
    assert tool is not None
    settings = config.config.catalogue.request_metadata
    segments = metadata_segments(
        path, headers, credential_headers=tool.credential_headers, settings=settings
    )
    extraction = Extraction(segments=[Segment("name three rivers", "messages[0]"), *segments])
    result = engine.scan(extraction.text, body_end=prompt_end(extraction))
    kept = without_exempt_findings(
        result,
        extraction,
        tool_entities=tool.credential_entities,
        session_headers=tool.session_headers,
        session_cookies=tool.session_cookies,
        own_credentials_only=tool.own_credentials_only,
        jwt_issuers=tool.credential_jwt_issuers,
        settings=settings,
    )
    return sorted({f.entity_type for f in kept.findings if f.category == "CREDENTIALS"})


# ---- a tool's own key in its credential header passes; another service's typed key does not --


@pytest.mark.parametrize(
    "host,headers",
    [
        ("api.openai.com", [("Authorization", f"Bearer {OPENAI_KEY}")]),
        ("api.anthropic.com", [("x-api-key", ANTHROPIC_KEY)]),
        ("chatgpt.com", [("Authorization", f"Bearer {CHATGPT_ACCESS}")]),  # ChatGPT web
        ("bedrock-runtime.eu-west-2.amazonaws.com", [("Authorization", SIGV4)]),
        ("api.githubcopilot.com", [("Authorization", f"Bearer {GITHUB_APP_TOKEN}")]),
        ("models.github.ai", [("Authorization", f"Bearer {GITHUB_TOKEN}")]),
    ],
    ids=["openai-key", "anthropic-key", "chatgpt-jwt", "bedrock-sigv4", "copilot", "gh-models"],
)
def test_a_tools_own_credential_in_its_credential_header_does_not_count(
    engine, config, host, headers
):
    assert counted(engine, config, host, headers) == []


@pytest.mark.parametrize(
    "host,headers,entity",
    [
        ("api.openai.com", [("Authorization", f"Bearer {AWS_KEY_ID}")], "AWS_ACCESS_KEY"),
        ("api.openai.com", [("Authorization", f"Bearer {GITHUB_TOKEN}")], "GITHUB_TOKEN"),
        ("api.openai.com", [("x-api-key", GITHUB_TOKEN)], "GITHUB_TOKEN"),
        ("api.anthropic.com", [("x-api-key", AWS_KEY_ID)], "AWS_ACCESS_KEY"),
        ("api.openai.com", [("Authorization", BASIC_WITH_PASSWORD)], "BASIC_AUTH"),
        ("api.openai.com", [("Authorization", f"Bearer {PEM}")], "PRIVATE_KEY"),
        ("api.openai.com", [("Authorization", SIGV4)], "AWS_ACCESS_KEY"),  # not Bedrock
        ("api.anthropic.com", [("Authorization", f"Bearer {OPENAI_KEY}")], "OPENAI_API_KEY"),
    ],
    ids=["aws", "github", "github-x-api-key", "aws-anthropic", "basic", "pem", "sigv4", "other-ai"],
)
def test_another_services_typed_key_in_a_credential_header_counts(
    engine, config, host, headers, entity
):
    assert entity in counted(engine, config, host, headers)


# ---- session tokens pass only in the tool's session cookies and headers ------------------------


def test_session_tokens_in_declared_session_cookies_and_headers_do_not_count(engine, config):
    headers = [
        ("Cookie", f"__Secure-next-auth.session-token={JWT}; oai-sc={JWT}; theme=dark"),
        ("openai-sentinel-chat-requirements-token", JWT),
    ]
    assert counted(engine, config, "chatgpt.com", headers) == []


@pytest.mark.parametrize(
    "headers,path,entity",
    [
        ([("X-Internal-Auth", JWT)], "/v1/chat/completions", "JWT"),
        (
            [("X-Config", "db_password=Sup3rS3cr3tPw!2024")],
            "/v1/chat/completions",
            "GENERIC_PASSWORD",
        ),
        (
            [("Cookie", "db_password=Sup3rS3cr3tPw!2024")],
            "/v1/chat/completions",
            "GENERIC_PASSWORD",
        ),
        ([("Cookie", f"theme=dark; ref={JWT}")], "/v1/chat/completions", "JWT"),
        ([("X-Backup-Key", OPENAI_KEY)], "/v1/chat/completions", "OPENAI_API_KEY"),  # own type
        ([("Cookie", f"backup={OPENAI_KEY}")], "/v1/chat/completions", "OPENAI_API_KEY"),
        ([], f"/v1/files/{OPENAI_KEY}", "OPENAI_API_KEY"),
        ([("openai-sentinel-proof-token", GITHUB_TOKEN)], "/", "GITHUB_TOKEN"),  # typed: counts
    ],
    ids=[
        "jwt-custom",
        "password-custom",
        "password-cookie",
        "jwt-cookie",
        "own-key-custom",
        "own-key-cookie",
        "own-key-path",
        "typed-in-session-header",
    ],
)
def test_tokens_elsewhere_in_the_metadata_count(engine, config, headers, path, entity):
    assert entity in counted(engine, config, "chatgpt.com", headers, path)


@pytest.mark.parametrize(
    "headers",
    [
        [("Cookie", "my_session_note=db_password=Sup3rS3cr3tPw!2024")],
        [("Cookie", "__Secure-notes=db_password=Sup3rS3cr3tPw!2024")],
        [("Cookie", "__Host-x=db_password=Sup3rS3cr3tPw!2024; theme=dark")],
        [("Cookie", "oai-note=db_password=Sup3rS3cr3tPw!2024")],
        [("openai-sentinel-proof-token", "db_password=Sup3rS3cr3tPw!2024")],
        # any separator between the key and the secret (RT-63 round D)
        [("Cookie", "my_session=db_password:Sup3rS3cr3tPw!2024")],
        [("Cookie", "my_session=db_password|Sup3rS3cr3tPw!2024")],
        [("Cookie", "my_session=db_password+Sup3rS3cr3tPw!2024")],
        [("Cookie", "my_session=db_password~Sup3rS3cr3tPw!2024")],
        [("Cookie", "my_session=db_password=>Sup3rS3cr3tPw!2024")],
        [("Cookie", "my_session=db_password\\u003dSup3rS3cr3tPw!2024")],
        [("Cookie", "my_session=db_password%3DSup3rS3cr3tPw!2024")],
        [("openai-sentinel-proof-token", "db_password:Sup3rS3cr3tPw!2024")],
    ],
    ids=[
        "glob-session",
        "secure-prefix",
        "host-prefix",
        "tool-glob",
        "session-header",
        "colon",
        "pipe",
        "plus",
        "tilde",
        "arrow",
        "json-escaped",
        "percent-encoded",
        "session-header-colon",
    ],
)
def test_a_password_inside_a_session_cookie_or_header_counts(engine, config, headers):
    """Red team RT-63: the client names its cookies, so a session-cookie name exempts only
    the cookie's own token, never a key=value pair written inside its value."""
    assert {"GENERIC_PASSWORD", "GENERIC_SECRET"} & set(
        counted(engine, config, "chatgpt.com", headers)
    )


def test_session_headers_are_per_tool(engine, config):
    """OpenAI's sentinel header is a session header for OpenAI, a custom header for Anthropic."""
    headers = [("openai-sentinel-chat-requirements-token", JWT)]
    assert counted(engine, config, "chatgpt.com", headers) == []
    assert counted(engine, config, "api.anthropic.com", headers) == ["JWT"]


SENTINEL_PROOF = "gAAAAABnX2kzQ1lWd0pQcHZ4TXlHc3BmbGZ4ZkR0c2RqT0ZxZkxBZ2Z1V0hYb2Rq"


def test_chatgpt_sentinel_tokens_are_its_own_session_tokens(engine, config):
    """Rule: ChatGPT web's anti-bot token in its own sentinel header does not count (its
    header name made the keyword rule read it as a provider key, blocking every ChatGPT web
    prompt); the same value in a custom header, or another service's typed key in the
    sentinel header, still counts."""
    sentinel = [("openai-sentinel-proof-token", SENTINEL_PROOF)]
    assert counted(engine, config, "chatgpt.com", sentinel) == []
    assert counted(engine, config, "chatgpt.com", [("x-openai-token", SENTINEL_PROOF)]) != []
    foreign = [("openai-sentinel-proof-token", AWS_KEY_ID)]
    assert "AWS_ACCESS_KEY" in counted(engine, config, "chatgpt.com", foreign)


# ---- the data is validated at load ----------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("credential_entities", ["aws_access_key"]),
        ("session_headers", ["bad header"]),
        ("session_cookies", ["a=b"]),
    ],
)
def test_misspelt_exemption_data_is_refused(field, value):
    with pytest.raises(ValidationError):
        Tool(id="t", name="T", hosts=["t.example"], **{field: value})
    with pytest.raises(ValidationError):
        RequestMetadataSettings(session_entities=["jwt"])


def test_catalogue_file_errors_are_located(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text(
        "version: 1\ntools:\n  - id: t\n    name: T\n    hosts: [t.example]\n"
        "    credential_entities: [github token]\n"
    )
    with pytest.raises(ConfigError) as info:
        load_catalogue(CatalogueSettings(file=str(path)))
    assert "credential_entities" in str(info.value)
    assert "line 6" in str(info.value)


def test_the_websocket_nonce_is_not_a_secret_but_a_key_in_it_is(engine, config):
    nonce = [("Sec-WebSocket-Key", "bDpvxpaCS9iI+2Dm0e8MCw==")]  # random 16 bytes, base64
    assert counted(engine, config, "copilot.microsoft.com", nonce) == []
    typed = [("Sec-WebSocket-Key", AWS_KEY_ID)]
    assert "AWS_ACCESS_KEY" in counted(engine, config, "copilot.microsoft.com", typed)


@pytest.mark.parametrize(
    "value,entity",
    [(JWT, "JWT"), ("db_password=Sup3rS3cr3tPw!2024", "GENERIC_PASSWORD")],
    ids=["jwt", "password"],
)
def test_a_websocket_key_that_is_no_nonce_gets_no_exemption(engine, config, value, entity):
    """RFC 6455: the key is base64 of exactly 16 bytes; anything else is not a nonce."""
    headers = [("Sec-WebSocket-Key", value)]
    assert entity in counted(engine, config, "copilot.microsoft.com", headers)


# ---- red team RT-63: exemptions never follow names or shapes the client chooses ---------------


@pytest.mark.parametrize(
    "host,headers",
    [
        ("api.openai.com", [("Authorization", f"Bearer {JWT}")]),  # an internal JWT
        ("chatgpt.com", [("Authorization", f"Bearer {JWT}")]),  # not OpenAI's issuer
        ("api.openai.com", [("api-key", "Sup3rS3cr3tPw!2024")]),
        ("api.openai.com", [("x-api-key", "3f9a1c2b4d5e6f708192a3b4c5d6e7f8091a2b3c")]),
        ("api.anthropic.com", [("x-api-key", "3f9a1c2b4d5e6f708192a3b4c5d6e7f8091a2b3c")]),
    ],
    ids=["jwt-api", "jwt-chatgpt", "password-api-key", "hex-x-api-key", "hex-anthropic"],
)
def test_only_the_tools_own_key_shape_passes_in_its_credential_headers(
    engine, config, host, headers
):
    assert counted(engine, config, host, headers) != []


@pytest.mark.parametrize(
    "cookie",
    [
        f"x_session={JWT}",
        f"__Secure-notes={JWT}",
        f"__Host-x={JWT}",
        f"csrfnote={JWT}",
        f"oai-note={JWT}",
    ],
)
def test_a_cookie_named_like_a_session_is_no_session_cookie(engine, config, cookie):
    """Exact names only: the client names its cookies."""
    assert "JWT" in counted(engine, config, "chatgpt.com", [("Cookie", cookie)])


def test_declared_session_cookies_and_their_chunks_pass(engine, config):
    cookie = (
        f"__Secure-next-auth.session-token.0={JWT}; __Secure-next-auth.session-token.1={JWT}; "
        f"oai-sc={JWT}"
    )
    assert counted(engine, config, "chatgpt.com", [("Cookie", cookie)]) == []


@pytest.mark.parametrize("pattern", ["oai-*", "*session*", "__Secure-?"])
def test_cookie_name_globs_are_refused(pattern):
    with pytest.raises(ValidationError):
        Tool(id="t", name="T", hosts=["t.example"], session_cookies=[pattern])
    with pytest.raises(ValidationError):
        RequestMetadataSettings(session_cookies=[pattern])
