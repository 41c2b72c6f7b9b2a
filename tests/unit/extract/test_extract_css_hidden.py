"""Spans hidden by a style-sheet rule (red team RT-131): ``<style>.h{display:none}</style>``
or an ``#id`` / tag rule, or an inline off-screen position, inside a NINO: a browser shows
``JG103729A``, the source holds ``JG10<span class="h">xx</span>3729A``. Read in an .html file,
an EPUB chapter and markup in a chat message. The value is built here; the source is read
back with the standard library's HTML parser to prove the NINO is not in its text whole."""

from __future__ import annotations

import io
import zipfile
from html.parser import HTMLParser

import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from proxy.extract.markup import hiding_selectors
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
RULES = {
    "class rule": ("<style>.h{display:none}</style>", 'class="h"'),
    "id rule": ("<style>#q { visibility: hidden }</style>", 'id="q"'),
    "descendant rule": ("<style>p .h{font-size:0}</style>", 'class="h"'),
    "inline off-screen": ("", 'style="position:absolute;left:-9999px"'),
}


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def _page(case: str) -> str:
    style, attribute = RULES[case]
    return (
        f"<html><head>{style}</head><body><p>Claimant NI number "
        f"JG10<span {attribute}>xx</span>3729A</p></body></html>"
    )


def _source_text(html: str) -> str:
    parts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = parts.append  # type: ignore[method-assign]
    parser.feed(html)
    return "".join(parts)


@pytest.mark.parametrize("case", list(RULES))
def test_a_css_hidden_span_inside_a_nino_is_read_as_shown(engine: ScanEngine, case: str) -> None:
    html = _page(case)
    assert "JG10xx3729A" in _source_text(html)
    request_ = request(UPLOAD, html.encode(), "text/html", "PUT")
    text = joined(extract(request_))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_an_epub_chapter_is_read_as_shown() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("OEBPS/chapter1.xhtml", _page("class rule"))
    text = joined(extract(request(UPLOAD, buf.getvalue(), "application/epub+zip", "PUT")))
    assert NINO in text


def test_pseudo_element_rules_and_plain_rules_hide_nothing() -> None:
    css = ".a::before{display:none} .b{color:red} .c{left:-5px}"
    assert hiding_selectors(css) == frozenset()
