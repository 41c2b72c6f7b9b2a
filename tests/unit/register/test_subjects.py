"""Subject hashes: one normalisation per identifier family, keyed, never the value."""

from __future__ import annotations

import pytest

from detectors.types import Finding
from proxy.register.subjects import (
    SubjectHasher,
    SubjectKeyError,
    load_key,
    lookup_hmacs,
    normalise,
    subject_fields,
)

KEY = b"k" * 32


@pytest.mark.parametrize(
    ("family", "forms", "canonical"),
    [
        ("nino", ["JG 10 37 29 A", "jg103729a", "JG-10-37-29-A", "JG 10 37 29", "ＪＧ１０３７２９Ａ"], "JG103729"),
        ("nhs", ["943 476 5919", "943-476-5919", "9434765919"], "9434765919"),
        ("email", [" Jo.Bloggs@Example.COM ", "<jo.bloggs@example.com>"], "jo.bloggs@example.com"),
        ("phone", ["07700 900123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900123"], "447700900123"),
        ("card", ["4111 1111 1111 1111", "4111-1111-1111-1111"], "4111111111111111"),
        ("bank_account", ["sort code 20-45-77, account 41234567", "41234567", "a/c 41234567 sort 204577"], "41234567"),
        ("passport", ["123456789", " 123 456 789 "], "123456789"),
        ("driving_licence", ["MORGA753116SM9IJ", "morga 753116 sm9ij"], "MORGA753116SM9IJ"),
        ("iban", ["GB29 NWBK 6016 1331 9268 19", "gb29nwbk60161331926819"], "GB29NWBK60161331926819"),
    ],
)  # fmt: skip
def test_every_form_of_an_identifier_normalises_alike(family, forms, canonical):
    assert {normalise(family, f) for f in forms} == {canonical}


@pytest.mark.parametrize(
    ("family", "value"),
    [("nino", "JG 10 37"), ("nhs", "12345"), ("email", "no-at-sign"), ("card", "1234")],
)
def test_what_is_not_an_identifier_is_refused(family, value):
    assert normalise(family, value) is None
    with pytest.raises(ValueError, match="not a valid"):
        lookup_hmacs([KEY], family, value)


def test_hashes_are_keyed_and_per_family():
    one, other = lookup_hmacs([KEY, b"o" * 32], "nino", "JG103729A")
    assert one != other and len(one) == 64
    assert lookup_hmacs([KEY], "nino", "JG 10 37 29 A") == [one]
    assert "JG103729" not in one


def test_findings_become_hashes_that_lookups_find():
    text = "NINO jg 10 37 29 a, then JG103729A again, and NHS 943 476 5919; sort 20-45-77"

    def at(value: str) -> tuple[int, int]:
        return text.index(value), text.index(value) + len(value)

    findings = [
        Finding("PERSONAL_DATA", "UK_NINO", *at("jg 10 37 29 a"), 0.9, "NinoRecogniser"),
        Finding("PERSONAL_DATA", "UK_NINO", *at("JG103729A"), 0.9, "NinoRecogniser"),
        Finding("PERSONAL_DATA", "UK_NHS", *at("943 476 5919"), 0.85, "NhsNumberRecogniser"),
        Finding("PERSONAL_DATA", "PERSON", 0, 4, 0.85, "spacy_ner"),  # not a strong identifier
        Finding("PERSONAL_DATA", "UK_NINO", 0, 4, 0.9, "NinoRecogniser", (("decoded", "base64"),)),
    ]
    pairs = SubjectHasher(KEY).for_findings(text, findings)
    assert pairs == (
        ("nino", lookup_hmacs([KEY], "nino", "JG103729A")[0]),
        ("nhs", lookup_hmacs([KEY], "nhs", "9434765919")[0]),
    )
    fields = subject_fields(type("R", (), {"subject_hmacs": pairs})())
    assert [f["kind"] for f in fields["subject_hmacs"]] == ["nino", "nhs"]
    assert subject_fields(None) == {}
    assert "KEY" not in repr(SubjectHasher(KEY)) and "kkkk" not in repr(SubjectHasher(KEY))


def test_key_files_are_checked(tmp_path):
    short = tmp_path / "short.key"
    short.write_bytes(b"too short")
    with pytest.raises(SubjectKeyError, match="at least 16 bytes"):
        load_key(short)
    with pytest.raises(SubjectKeyError, match="cannot read"):
        load_key(tmp_path / "absent.key")
    good = tmp_path / "dpo-subject.key"
    good.write_bytes(KEY + b"\n")
    assert load_key(good) == KEY
