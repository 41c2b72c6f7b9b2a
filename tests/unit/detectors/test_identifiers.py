"""UK identifier recognisers: positives, checksum failures, look-alikes, separators."""

from __future__ import annotations

import pytest

from detectors.recognisers.bank import SortCodeAccountRecogniser
from detectors.recognisers.card import PaymentCardRecogniser, luhn_ok
from detectors.recognisers.driving_licence import UkDrivingLicenceRecogniser, licence_ok
from detectors.recognisers.iban import IbanRecogniser, iban_ok
from detectors.recognisers.nhs import NhsNumberRecogniser, nhs_checksum_ok
from detectors.recognisers.nino import NinoRecogniser
from detectors.recognisers.passport import UkPassportRecogniser
from detectors.recognisers.utr import UtrRecogniser, utr_ok
from tests.unit.detectors.conftest import entities


@pytest.mark.parametrize(
    "text",
    [
        "NINO AB123456C",
        "ni: AB 12 34 56 C",
        "JC.12.34.56.D",
        "jc-12-34-56-d",
        "AB_12_34_56_A",
    ],
)
def test_nino_forms(text: str) -> None:
    assert [e for e, _ in entities(NinoRecogniser(), text)] == ["UK_NINO"]


@pytest.mark.parametrize(
    "text",
    [
        "DA123456C",  # D not allowed first
        "AO123456C",  # O not allowed second
        "GB123456A",  # reserved prefix
        "TN123456A",
        "AB123456E",  # suffix must be A-D
        "AB1234567C",  # wrong length
    ],
)
def test_nino_prefix_rules(text: str) -> None:
    assert entities(NinoRecogniser(), text) == []


def test_nino_without_suffix_needs_context(engine) -> None:
    assert engine.scan("order AB123456 shipped").categories == []
    assert engine.scan("her national insurance number is AB123456").categories == ["PERSONAL_DATA"]


def test_nhs_checksum() -> None:
    assert nhs_checksum_ok("9434765919")
    assert not nhs_checksum_ok("9434765918")
    assert not nhs_checksum_ok("1111111111")


def test_nhs_grouped_alone_and_plain_with_context(engine) -> None:
    assert entities(NhsNumberRecogniser(), "NHS 943 476 5919") == [("UK_NHS", "943 476 5919")]
    assert entities(NhsNumberRecogniser(), "ref 943 476 5918") == []  # bad check digit
    assert engine.scan("order number 9434765919 dispatched").categories == []
    assert engine.scan("patient NHS no 9434765919").categories == ["PERSONAL_DATA"]


def test_card_luhn_issuer_and_test_pans() -> None:
    rec = PaymentCardRecogniser()
    assert luhn_ok("4539578763621486")
    assert entities(rec, "card 4539 5787 6362 1486") == [("CREDIT_CARD", "4539 5787 6362 1486")]
    assert entities(rec, "card 4539 5787 6362 1487") == []  # Luhn fails
    # a published test PAN is still card-shaped data: Presidio and LLM Guard count it too
    assert entities(rec, "stripe test 4242 4242 4242 4242") == [
        ("CREDIT_CARD", "4242 4242 4242 4242")
    ]
    assert entities(rec, "0000 0000 0000 0000") == []


def test_card_digits_inside_an_iban_are_not_a_card() -> None:
    assert entities(PaymentCardRecogniser(), "GB41 NAIA 5804 8338 8991 72") == []


def test_card_digits_of_a_mime_boundary_are_not_a_card(engine) -> None:
    """Rule: Python's email package pads its 19 random boundary digits with ``=``
    (``===============NNNN==``); about one boundary in 25 is Luhn- and issuer-valid, and a
    raw .eml (uploaded, or pasted) is not a card holder's data for that."""
    boundary = "3602411870897113352"  # Diners prefix, 19 digits, Luhn-valid
    assert luhn_ok(boundary)
    eml = (
        f'Content-Type: multipart/mixed; boundary="==============={boundary}=="\n\n'
        f"--==============={boundary}==\nContent-Type: text/plain\n\nSee attached.\n"
        f"--==============={boundary}==--\n"
    )
    assert entities(PaymentCardRecogniser(), eml) == []
    assert engine.scan(eml).categories == []
    # the same digits as a value are still a card number
    assert entities(PaymentCardRecogniser(), f"card={boundary}") == [("CREDIT_CARD", boundary)]


def test_iban_mod97_and_length() -> None:
    assert iban_ok("GB82 WEST 1234 5698 7654 32")
    assert not iban_ok("GB82 WEST 1234 5698 7654 33")
    assert not iban_ok("GB82 WEST 1234 5698 7654")  # wrong GB length
    assert entities(IbanRecogniser(), "IBAN GB82WEST12345698765432") == [
        ("IBAN_CODE", "GB82WEST12345698765432")
    ]


def test_sort_code_needs_account_number(engine) -> None:
    text = "Sort code: 20-45-77\nAccount no: 41234567"
    assert next(e for e, _ in entities(SortCodeAccountRecogniser(), text)) == "UK_BANK_DETAILS"
    assert engine.scan(text).categories == ["PERSONAL_DATA"]
    assert engine.scan("The branch sort code is 20-45-77.").categories == []


def test_passport_needs_context() -> None:
    rec = UkPassportRecogniser()
    assert entities(rec, "passport number 925665416") == [("UK_PASSPORT", "925665416")]
    assert entities(rec, "invoice 925665416") == []


def test_driving_licence_structure() -> None:
    assert licence_ok("MORGA753116SM9IJ")
    assert licence_ok("MORGA 753116 SM9IJ")
    assert not licence_ok("MORGA713116SM9IJ")  # month 13
    assert licence_ok("MORGA753216SM9IJ")  # month 53 = March for a woman
    assert not licence_ok("MORGA753326SM9IJ")  # day 32
    assert not licence_ok("MO9GA753116SM9IJ")  # letter after 9 padding
    assert entities(UkDrivingLicenceRecogniser(), "licence MORGA753116SM9IJ") == [
        ("UK_DRIVING_LICENCE", "MORGA753116SM9IJ")
    ]


def test_utr_check_digit_and_context(engine) -> None:
    valid = _make_utr("234567891")
    assert utr_ok(valid)
    bad = str((int(valid[0]) + 1) % 10) + valid[1:]
    assert not utr_ok(bad)
    assert entities(UtrRecogniser(), f"UTR {valid}") == [("UK_UTR", valid)]
    assert entities(UtrRecogniser(), f"order {valid}") == []
    assert engine.scan(f"Her self assessment UTR is {valid[:5]} {valid[5:]}").categories == [
        "PERSONAL_DATA"
    ]


def _make_utr(body: str) -> str:
    weights = (6, 7, 8, 9, 10, 5, 4, 3, 2)
    check = (2, 1, 9, 8, 7, 6, 5, 4, 3, 2, 1)[
        sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    ]
    return f"{check}{body}"
