"""Token-id arrays (issue 16, RT-57 follow-up), end to end: the openai SDK sends
``embeddings.create(input=[[...ids...]])`` with real cl100k_base / o200k_base ids (what
LangChain's OpenAIEmbeddings sends) through a freshly started `aidlp run`. A clean array must
arrive upstream, the first one included (the vocabulary loads on that request: it must not turn
into a time-out block); a NINO must get 403 and never arrive."""

from __future__ import annotations

import secrets

import bpe_openai
import httpx
import openai
import pytest

pytestmark = pytest.mark.e2e

NINO = "JG103759A"  # valid format, made up
CLEAN = "Quarterly roadmap for the platform team: migrate the build farm and retire the old CI."
SECRET = f"Employee record: NI number {NINO}, start date in March, grade 7."


@pytest.fixture(scope="module")
def fresh_proxy(start_proxy):
    return start_proxy(name="tokens")


def _client(proxy) -> openai.OpenAI:
    http = httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=30.0)
    return openai.OpenAI(
        api_key="sk-test", base_url="https://api.openai.com/v1", http_client=http, max_retries=0
    )


def _embed(proxy, model: str, ids: list[int]) -> tuple[int, str]:
    tag = secrets.token_hex(6)
    try:  # the raw response: the local upstream answers no embedding vectors to parse
        response = _client(proxy).embeddings.with_raw_response.create(
            model=model, input=[ids], extra_headers={"x-test-tag": tag}
        )
    except openai.PermissionDeniedError as exc:
        return exc.status_code, tag
    return response.status_code, tag


def _arrived(log, tag: str, timeout: float):
    return log.wait_for(lambda r: r.headers.get("x-test-tag") == tag, timeout=timeout)


def _ids(encoding: str, text: str) -> list[int]:
    ids = bpe_openai.get_encoding(encoding).encode(text)
    assert max(ids) > 255  # real multi-byte tokens
    return ids


def test_clean_token_arrays_arrive_the_first_one_included(fresh_proxy, upstream_log) -> None:
    for model, encoding in (("text-embedding-3-small", "cl100k_base"), ("gpt-4o", "o200k_base")):
        ids = _ids(encoding, CLEAN)
        status, tag = _embed(fresh_proxy, model, ids)
        assert status == 200, (model, status)
        record = _arrived(upstream_log, tag, timeout=5.0)
        assert record is not None
        assert str(ids[1]) in record.body.decode()  # the ids themselves, unchanged


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("text-embedding-3-small", "cl100k_base"),
        ("gpt-4o", "o200k_base"),
        ("team-embeddings-deployment", "cl100k_base"),  # unknown model: every vocabulary
        ("team-embeddings-deployment", "o200k_base"),
    ],
)
def test_a_nino_in_a_token_array_is_blocked(
    fresh_proxy, upstream_log, model: str, encoding: str
) -> None:
    status, tag = _embed(fresh_proxy, model, _ids(encoding, SECRET))
    assert status == 403
    assert _arrived(upstream_log, tag, timeout=0.5) is None


def test_ids_no_vocabulary_has_are_blocked(fresh_proxy, upstream_log) -> None:
    status, tag = _embed(fresh_proxy, "text-embedding-3-small", [9906, 150_000])
    assert status == 403
    assert _arrived(upstream_log, tag, timeout=0.5) is None
