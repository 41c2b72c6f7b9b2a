"""The ``detectors.recognisers`` section: the recogniser registry, configured without code."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings, RecogniserSettings
from proxy.config import ConfigError, load_config


def _engine(**recognisers) -> ScanEngine:
    return ScanEngine(DetectorSettings(recognisers=recognisers), load_ner=False)


def _uk_passports(engine: ScanEngine, text: str) -> list:
    return [f for f in engine.scan(text).findings if f.entity_type == "UK_PASSPORT"]


def test_disable_a_recogniser() -> None:
    """Rule: a disabled recogniser finds nothing; the others still run."""
    text = "UK passport number 533401372"
    assert _uk_passports(_engine(), text)
    off = _engine(overrides={"UkPassportRecogniser": {"enabled": False}})
    assert _uk_passports(off, text) == []
    assert off.scan("NINO AB 12 34 56 C").categories == ["PERSONAL_DATA"]


def test_score_and_context_override() -> None:
    """Rule: an override changes a recogniser's score and its context words (replacing
    them), without touching other engines in the same process."""
    text = "UK passport number 533401372"
    engine = _engine(
        overrides={"UkPassportRecogniser": {"score": 0.99, "context": ["travel document"]}}
    )
    assert _uk_passports(engine, text) == []  # "passport" is no longer its context
    assert [f.score for f in _uk_passports(engine, "travel document 533401372")] == [0.99]
    assert [f.score for f in _uk_passports(_engine(), text)] != [0.99]


def test_deny_list_blocks_alone() -> None:
    """Rule: a deny-list term counts in its configured category (direct: blocks alone),
    as a whole word, in any case."""
    engine = _engine(
        deny_lists=[
            {"entity": "PROJECT_CODENAME", "category": "OFFICIAL_SENSITIVE", "terms": ["Nightjar"]}
        ]
    )
    assert engine.scan("Summarise the nightjar plan").categories == ["OFFICIAL_SENSITIVE"]
    assert engine.scan("Summarise the nightjars of Europe").categories == []


def test_pattern_recogniser_with_context() -> None:
    """Rule: an added pattern counts with its context word near it, and as its tier says
    (weak + casework framing = personal data)."""
    engine = _engine(
        patterns=[
            {
                "name": "staff_number",
                "entity": "STAFF_NUMBER",
                "category": "PERSONAL_DATA",
                "tier": "strong",
                "regex": r"\bSN\d{6}\b",
                "context": ["staff number"],
            }
        ]
    )
    assert engine.scan("staff number SN123456").categories == ["PERSONAL_DATA"]
    assert engine.scan("order SN123456").categories == []


def test_allow_list_drops_the_departments_own_values() -> None:
    """Rule: an allow-listed value is never a finding (compared ignoring case and spaces)."""
    text = "Call our team on 07700 900 456 or email Helpdesk.Team77@gmail.com"
    assert _engine().scan(text).categories == ["PERSONAL_DATA"]
    engine = _engine(allow_list=["07700900456", "helpdesk.team77@gmail.com"])
    assert engine.scan(text).categories == []


def test_unknown_recogniser_and_bad_regex_are_refused() -> None:
    """Rule: a typo in a recogniser name or a regex RE2 cannot compile is a config error."""
    with pytest.raises(ValidationError, match="unknown recogniser 'UkPasportRecogniser'"):
        RecogniserSettings(overrides={"UkPasportRecogniser": {"enabled": False}})
    with pytest.raises(ValidationError, match="not a valid RE2 pattern"):
        RecogniserSettings(
            patterns=[
                {"name": "x", "entity": "X_ID", "category": "PERSONAL_DATA", "regex": "(?<=a)b"}
            ]
        )


def test_config_check_names_the_line(tmp_path: Path) -> None:
    """Rule: `aidlp config check` validates the section and names field and line."""
    cfg = tmp_path / "aidlp.yaml"
    cfg.write_text(
        "detectors:\n  recognisers:\n    deny_lists:\n      - entity: codename\n"
        "        category: OFFICIAL_SENSITIVE\n        terms: [Nightjar]\n"
    )
    with pytest.raises(
        ConfigError, match=r"detectors\.recognisers\.deny_lists\.0\.entity .*line 4"
    ):
        load_config(cfg)
