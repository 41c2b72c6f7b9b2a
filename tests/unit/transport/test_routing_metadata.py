"""Blocked models in every routing place; request metadata as scan segments (issue 15)."""

from __future__ import annotations

import pytest

from detectors.types import Finding, ScanResult
from proxy.catalogue import CatalogueSettings
from proxy.extract.datatypes import Extraction, Segment
from proxy.transport.metadata import metadata_segments, without_exempt_findings
from proxy.transport.routing import AMBIGUOUS, BLOCKED, RoutingCheck

SETTINGS = CatalogueSettings()
CHECK = RoutingCheck(SETTINGS.blocked_models, SETTINGS.routing_fields)


@pytest.mark.parametrize(
    "path",
    [
        "/openai/deployments/deepseek-r1/chat/completions?api-version=2024-10-21",
        "/models/deepseek-ai/DeepSeek-R1",
        "/model/us.deepseek.r1-v1%3A0/converse",
        "/v1/projects/p/locations/us-central1/publishers/deepseek-ai/models/x:predict",
        "/v1/chat?model=deepseek-chat",
        "/x/%2564eepseek/y",
    ],
)
def test_blocked_model_in_the_url(path: str) -> None:
    assert CHECK.url_verdict(path) == BLOCKED


@pytest.mark.parametrize(
    "body",
    [
        b'{"model": "openai/gpt-4o", "provider": {"only": ["deepseek"]}}',
        b'{"model": "gpt-4o", "provider": {"order": ["DeepSeek", "together"]}}',
        b'  \n {"model": "deepseek-chat", "messages": []}',
        b'{"model": "gpt-4o", "models": ["x", "deepseek/deepseek-r1"]}',
        b'{"model": "accounts/fireworks/models/deepseek-v3"}',
        b'[{"model": "deepseek-chat"}]',
        b'{"type":4,"arguments":[{"model":"deepseek-r1"}]}\x1e',
        b"model=deepseek-chat&prompt=hi",
        b'{"model": "gpt-4o", "model": "deepseek-chat"}',
        b'{"model": "deepseek-chat", "model": "gpt-4o"}',
    ],
)
def test_blocked_model_in_a_routing_field(body: bytes) -> None:
    assert CHECK.body_verdict(body) == BLOCKED


def test_duplicate_routing_keys_are_ambiguous() -> None:
    assert CHECK.body_verdict(b'{"model": "gpt-4o", "model": "gpt-4o-mini"}') == AMBIGUOUS
    assert CHECK.body_verdict(b'{"messages": [{"content": "a"}, {"content": "b"}]}') is None


@pytest.mark.parametrize(
    "body",
    [
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": "What is DeepSeek?"}]}',
        b"not json at all",
        b"",
        b'{"broken": ',
    ],
)
def test_mentioning_deepseek_in_a_prompt_is_not_routing(body: bytes) -> None:
    assert CHECK.body_verdict(body) is None


def test_metadata_segments_and_exemptions() -> None:
    segments = metadata_segments(
        "/v1/files/JG103729A?purpose=x",
        [
            ("Host", "api.openai.com"),
            ("Authorization", "Bearer sk-proj-xyz"),
            ("OpenAI-User", "AKIAQWERTYUIOPASDFGH"),
            ("Cookie", "a=1; __Host-next-auth.csrf-token=eyJ%41bc"),
            ("Content-Length", "12"),
        ],
        [("x-note", "trailer text")],
        credential_headers=["authorization"],
    )
    where = [s.where for s in segments]
    assert where == [
        "path",
        "path.query",
        "credential-header",
        "header.openai-user",
        "cookie.a",
        "cookie.__Host-next-auth.csrf-token",
        "trailer.x-note",
    ]
    assert segments[0].text == "v1 / files / JG103729A"
    assert segments[1].text == "purpose"
    assert segments[5].text == "__Host-next-auth.csrf-token: eyJAbc"

    extraction = Extraction(segments=[Segment("body text", "messages[0]"), *segments])
    text = extraction.text

    def finding(needle: str, category: str, entity: str) -> Finding:
        start = text.index(needle)
        return Finding(category, entity, start, start + len(needle), 0.9, "t")

    result = ScanResult(
        findings=[
            finding("sk-proj-xyz", "CREDENTIALS", "OPENAI_API_KEY"),  # credential header
            finding("AKIAQWERTYUIOPASDFGH", "CREDENTIALS", "AWS_ACCESS_KEY"),  # counts
            finding("eyJAbc", "CREDENTIALS", "JWT"),  # a declared session cookie
            finding("JG103729A", "PERSONAL_DATA", "UK_NINO"),  # counts
            finding("body text", "CREDENTIALS", "JWT"),  # body: never exempt
        ],
        categories=["CREDENTIALS", "PERSONAL_DATA"],
    )
    kept = without_exempt_findings(result, extraction, tool_entities=["OPENAI_API_KEY"])
    assert [f.entity_type for f in kept.findings] == ["AWS_ACCESS_KEY", "UK_NINO", "JWT"]
    assert kept.categories == ["CREDENTIALS", "PERSONAL_DATA"]


