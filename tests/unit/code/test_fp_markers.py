"""Internal code markers: namespaces, internal hosts/domains, copyright/licence headers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from detectors.code.markers import MarkerMatcher
from detectors.code.settings import CodeSettings, MarkerSettings


def spans(text: str, **settings) -> list[tuple[str, str]]:
    matcher = MarkerMatcher(MarkerSettings(**settings))
    found = matcher.find(text)
    for f in found:
        assert f.category == "NON_PUBLIC_CODE" and f.detector == "code_marker"
        assert f.score == matcher.score
        assert all(text[f.start : f.end] not in v for _, v in f.meta)  # never the value
    return [(f.entity_type, text[f.start : f.end]) for f in found]


def test_default_namespace_in_java_go_and_cpp_forms():
    java = "package uk.gov.dwp.health.claims;\nimport uk.gov.dwp.common.Audit;\n"
    assert spans(java) == [("INTERNAL_NAMESPACE", "uk.gov.dwp.")] * 2
    assert spans('import "example.com/uk/gov/dwp/payments"\n') == [
        ("INTERNAL_NAMESPACE", "uk/gov/dwp/")
    ]
    assert spans("using Uk::Gov::Dwp::Thing;") == [("INTERNAL_NAMESPACE", "Uk::Gov::Dwp::")]
    assert spans("see co.uk.gov.dwp.x or uk.gov.dwpx") == []


def test_namespace_written_with_spaces_underscores_or_as_the_root():
    """RT-34: Java/Kotlin allow spaces around '.', Python packages use '_', and the root
    namespace itself (no trailing dot) is a marker too."""
    assert spans("package uk . gov . dwp . health;") == [("INTERNAL_NAMESPACE", "uk . gov . dwp")]
    assert spans("package uk.gov.dwp;") == [("INTERNAL_NAMESPACE", "uk.gov.dwp")]
    assert spans("from uk_gov_dwp.health import claims") == [("INTERNAL_NAMESPACE", "uk_gov_dwp.")]
    assert spans("the uk gov dwp website, www.gov.uk/dwp and uk.gov.dwpx") == []


def test_internal_domains_cover_the_whole_hostname():
    cfg = {"namespaces": [], "domains": ["corp.example.gov.uk", ".intranet.local"]}
    text = (
        "GET https://claims-api.dev.corp.example.gov.uk:8443/v1 then db.intranet.local.\n"
        "mail ops@corp.example.gov.uk; ignore notcorp.example.gov.uk and corp.example.gov.uk.evil.com"
    )
    assert spans(text, **cfg) == [
        ("INTERNAL_HOST", "claims-api.dev.corp.example.gov.uk"),
        ("INTERNAL_HOST", "db.intranet.local"),
        ("INTERNAL_HOST", "corp.example.gov.uk"),
    ]


def test_copyright_headers_match_across_comment_styles():
    cfg = {"namespaces": [], "headers": ["Copyright Department for Work and Pensions"]}
    py = "# Copyright (c) 2023\n"  # not the phrase
    java = "/*\n * COPYRIGHT Department for\n * Work and Pensions. All rights reserved.\n */"
    hits = spans(py + java, **cfg)
    assert [h[0] for h in hits] == ["INTERNAL_HEADER"]
    assert hits[0][1].startswith("COPYRIGHT") and hits[0][1].endswith("Pensions")


def test_no_markers_configured_finds_nothing():
    assert spans("uk.gov.dwp.x", namespaces=[]) == []


def test_marker_score_is_lower_than_fingerprint_score():
    settings = CodeSettings()
    assert settings.markers.score < settings.score


def test_settings_validation():
    with pytest.raises(ValidationError, match="extra"):
        CodeSettings.model_validate({"min_matched": 3, "surprise": 1})
    with pytest.raises(ValidationError, match="too short"):
        MarkerSettings(domains=["x"])
    with pytest.raises(ValidationError):
        CodeSettings(min_fraction=1.5)
    from detectors.settings import DetectorSettings

    parsed = DetectorSettings.model_validate(
        {"code": {"hide_repo_names": True, "markers": {"domains": ["corp.local"]}}}
    )
    assert parsed.code.hide_repo_names and parsed.code.markers.domains == ["corp.local"]
