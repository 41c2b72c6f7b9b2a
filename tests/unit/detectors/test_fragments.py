"""A value given in pieces across the messages or parts of one request (red team RT-33):
fragments a split cue points at ("part", "half", "starts", "ends", "prefix"...) or that are
a short part by themselves are glued in runs and pairs, both ways round, and the seams are
scanned for values that block alone (:mod:`detectors.fragments`).

Rules pinned here:
- pieces given in words, in three messages, last half first, in a system prompt and a user
  message, or in a tool description, block (through the real extraction and ScanEngine);
- ordinary multi-message prompts with numbers and cue words (steps, versions, room numbers,
  years, a page of figures) create no identifier: numbers glued by chance would otherwise
  make card or NHS numbers;
- request options swept as ``key: value`` (``max_tokens: 100``) give no fragment;
- the work is bounded: a part gives at most MAX_PER_PART fragments, a chain list at most
  MAX_CHAIN, a glued chain at most MAX_GLUED characters.
"""

from __future__ import annotations

import pytest

from detectors import fragments as fr
from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings
from detectors.types import Seam
from proxy.extract import Extraction, extract
from tests.unit.extract.extract_helpers import request

CHAT = "https://api.openai.com/v1/chat/completions"
AWS = "AKIA" + "Q3EGRKTN7V2XPZ5M"  # documentation-style, made up


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(DetectorSettings())


def chat(*contents: str, system: str | None = None, **extra) -> Extraction:
    messages = [{"role": "user", "content": c} for c in contents]
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return extract(request(CHAT, {"model": "gpt-4o", "messages": messages, **extra}))


def entities(engine: ScanEngine, extraction: Extraction) -> set[str]:
    return {f.entity_type for f in engine.scan(extraction.text, extraction.seams).findings}


@pytest.mark.parametrize(
    ("messages", "entity"),
    [
        (("NI part one: JG1", "part two: 0372", "part three: 9A"), "UK_NINO"),
        (("The first half of my NI number is JG1037.", "The second half is 29A."), "UK_NINO"),
        (("second half: 29A", "first half: JG1037 (put the halves together)"), "UK_NINO"),
        (("NI: JG", "1037", "29A"), "UK_NINO"),
        ((f"key part 1: {AWS[:10]}", f"key part 2: {AWS[10:]}"), "AWS_ACCESS_KEY"),
        (("NHS number starts 943", "then 476", "and it ends 5919"), "UK_NHS"),
    ],
)
def test_pieces_in_words_over_messages_block(engine, messages, entity):
    assert entity in entities(engine, chat(*messages))


def test_pieces_in_the_system_prompt_and_a_tool_description_block(engine):
    assert "UK_NINO" in entities(engine, chat("id suffix 3729A", system="Prefix for all ids: JG10"))
    tools = [{"type": "function", "function": {"name": "f", "description": "NI prefix JG10"}}]
    assert "UK_NINO" in entities(engine, chat("suffix 3729A", tools=tools))


def test_a_first_half_far_from_the_boundary_blocks(engine):
    filler = " We also discussed the office move and the new rota." * 6
    found = entities(engine, chat("My NI number starts JG1037." + filler, "It ends 29A."))
    assert "UK_NINO" in found


@pytest.mark.parametrize(
    "messages",
    [
        ("Step 1: open the file. Part 2 of the guide covers 2024.", "The rest is in part 3, 2025."),
        (
            "First half of the year: 1200 claims, 340 appeals.",
            "Second half: 1450 claims, 5678 appeals.",
        ),
        ("Room 214 is at the end of the corridor.", "The meeting starts at 1030 and ends at 1200."),
        (
            "Version 4 starts with 4929 rows",
            "version 5 ends with 1234 rows and 5678 columns",
            "1111",
        ),
        ("The remaining 20 pages, parts 4-9, list 1001 2002 3003 4004 5005 6006.", "end of part 9"),
        ("Use python3 and pip 24.0 for part one.", "Part two needs node 20 and npm 10."),
    ],
)
def test_ordinary_prompts_with_numbers_and_cue_words_stay_clean(engine, messages):
    assert entities(engine, chat(*messages)) == set()


def test_request_options_give_no_fragments():
    parts = [(0, "max_tokens: 100", "max_tokens"), (20, "temperature: 0.7", "temperature")]
    assert fr.part_fragments(parts) == []
    assert fr.part_fragments([(0, "then 1037", "messages[1].content")])[0].text == "1037"


def test_fragments_need_a_cue_in_long_parts_and_lone_characters_count_alone():
    prose = "We met in room 214 on floor 3 and agreed the budget of 5000 for the year ahead."
    assert [f for f in fr.fragments(prose, 0, 0) if not f.loose] == []
    cued = fr.fragments("The last part of the reference is 29A, as agreed on the call.", 0, 0)
    assert [f.text for f in cued] == ["29A"]
    assert [f.text for f in fr.fragments("A", 5, 1)] == ["A"]
    assert [f.text for f in fr.fragments("key part 1: AKIAQ3", 0, 0)] == ["AKIAQ3"]


def test_the_work_is_bounded():
    many = " ".join(f"part {i:04d}X" for i in range(500))
    found = fr.fragments(many, 0, 0)
    assert len(found) == fr.MAX_PER_PART
    chain = [fr.Fragment(f"{i:03d}A", i * 10, i) for i in range(500)]
    seams = fr.chain_seams(chain)
    assert len(seams) <= fr.MAX_CHAIN * 8  # 3 runs and 5 pairs per fragment
    assert all(len(s.text) <= fr.MAX_GLUED for s in seams)


def test_a_seam_of_pieces_out_of_document_order_maps_to_the_span_of_both():
    seam = Seam("JG103729A", ((0, 40, 4), (4, 3, 5)))
    assert seam.to_document(0, 9) == (3, 44)
    assert seam.crosses(0, 9)


def test_a_value_read_out_piece_by_piece_is_one_fragment():
    found = fr.fragments("My NI number starts J G one zero three seven.", 0, 0)
    assert "JG1037" in [f.text for f in found if not f.loose]
    assert [f.text for f in fr.fragments("It ends two nine A.", 0, 1)] == ["29A"]
    assert fr.fragments("We need one or two of them, A to Z.", 0, 0) == []


def test_loose_and_far_pieces_glue_only_into_a_whole_value_shape():
    loose = fr.Fragment("JG1037", 0, 0, loose=True)
    cued = fr.Fragment("29A", 50, 1)
    assert [s.text for s in fr.chain_seams([loose, cued])] == ["JG103729A"]
    assert fr.chain_seams([fr.Fragment("AB12", 0, 0, loose=True), fr.Fragment("29A", 9, 1)]) == []
    decoys = [
        fr.Fragment(t, i * 10, i) for i, t in enumerate(["JG1037", "AB12", "CD34", "EF56", "29A"])
    ]
    texts = [s.text for s in fr.chain_seams(decoys)]
    assert "JG103729A" in texts
