"""``ScanEngine.scan(..., body_end)``: request metadata after ``body_end`` is a document of its
own (pipeline: proxy/transport/metadata.py ``prompt_end``)."""

from __future__ import annotations

import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings

PROMPT = (
    '[{"name": "Eleanor Whitfield", "condition": "multiple sclerosis"}, '
    '{"name": "Marcus Oyelaran", "condition": "HIV"}] -> summarise'
)
HEADERS = (
    "user-agent: python-httpx/0.28.1\n\nx-stainless-lang: python\n\ncontent-type: application/json"
)


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(DetectorSettings())


def test_header_words_do_not_frame_the_prompt(engine):
    """Rule: code words in the headers ('python', 'json') do not make the prompt a
    programming task: named people with conditions stay personal and special-category data."""
    text = PROMPT + "\n\n" + HEADERS
    result = engine.scan(text, (), len(PROMPT) + 2)
    assert {"PERSONAL_DATA", "SPECIAL_CATEGORY"} <= set(result.categories)


def test_metadata_findings_index_the_whole_text(engine):
    """Rule: a value in the metadata document is found, at its offsets in the whole text."""
    headers = "x-case-note: claimant JG103729A"
    text = "Sort this list for me please\n\n" + headers
    result = engine.scan(text, (), len("Sort this list for me please") + 2)
    ninos = [f for f in result.findings if f.entity_type == "UK_NINO"]
    assert ninos and text[ninos[0].start : ninos[0].end] == "JG103729A"


def test_without_body_end_the_text_is_one_document(engine):
    """Rule: no ``body_end`` (or one outside the text) scans the text whole, as before."""
    text = "Sort this list for me please, NI JG103729A"
    assert engine.scan(text).categories == engine.scan(text, (), len(text)).categories
    assert engine.scan(text, (), 0).categories == engine.scan(text).categories
