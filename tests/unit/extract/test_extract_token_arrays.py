"""Token-id arrays on /completions and /embeddings, decoded with the model's real vocabulary
(bpe-openai's shipped cl100k_base / o200k_base), every candidate for an unknown model, and
blocked when no shipped vocabulary can read them."""

from __future__ import annotations

from pathlib import Path

import bpe_openai
import pytest

from detectors.engine import ScanEngine
from proxy.extract import ExtractionError, extract
from proxy.extract.tokens import TokenDataError, vocabularies
from tests.unit.extract.extract_helpers import joined, request

EMBEDDINGS = "https://api.openai.com/v1/embeddings"
COMPLETIONS = "https://api.openai.com/v1/completions"
NINO = "JG103729A"  # valid-format, made up
SECRET = f"Please summarise: employee NI number {NINO}, start date March."
CLEAN = "Please summarise the quarterly roadmap for the platform team."


def ids(encoding: str, text: str) -> list[int]:
    tokens = bpe_openai.get_encoding(encoding).encode(text)
    assert any(t > 255 for t in tokens)  # real multi-byte tokens, not the byte fallback
    assert bpe_openai.get_encoding(encoding).decode(tokens) == text  # what the server reads
    return tokens


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def categories(engine: ScanEngine, url: str, body: dict) -> list[str]:
    return engine.scan(joined(extract(request(url, body)))).categories


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("gpt-4o", "o200k_base"),
        ("openai/gpt-5-mini", "o200k_base"),
    ],
)
def test_a_nino_in_the_models_vocabulary_is_found(
    engine: ScanEngine, model: str, encoding: str
) -> None:
    tokens = ids(encoding, SECRET)
    assert categories(engine, EMBEDDINGS, {"model": model, "input": [tokens]})
    assert categories(engine, EMBEDDINGS, {"model": model, "input": tokens})
    assert NINO in joined(extract(request(COMPLETIONS, {"model": model, "prompt": [tokens]})))


def test_a_clean_token_array_is_read_and_allowed(engine: ScanEngine) -> None:
    for encoding, model in (("cl100k_base", "text-embedding-3-large"), ("o200k_base", "o3")):
        body = {"model": model, "input": [ids(encoding, CLEAN)]}
        text = joined(extract(request(EMBEDDINGS, body)))
        assert CLEAN in text
        assert engine.scan(text).categories == []


@pytest.mark.parametrize("encoding", ["cl100k_base", "o200k_base"])
def test_an_unknown_model_is_decoded_with_every_vocabulary(
    engine: ScanEngine, encoding: str
) -> None:
    """An Azure deployment name says nothing about the vocabulary: every reading is scanned."""
    tokens = ids(encoding, SECRET)
    url = "https://x.openai.azure.com/openai/deployments/team-embed/embeddings"
    assert NINO in joined(extract(request(url, {"input": [tokens]})))
    assert categories(engine, EMBEDDINGS, {"model": "acme-embed-v2", "input": [tokens]})


def test_ids_out_of_range_for_every_vocabulary_block() -> None:
    for body in (
        {"model": "acme-embed", "input": [[9906, 300_000]]},
        {"model": "text-embedding-3-small", "input": [[9906, 150_000]]},  # past cl100k
        {"model": "text-embedding-3-small", "input": [[100_256]]},  # a hole in cl100k
    ):
        with pytest.raises(ExtractionError) as info:
            extract(request(EMBEDDINGS, body))
        assert info.value.reason == "uninspectable"


def test_a_vocabulary_not_shipped_reads_single_bytes_only() -> None:
    """p50k/r50k data is not in the wheel: a legacy model's multi-byte ids block."""
    with pytest.raises(ExtractionError) as info:
        extract(request(COMPLETIONS, {"model": "text-davinci-003", "prompt": [9906, 1917]}))
    assert info.value.reason == "uninspectable"
    order = [*range(33, 127), *range(161, 173), *range(174, 256)]
    order += [b for b in range(256) if b not in order]
    single = [order.index(b) for b in NINO.encode()]
    body = {"model": "text-davinci-003", "prompt": single}
    assert NINO in joined(extract(request(COMPLETIONS, body)))


def test_the_model_map_is_data_validated_at_load(tmp_path: Path) -> None:
    vocab = vocabularies()
    assert vocab.for_model("gpt-4o-mini") == "o200k_base"
    assert vocab.for_model("gpt-4-turbo") == "cl100k_base"
    assert vocab.for_model("davinci-002") == "cl100k_base"  # longest prefix wins
    assert vocab.for_model("team-deployment") is None
    bad = tmp_path / "vocab.yaml"
    bad.write_text("encodings: {cl100k_base: {shipped: true}}\nmodels: {gpt-4: p99k}\n")
    with pytest.raises(TokenDataError, match="unknown encoding 'p99k'"):
        vocabularies(bad)
    bad.write_text("encodings: {cl100k_base: {}}\nmodels: {gpt-4: cl100k_base}\n")
    with pytest.raises(TokenDataError, match="shipped"):
        vocabularies(bad)
