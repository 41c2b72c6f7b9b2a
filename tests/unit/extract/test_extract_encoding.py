"""Content-Encoding decoding, size bounds and fail-closed errors, through ``extract``."""

from __future__ import annotations

import gzip
import json
import zlib

import brotli
import pytest
from backports import zstd

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import NINO, request, scanned

URL = "https://api.openai.com/v1/chat/completions"
BODY = json.dumps(
    {"model": "gpt-4o", "messages": [{"role": "user", "content": f"hello {NINO}"}]}
).encode()
ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
    "zstd": zstd.compress,
}


def encoded(data: bytes, coding: str) -> object:
    return request(URL, data, headers={"content-encoding": coding})


@pytest.mark.parametrize("coding", sorted(ENCODERS))
def test_each_content_encoding_is_decoded(coding: str) -> None:
    result = extract(encoded(ENCODERS[coding](BODY), coding))
    assert f"hello {NINO}" in scanned(result)


def test_raw_deflate_is_accepted() -> None:
    compressor = zlib.compressobj(wbits=-15)
    data = compressor.compress(BODY) + compressor.flush()
    assert f"hello {NINO}" in scanned(extract(encoded(data, "deflate")))


@pytest.mark.parametrize(
    ("header", "layers"),
    [
        ("gzip, br", ["gzip", "br"]),
        ("deflate,zstd", ["deflate", "zstd"]),
        ("br, gzip, zstd", ["br", "gzip", "zstd"]),
        ("identity, gzip", ["gzip"]),
    ],
)
def test_stacked_encodings_are_undone_in_reverse(header: str, layers: list[str]) -> None:
    data = BODY
    for coding in layers:  # applied in the order listed
        data = ENCODERS[coding](data)
    assert f"hello {NINO}" in scanned(extract(encoded(data, header)))


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_corrupt_or_truncated_encoding_is_unparseable(coding: str) -> None:
    good = ENCODERS[coding](BODY)
    for bad in (good[: len(good) // 2], b"this is not compressed at all"):
        with pytest.raises(ExtractionError) as info:
            extract(encoded(bad, coding))
        assert info.value.reason == "unparseable"


def test_unknown_encoding_is_unparseable() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(encoded(BODY, "compress"))
    assert info.value.reason == "unparseable"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br", "zstd"])
def test_decompression_bomb_is_too_large(coding: str) -> None:
    bomb = ENCODERS[coding](b"A" * (64 * 1024 * 1024))  # 64 MiB of output from a few KiB
    assert len(bomb) < 1024 * 1024
    with pytest.raises(ExtractionError) as info:
        extract(encoded(bomb, coding), max_bytes=20 * 1024 * 1024)
    assert info.value.reason == "too_large"


def test_body_over_the_limit_is_too_large() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(request(URL, b"x" * 2048), max_bytes=1024)
    assert info.value.reason == "too_large"


def test_invalid_declared_json_is_unparseable() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(request(URL, b'{"messages": [ {"role": "user", "content": "unterminated'))
    assert info.value.reason == "unparseable"


def test_deeply_nested_json_is_unparseable() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(request(URL, b"[" * 100_000 + b"]" * 100_000))
    assert info.value.reason == "unparseable"


def test_json_unicode_escapes_are_decoded_by_parsing() -> None:
    raw = b'{"model": "m", "messages": [{"role": "user", "content": "\\u0041\\u0042 12 34 56 \\u0043"}]}'
    assert NINO in scanned(extract(request(URL, raw)))


def test_utf16_json_body() -> None:
    raw = json.dumps(
        {"model": "m", "messages": [{"role": "user", "content": "utf16 text"}]}
    ).encode("utf-16")
    assert "utf16 text" in scanned(
        extract(request(URL, raw, content_type="application/json; charset=utf-16"))
    )


def test_empty_body_has_no_segments() -> None:
    assert extract(request(URL, b"", method="GET")).segments == []
