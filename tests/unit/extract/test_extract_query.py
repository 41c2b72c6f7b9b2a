"""Prompts in URL query strings (chatgpt.com/?q=..., perplexity.ai/search?q=...) are scanned."""

from __future__ import annotations

from mitmproxy import http

from proxy.extract import extract, query_segments


def test_query_values_become_segments_with_their_key_as_context():
    segments = query_segments("q=summarise+AB123456C+for+me&hl=en")
    assert [s.where for s in segments] == ["query.q", "query.hl"]
    assert "AB123456C" in segments[0].text


def test_bodyless_get_with_query_is_extracted():
    request = http.Request.make("GET", "https://chatgpt.com/?q=NI%20number%20AB%2012%2034%2056%20C")
    extraction = extract(request)
    assert any("AB 12 34 56 C" in s.text for s in extraction.segments)


def test_body_and_query_are_both_extracted():
    request = http.Request.make(
        "POST",
        "https://api.openai.com/v1/chat/completions?note=patient+smith",
        b'{"messages": [{"role": "user", "content": "hello there"}]}',
        {"content-type": "application/json"},
    )
    texts = [s.text for s in extract(request).segments]
    assert any("hello there" in t for t in texts) and any("patient smith" in t for t in texts)


def test_no_query_no_segments():
    assert query_segments("") == []
    assert extract(http.Request.make("GET", "https://chatgpt.com/")).segments == []
