"""A value split across the messages or content parts of one request is found (issue 16
item 5, last bullet): the engine scans the seams the extraction builds and keeps only the
findings that cross a part boundary, once, with offsets in the joined text."""

from __future__ import annotations

import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings
from detectors.types import Seam
from proxy.extract import Extraction, Segment, extract
from proxy.extract.seams import SEAM_CHARS, seams, sibling_parts
from tests.unit.extract.extract_helpers import request

CHAT = "https://api.openai.com/v1/chat/completions"
NINO = "JG103729A"  # valid-format, made up


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(DetectorSettings())


def chat(*contents) -> Extraction:
    """One message per argument; a list argument is a message of text parts."""

    def content(c):
        return [{"type": "text", "text": t} if isinstance(t, str) else t for t in c]

    messages = [
        {"role": "user", "content": content(c) if isinstance(c, list) else c} for c in contents
    ]
    return extract(request(CHAT, {"model": "m", "messages": messages}))


def scan(engine: ScanEngine, extraction: Extraction):
    return engine.scan(extraction.text, extraction.seams)


def test_seam_maps_back_to_the_joined_text() -> None:
    parts = [
        Segment("x" * 90 + "JG10", "m[0].c[0]"),
        Segment("", "m[0].c[1]"),
        Segment("3729A tail", "m[0].c[2]"),
    ]
    text = "\n\n".join(p.text for p in parts)
    seam, direct = seams(parts)
    assert seam.text == ("x" * 90 + "JG10")[-SEAM_CHARS:] + " 3729A tail"
    assert direct.text == ("x" * 90 + "JG10")[-SEAM_CHARS:] + "3729A tail"
    start = seam.text.index("JG10")
    assert seam.crosses(start, start + len("JG10 3729A"))
    assert not seam.crosses(start, start + len("JG10 "))
    begin, end = seam.to_document(start, start + len("JG10 3729A"))
    assert text[begin:end] == "JG10\n\n\n\n3729A"


def test_short_parts_chain_into_one_seam_and_long_parts_split_seams() -> None:
    parts = [Segment(t, f"m[0].c[{i}]") for i, t in enumerate(["JG", "10", "37", "29A"])]
    seam, *glued = seams(parts)
    assert seam.text == "JG 10 37 29A"
    # the glued seams of the content parts, then the fragment chains (detectors.fragments)
    assert [g.text for g in glued[:6]] == [
        "JG10",
        "1037",
        "JG1037",
        "3729A",
        "103729A",
        "JG103729A",
    ]
    direct = glued[5]
    assert direct.crosses(0, 9) and not direct.crosses(0, 2) and direct.crosses(1, 3)
    assert seam.to_document(0, len(seam.text)) == (0, len("\n\n".join(p.text for p in parts)))
    long = "y" * 100
    parts = [Segment(t, "") for t in ["a", long, "b", "c", long + "z"]]
    out = [s for s in seams(parts) if " " in s.text]  # the spaced ones
    assert [s.text for s in out] == [
        "a " + long[:SEAM_CHARS],
        long[-SEAM_CHARS:] + " b c " + long[:SEAM_CHARS],
    ]
    assert [len(s.runs) for s in out] == [2, 4]
    assert seams([Segment(long, ""), Segment("   ", "")]) == []


@pytest.mark.parametrize(
    "contents",
    [
        ["my reference is JG10", "3729A, thanks"],
        ["JG", "10", "3729A"],  # over three parts
        [[{"type": "text", "text": "ni JG 10 37"}, {"type": "text", "text": "29 A"}]],
        [[{"type": "text", "text": "NI: JG103"}, {"type": "text", "text": "729A"}]],  # glued
        [["hello", "NI: JG1", "03", "7", "29A"]],  # glued over fragments
    ],
)
def test_a_nino_split_across_parts_blocks(engine, contents) -> None:
    extraction = chat(*contents)
    assert engine.scan(extraction.text).categories == []  # each part alone is clean
    result = scan(engine, extraction)
    assert result.categories == ["PERSONAL_DATA"]
    (finding,) = [f for f in result.findings if f.entity_type == "UK_NINO"]
    spanned = extraction.text[finding.start : finding.end]
    assert "".join(spanned.split()).upper() == NINO
    assert ("across", "parts") in finding.meta


def test_a_marking_split_inside_a_word_blocks(engine) -> None:
    extraction = chat(
        [{"type": "text", "text": "OFFICIAL-SEN"}, {"type": "text", "text": "SITIVE"}]
    )
    assert engine.scan(extraction.text).categories == []
    assert scan(engine, extraction).categories == ["OFFICIAL_SENSITIVE"]


def test_numbers_split_across_parts_with_context_block(engine) -> None:
    extraction = chat("the patient's NHS number is 943 476", "5919")
    assert engine.scan(extraction.text).categories == []
    assert scan(engine, extraction).categories == ["PERSONAL_DATA"]


def test_a_value_inside_one_part_near_a_boundary_counts_once(engine) -> None:
    extraction = chat(f"my NINO is {NINO}", "thanks", f"{NINO} again")
    plain = engine.scan(extraction.text).findings
    with_seams = scan(engine, extraction).findings
    assert len([f for f in plain if f.entity_type == "UK_NINO"]) == 2
    assert with_seams == plain


@pytest.mark.parametrize(
    "contents",
    [
        ["what happened in 1984", "2001 was a good film"],
        ["Call it version 3.2", "10 apples and 37 pears"],
        ["Summarise this:", "The meeting is at 10:30 on 12 March."],
        ["AB", "12 apples"],
        ["Who was Ada Lovelace?", "And Charles Babbage?"],
    ],
)
def test_unrelated_parts_are_not_merged_into_a_block(engine, contents) -> None:
    assert scan(engine, chat(*contents)).categories == []


def test_seams_cost_a_bounded_number_of_characters() -> None:
    extraction = chat(*[f"message {i} " + "word " * 100 for i in range(50)])
    assert len(extraction.seams) >= 49
    assert all(len(s.text) <= 2 * SEAM_CHARS + 1 for s in extraction.seams)
    assert sum(len(s.text) for s in extraction.seams) < len(extraction.text)


def test_only_the_parts_of_one_message_glue(engine) -> None:
    assert sibling_parts("messages[0].content[0].text", "messages[0].content[3].text")
    assert sibling_parts("contents[1].parts[0].text", "contents[1].parts[1].text")
    assert not sibling_parts("messages[0].content", "messages[1].content")
    assert not sibling_parts("messages[0].content[0].text", "messages[1].content[1].text")
    # two turns: not glued as parts are, but as pieces (the second turn is nothing else:
    # detectors.fragments); a longer turn without a split cue is not a piece
    assert scan(engine, chat("NI: JG103", "729A")).categories == ["PERSONAL_DATA"]
    assert (
        scan(engine, chat("NI: JG103", "729 is the room we booked for the review")).categories == []
    )
    assert scan(engine, chat(["NI: JG103", "729A"])).categories == ["PERSONAL_DATA"]


def test_the_seam_type_is_plain_data() -> None:
    seam = Seam("ab cd", ((0, 0, 2), (3, 4, 2)))
    assert seam.to_document(1, 4) == (1, 5)
    assert seam.to_document(2, 5) == (4, 6)
