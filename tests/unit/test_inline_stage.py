"""Two-stage scan: the inline pattern stage (ScanEngine.scan_inline, worker_pool.InlineStage).

Stage 1 must give exactly the worker's result or hand the text on; never a different answer.
"""

from __future__ import annotations

import asyncio

import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings
from detectors.types import Finding, Seam
from proxy.register.subjects import lookup_hmacs
from proxy.worker_pool import InlineStage, PoolSettings, ScanFailure, ScanPool

#: only spaCy finds this name (no name pattern does), next to special-category detail
NEEDS_NER = "The tenant, whose name is Zbigniew, has been diagnosed with epilepsy."
SETTLED = [
    "",
    "Nothing sensitive here, just a summary of the meeting.",
    "Her NI number is AB 12 34 56 C.",
    "OFFICIAL-SENSITIVE\nBudget lines for next year",
    "My colleague Sarah Jones told me she has been diagnosed with depression.",
    "Write to Sarah Jones about her Universal Credit sanction appeal.",
    "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYzz9",
    "Mail jo.bloggs@gmail.com or ring 07700 900123 about the NHS 943 476 5919 referral.",
]


@pytest.fixture(scope="module")
def engines() -> tuple[ScanEngine, ScanEngine]:
    settings = DetectorSettings()
    return ScanEngine(settings), ScanEngine(settings, load_ner=False)


def _key(result) -> tuple:
    return result.categories, [
        (f.category, f.entity_type, f.start, f.end, f.score, f.detector, f.meta)
        for f in result.findings
    ]


def test_a_settled_text_gets_the_workers_result(engines) -> None:
    """Rule: when stage 1 answers, its answer is the full scan's, finding for finding."""
    full, inline = engines
    for text in SETTLED:
        result = inline.scan_inline(text)
        assert result is not None, text
        assert _key(result) == _key(full.scan(text)), text


def test_a_text_where_names_could_change_the_outcome_goes_on(engines) -> None:
    """Rule: stage 1 declines a text whose outcome the name finder could change; the full
    scan then finds the name with spaCy."""
    full, inline = engines
    assert inline.scan_inline(NEEDS_NER) is None
    assert "spacy_ner" in {f.detector for f in full.scan(NEEDS_NER).findings}


def test_without_the_name_finder_configured_nothing_waits_for_it() -> None:
    """Rule: with ``detectors.ner.enabled: false`` the worker would not run spaCy either, so
    stage 1 settles the same text."""
    settings = DetectorSettings.model_validate({"ner": {"enabled": False}})
    inline = ScanEngine(settings, load_ner=False)
    assert inline.scan_inline(NEEDS_NER) is not None


class _HeavyPlugin:
    name = "heavy"

    def __init__(self) -> None:
        self.calls = 0

    def heavy(self, text: str) -> bool:
        return "def " in text

    def findings(self, text: str) -> list[Finding]:
        self.calls += 1
        return []


def test_a_heavy_plugin_pass_goes_to_a_worker() -> None:
    """Rule: a plug-in that says ``heavy(text)`` (code fingerprints) is never run inline."""
    plugin = _HeavyPlugin()
    engine = ScanEngine(DetectorSettings(), plugins=[plugin], load_ner=False)
    assert engine.scan_inline("def f():\n    return 1\n") is None
    assert plugin.calls == 0
    assert engine.scan_inline("plain prose") is not None
    assert plugin.calls == 1


def test_a_text_over_the_budget_stops_and_goes_on(engines) -> None:
    """Rule: the budget is checked between steps; past it, stage 1 hands the text on."""
    _, inline = engines
    assert inline.scan_inline(SETTLED[2], budget=0.0) is None
    assert inline.scan_inline(SETTLED[2], budget=1.0) is not None


def test_seams_get_the_workers_result_inline(engines) -> None:
    """Rule: a value split across two parts (seams) is found inline as by the full scan."""
    full, inline = engines
    text = "Her NI number is JG103\n\n729A thanks"
    seams = (
        Seam("JG103729A", ((0, 17, 5), (5, 24, 4))),
        Seam("JG103 729A", ((0, 17, 5), (6, 24, 4))),
    )
    result = inline.scan_inline(text, seams)
    assert result is not None
    assert _key(result) == _key(full.scan(text, seams))
    assert "UK_NINO" in {f.entity_type for f in result.findings}


class _BrokenEngine:
    def scan_inline(self, text: str, seams=(), budget: float | None = None):
        raise RuntimeError("bug")


def test_an_exception_in_the_inline_stage_fails_closed() -> None:
    """Rule: any exception in stage 1 is a scan_error (the request is blocked), never a pass."""
    stage = InlineStage(_BrokenEngine(), PoolSettings(1, 1, 1, 1, inline_chars=100))
    with pytest.raises(ScanFailure) as excinfo:
        stage.scan("anything")
    assert excinfo.value.reason == "scan_error"


def test_the_pool_scans_small_texts_inline_and_the_rest_in_a_worker() -> None:
    """Rule: small settled texts never leave the proxy process; names, large texts and
    texts over budget are scanned by the worker (with spaCy)."""
    settings = PoolSettings(1, 10, 2, 4, inline_chars=4096, inline_budget=1.0)

    async def body():
        pool = ScanPool(DetectorSettings(), settings)
        await pool.start()
        try:
            stage = pool.inline
            assert stage is not None
            nino = await pool.scan(SETTLED[2])
            after_small = (stage.scans, stage.declined)
            named = await pool.scan(NEEDS_NER)
            after_named = (stage.scans, stage.declined)
            large = await pool.scan("The quarterly report covers staffing. " * 200)
            after_large = (stage.scans, stage.declined)
            return nino, named, large, after_small, after_named, after_large
        finally:
            pool.shutdown()

    nino, named, large, after_small, after_named, after_large = asyncio.run(body())
    assert nino.categories == ["PERSONAL_DATA"] and after_small == (1, 0)
    assert "spacy_ner" in {f.detector for f in named.findings} and after_named == (1, 1)
    assert large.categories == [] and after_large == (1, 1)  # too large: not tried inline


def test_inline_scans_carry_the_same_subject_hashes() -> None:
    """Rule: with a subject key, a text settled inline gets the hashes a worker would make."""
    key = b"dpo-team-subject-key-0123456789"
    text = "Claimant NI number JG 10 37 29 A"
    stage = InlineStage.load(
        DetectorSettings().model_dump_json(),
        PoolSettings(1, 1, 1, 1, subject_key=key, inline_chars=4096, inline_budget=1.0),
    )
    result = stage.scan(text)
    assert result is not None
    assert set(result.subject_hmacs) == {("nino", lookup_hmacs([key], "nino", "jg103729a")[0])}
