"""Red-team RT-06 / RT-36 through the real `aidlp run`: only a tool's own key types are
excepted in its credential headers, and generic session tokens only in its session cookies
and headers. Another service's key in ``Authorization`` or in a custom header to
api.openai.com never arrives and is recorded; the SDKs' own requests, Bedrock's SigV4 and
Copilot's GitHub token still pass."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

PROMPT = [{"role": "user", "content": "name three rivers"}]
BODY = {"model": "gpt-4o-mini", "messages": PROMPT}
OPENAI_KEY = "sk-proj-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz" * 2
AWS_KEY_ID = "AKIA" + "Q3EGRT5ZXWVPLM4N"
GITHUB_TOKEN = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwi"
    "aWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

#: ChatGPT web's access token shape: a JWT OpenAI's auth issued (RS256, iss auth.openai.com)
CHATGPT_ACCESS = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGgub3BlbmFpLmNvbSIsInN1YiI6"
    "InVzZXItYWJjIiwiZXhwIjoxOTAwMDAwMDAwfQ." + "Qm9ndXNTaWduYXR1cmVGb3JUZXN0cw" * 3
)


def _sdk(proxy, api_key: str) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=api_key,
        base_url="https://api.openai.com/v1",
        http_client=httpx.Client(proxy=proxy.url, verify=proxy.ssl_context()),
        max_retries=0,
    )


def _credentials_block(proxy, incident: str) -> bool:
    event = proxy.wait_event(lambda e: e.get("incident_id") == incident)
    return (
        event is not None
        and event.get("event") == "ai.request.blocked"
        and "CREDENTIALS" in {f["category"] for f in event["findings"]}
    )


def _not_arrived(upstream_log, value: str) -> bool:
    time.sleep(0.3)
    return (
        upstream_log.wait_for(
            lambda r: value in r.path or any(value in v for v in r.headers.values()), timeout=0.5
        )
        is None
    )


def test_the_openai_sdks_own_key_passes(aidlp_proxy, upstream_log):
    _sdk(aidlp_proxy, OPENAI_KEY).chat.completions.create(model="gpt-4o-mini", messages=PROMPT)
    arrived = upstream_log.wait_for(lambda r: r.path == "/v1/chat/completions")
    assert arrived is not None
    assert arrived.headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_an_aws_key_as_the_openai_sdks_api_key_is_blocked(aidlp_proxy, upstream_log):
    with pytest.raises(openai.PermissionDeniedError) as blocked:
        _sdk(aidlp_proxy, AWS_KEY_ID).chat.completions.create(model="gpt-4o-mini", messages=PROMPT)
    assert _credentials_block(aidlp_proxy, blocked.value.response.headers["X-AIDLP-Incident"])
    assert _not_arrived(upstream_log, AWS_KEY_ID)
    assert AWS_KEY_ID not in aidlp_proxy.output()


PAIR = "db_password=Sup3rS3cr3tPw!2024"


@pytest.mark.parametrize(
    "headers,value",
    [
        ({"Authorization": f"Bearer {GITHUB_TOKEN}"}, GITHUB_TOKEN),
        ({"x-api-key": AWS_KEY_ID}, AWS_KEY_ID),
        ({"Authorization": f"Bearer {OPENAI_KEY}", "X-Backup-Key": GITHUB_TOKEN}, GITHUB_TOKEN),
        (
            {"Authorization": f"Bearer {OPENAI_KEY}", "X-Backup-Key": OPENAI_KEY[:-4] + "Zz99"},
            OPENAI_KEY[:-4] + "Zz99",
        ),
        ({"Authorization": f"Bearer {OPENAI_KEY}", "X-Internal-Auth": JWT}, JWT),
        ({"Authorization": f"Bearer {OPENAI_KEY}", "Cookie": f"theme=dark; ref={JWT}"}, JWT),
        (  # red team RT-63: the client names the cookie; a session name exempts no pair
            {"Authorization": f"Bearer {OPENAI_KEY}", "Cookie": f"my_session_note={PAIR}"},
            PAIR.partition("=")[2],
        ),
        (
            {"Authorization": f"Bearer {OPENAI_KEY}", "Cookie": f"__Secure-notes={PAIR}"},
            PAIR.partition("=")[2],
        ),
        # red team RT-63: exact session cookie names only, and only the tool's own key shape
        # in its credential headers
        ({"Authorization": f"Bearer {OPENAI_KEY}", "Cookie": f"x_session={JWT}"}, JWT),
        ({"Authorization": f"Bearer {JWT}"}, JWT),
        ({"api-key": "Sup3rS3cr3tPw!2024"}, "Sup3rS3cr3tPw!2024"),
        ({"x-api-key": "3f9a1c2b4d5e6f708192a3b4c5d6e7f8091a2b3c"}, "3f9a1c2b4d5e6f708192a3b4c5d"),
    ],
    ids=[
        "github-in-authorization",
        "aws-in-x-api-key",
        "github-in-custom-header",
        "openai-key-in-custom-header",
        "jwt-in-custom-header",
        "jwt-in-non-session-cookie",
        "password-pair-in-session-named-cookie",
        "password-pair-in-secure-prefixed-cookie",
        "jwt-in-session-named-cookie",
        "internal-jwt-as-bearer",
        "password-as-api-key",
        "hex-secret-as-x-api-key",
    ],
)
def test_foreign_keys_and_tokens_in_headers_are_blocked(aidlp_proxy, upstream_log, headers, value):
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(
            "https://api.openai.com/v1/chat/completions", json=BODY, headers=headers
        )
    assert response.status_code == 403
    assert _credentials_block(aidlp_proxy, response.headers["X-AIDLP-Incident"])
    assert _not_arrived(upstream_log, value)
    assert value not in aidlp_proxy.output()


@pytest.mark.parametrize(
    "url,headers",
    [
        (
            "https://bedrock-runtime.eu-west-2.amazonaws.com/model/amazon.nova-lite-v1:0/converse",
            {
                "Authorization": f"AWS4-HMAC-SHA256 Credential={AWS_KEY_ID}/20250101/eu-west-2/"
                "bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="
                "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
                "x-amz-date": "20250101T000000Z",
            },
        ),
        (
            "https://api.githubcopilot.com/chat/completions",
            {"Authorization": f"Bearer {GITHUB_TOKEN}"},
        ),
        (
            "https://chatgpt.com/backend-api/conversation",
            {
                "Authorization": f"Bearer {CHATGPT_ACCESS}",
                "Cookie": f"__Secure-next-auth.session-token={JWT}",
                "openai-sentinel-chat-requirements-token": JWT,
            },
        ),
    ],
    ids=["bedrock-sigv4", "copilot-github-token", "chatgpt-web-session"],
)
def test_a_tools_declared_credentials_pass(aidlp_proxy, upstream_log, url, headers):
    with aidlp_proxy.httpx(http2=True) as client:
        response = client.post(url, json=BODY, headers=headers)
    assert response.status_code == 200, response.text[:300]
    path = httpx.URL(url).path
    assert upstream_log.wait_for(lambda r: r.path == path) is not None
