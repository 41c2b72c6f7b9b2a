"""RT-57 residual (t98): token ids in the other shapes a server's lax validation accepts, or
that carry ids in order: integral floats (``41.0``, ``4.1e1``), digit strings, ``logit_bias``
keys, and a Batch API JSONL file whose ``body.prompt`` is a token array. Each array is built
with cl100k_base and decoded back with it first (what the server reads)."""

from __future__ import annotations

import json

import bpe_openai
import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from tests.unit.extract.extract_helpers import joined, request

EMBEDDINGS = "https://api.openai.com/v1/embeddings"
COMPLETIONS = "https://api.openai.com/v1/completions"
CHAT = "https://api.openai.com/v1/chat/completions"
NINO = "JG103729A"  # valid-format, made up
SECRET = f"Please summarise: employee NI number {NINO}, start date March."
CLEAN = "Please summarise the quarterly roadmap for the platform team."


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def tokens(text: str) -> list[int]:
    encoding = bpe_openai.get_encoding("cl100k_base")
    ids = encoding.encode(text)
    assert encoding.decode(ids) == text
    return ids


def shapes(text: str) -> dict[str, tuple[str, str]]:
    ids = tokens(text)
    batch_line = json.dumps(
        {"custom_id": "r1", "method": "POST", "url": "/v1/completions",
         "body": {"model": "gpt-3.5-turbo-instruct", "prompt": ids}}
    )  # fmt: skip
    boundary = "tkB0und"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.jsonl"\r\n'
        f"Content-Type: application/jsonl\r\n\r\n{batch_line}\r\n--{boundary}--\r\n"
    )
    return {
        "floats": (EMBEDDINGS, json.dumps({"model": "text-embedding-3-small",
                                           "input": [[float(t) for t in ids]]})),
        "exponent numbers": (COMPLETIONS, '{"model": "gpt-3.5-turbo-instruct", "prompt": ['
                             + ",".join(f"{t / 10}e1" for t in ids) + "]}"),
        "digit strings": (EMBEDDINGS, json.dumps({"model": "text-embedding-3-small",
                                                  "input": [[str(t) for t in ids]]})),
        "flat digit strings": (COMPLETIONS, json.dumps({"model": "gpt-3.5-turbo-instruct",
                                                        "prompt": [str(t) for t in ids]})),
        "logit_bias keys": (CHAT, json.dumps({"model": "gpt-4", "messages": [
            {"role": "user", "content": "hi"}], "logit_bias": {str(t): 1 for t in ids}})),
        "batch jsonl body.prompt": ("https://api.openai.com/v1/files|" + boundary, multipart),
    }  # fmt: skip


def extract_shape(url: str, body: str):
    if "|" in url:
        url, boundary = url.split("|")
        return extract(request(url, body, content_type=f"multipart/form-data; boundary={boundary}"))
    return extract(request(url, body))


@pytest.mark.parametrize("shape", sorted(shapes(CLEAN)))
def test_token_ids_in_other_shapes_are_decoded(engine, shape: str) -> None:
    url, body = shapes(SECRET)[shape]
    text = joined(extract_shape(url, body))
    assert NINO in text, shape
    assert "PERSONAL_DATA" in engine.scan(text).categories


@pytest.mark.parametrize("shape", sorted(shapes(CLEAN)))
def test_clean_token_ids_in_other_shapes_stay_allowed(engine, shape: str) -> None:
    url, body = shapes(CLEAN)[shape]
    assert engine.scan(joined(extract_shape(url, body))).categories == []


def test_digit_strings_that_decode_to_nothing_are_still_read_as_strings() -> None:
    """Digit strings are not blocked for not decoding: they are read as what they are."""
    body = {"model": "text-embedding-3-small", "input": ["99999999", "2024"]}
    text = joined(extract(request(EMBEDDINGS, body)))
    assert "99999999" in text and "2024" in text


def test_logit_bias_keys_spelt_with_single_bytes_are_read_as_words(engine) -> None:
    """Round F (t98): object keys keep each token once, so the spaces and repeated letters
    of the text are gone (``My NInumberisJG103729A``); read with the words apart too."""
    encoding = bpe_openai.get_encoding("cl100k_base")
    ids = [encoding.encode(ch)[0] for ch in "My NI number is JG103729A"]
    bias = {str(t): 1 for t in dict.fromkeys(ids)}
    spelt = encoding.decode([int(k) for k in bias])
    assert spelt == "My NInumberisJG103729A"  # what the keys say, in order
    assert not engine.scan(spelt).findings  # glued: the reason for the second reading
    body = {"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}], "logit_bias": bias}
    text = joined(extract(request(CHAT, json.dumps(body))))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}
    clean = {str(t): -100 for t in tokens(" Paris London")}
    body = {**body, "logit_bias": clean}
    assert not engine.scan(joined(extract(request(CHAT, json.dumps(body))))).findings