def test_free_text_protocol_headers_bare_cookies_query_keys_and_host_names_are_scanned() -> None:
    """Red-team RT-03/04/05: every place a value reaches the AI host is a segment."""
    segments = metadata_segments(
        "/v1/models?JG103729A&x=1&%4A%47=#note%20AB123456C",
        [
            ("Accept-Language", "en; note=JG103729A"),
            ("Keep-Alive", "timeout=5, JG103729A"),
            ("Cookie", "a=1; JG103729A"),
            ("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
        ],
        names=["jg103729a.openai.com", "api.openai.com"],
    )
    texts = {s.where: s.text for s in segments}
    assert texts["host"] == "jg103729a.openai.com , api.openai.com"
    assert texts["path.query"] == "JG103729A & x & JG"
    assert texts["path.fragment"] == "note AB123456C"
    assert texts["header.accept-language"].endswith("JG103729A")
    assert texts["header.keep-alive"].endswith("JG103729A")
    assert texts["cookie"] == "JG103729A"
    assert not any("dXNlcjpwYXNz" in s.text for s in segments)  # removed, never forwarded


# ---- red team RT-95: header bytes and coding fields read as servers read them ---------------


def test_header_bytes_that_are_not_utf8_are_read_as_latin1_too():
    from proxy.transport.metadata import header_text

    assert header_text("caf\u00e9 JG103729A".encode()) == "caf\u00e9 JG103729A"
    both = header_text(b"NI JG\xa0103729A")
    assert "JG\u00a0103729A" in both and "\ufffd" in both


@pytest.mark.parametrize(
    "value,decoded",
    [
        ("=?utf-8?Q?NI_=4A=47=31=30=33=37=32=39=41?=", "NI JG103729A"),
        ("=?UTF-8?B?TkkgSkcxMDM3MjlB?=", "NI JG103729A"),
        ("=?x-unknown-cs?Q?J=47?=", "JG"),
        ("plain text =? not ?= encoded", None),
        ("no words", None),
    ],
)
def test_rfc2047_encoded_words_are_decoded(value, decoded):
    from proxy.transport.metadata import encoded_words

    assert encoded_words(value) == decoded


def test_an_encoded_header_is_scanned_decoded():
    segments = metadata_segments("/", [("X-Note", "=?utf-8?Q?NI_=4A=47?=")])
    assert [s.text for s in segments] == ["X-Note: =?utf-8?Q?NI_=4A=47?=", "X-Note: NI JG"]


def test_gzip_member_header_fields_are_read():
    import gzip
    import io

    from proxy.extract.encoding import decode_body, gzip_header_texts

    buffer = io.BytesIO()
    with gzip.GzipFile(filename="NI_JG103729A.json", mode="wb", fileobj=buffer, mtime=0) as f:
        f.write(b'{"a": 1}')
    body = buffer.getvalue() * 2  # two members
    assert gzip_header_texts(body) == ["NI_JG103729A.json"]
    notes: list[str] = []
    assert decode_body(body, "gzip", 1 << 20, notes) == b'{"a": 1}' * 2
    assert notes == ["NI_JG103729A.json"] * 2
    assert gzip_header_texts(gzip.compress(b"x")) == []


def test_zstd_skippable_frames_are_read_as_notes():
    """Red team RT-112: a skippable frame's bytes reach the AI host; decoders skip them."""
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]

    from proxy.extract.encoding import decode_body

    note = b"NI JG103729A"
    body = b"\x5a\x2a\x4d\x18" + len(note).to_bytes(4, "little") + note + zstd.compress(b"{}")
    assert zstd.decompress(body) == b"{}"
    notes: list[str] = []
    assert decode_body(body, "zstd", 1 << 20, notes) == b"{}"
    assert notes == ["NI JG103729A"]


def test_bytes_that_are_not_utf8_in_a_path_are_read_not_raised():
    """Round E lab logs: a surrogate escape in a path raised in the model check and in the
    conversation-path match (internal_error). They are read as latin-1 / U+FFFD now."""
    from proxy.conversation.threads import _path_only
    from proxy.transport.metadata import readable

    path = "/v1/models/caf\udce9JG103729A"
    assert RoutingCheck(["deepseek"], ()).url_verdict(path) is None
    # a byte between the letters is read through, as the folding reads other noise
    assert RoutingCheck(["deepseek"], ()).url_verdict("/v1/models/deep\udcffseek") == BLOCKED
    assert _path_only(path) == "/v1/models/caf\ufffdJG103729A"
    assert readable(path) == "/v1/models/caf\u00e9JG103729A"


def test_a_multipart_boundary_is_scanned_apart_from_its_header() -> None:
    """Every browser upload's boundary (``----WebKitFormBoundary`` + 16 random letters and
    digits) read as ``boundary=<token>`` was a GENERIC_SECRET: the header is scanned without
    it and the boundary as it is, so a value in it still counts (RT-95)."""
    from detectors.engine import ScanEngine
    from detectors.settings import DetectorSettings

    scan = ScanEngine(DetectorSettings(), load_ner=False).scan
    value = "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW"
    assert scan(f"Content-Type: {value}").findings  # why: the assignment shape
    segments = metadata_segments("/v1/files", [("Content-Type", value)])
    texts = {s.where: s.text for s in segments}
    assert texts["header.content-type"] == "Content-Type: multipart/form-data; boundary="
    assert texts["header.content-type.boundary"] == "----WebKitFormBoundary7MA4YWxkTrZu0gW"
    assert not scan("\n\n".join(texts.values())).findings
    nino = metadata_segments(
        "/v1/files", [("Content-Type", 'multipart/mixed; boundary="NI JG103729A"')]
    )
    assert "UK_NINO" in {f.entity_type for f in scan("\n\n".join(s.text for s in nino)).findings}
    other = metadata_segments("/v1/x", [("Content-Type", "application/json; boundary=x")])
    assert "Content-Type: application/json; boundary=x" in [s.text for s in other]
