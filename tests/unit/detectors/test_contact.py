"""Contact details, addresses, dates of birth, IP addresses."""

from __future__ import annotations

import pytest

from detectors.recognisers.dob import DateOfBirthRecogniser, parse_date
from detectors.recognisers.email import EmailRecogniser
from detectors.recognisers.ip import IpAddressRecogniser
from detectors.recognisers.phone import UkPhoneRecogniser
from detectors.recognisers.postcode import UkPostcodeRecogniser
from tests.unit.detectors.conftest import entities


@pytest.mark.parametrize(
    "number",
    ["07700 900123", "+44 7700 900123", "+447700900123", "020 7946 0958", "(01632) 960 001",
     "+44 (0)113 496 0000", "0113 496 0000"],
)  # fmt: skip
def test_uk_phone_forms(number: str) -> None:
    assert entities(UkPhoneRecogniser(), f"call me on {number} today") == [("UK_PHONE", number)]


def test_phone_non_geographic_is_weak_and_short_numbers_fail() -> None:
    assert entities(UkPhoneRecogniser(), "helpline 0800 328 5644") == [
        ("UK_PHONE_NONGEOGRAPHIC", "0800 328 5644")
    ]
    assert entities(UkPhoneRecogniser(), "ref 0770 090") == []


def test_email_personal_vs_role_and_placeholder() -> None:
    rec = EmailRecogniser()
    assert entities(rec, "mail jane.patel77@gmail.com") == [
        ("EMAIL_ADDRESS", "jane.patel77@gmail.com")
    ]
    assert entities(rec, "write to enquiries@dwp.gov.uk") == []
    assert entities(rec, "e.g. user@example.com") == []
    assert entities(rec, "bad tld jane@host.notatld") == []


def test_postcode_upper_case_only() -> None:
    assert entities(UkPostcodeRecogniser(), "LS1 4AP") == [("UK_POSTCODE", "LS1 4AP")]
    assert entities(UkPostcodeRecogniser(), "ls1 4ap") == []


def test_dob_needs_birth_context_and_a_living_person() -> None:
    rec = DateOfBirthRecogniser()
    assert entities(rec, "DOB: 12/03/1985") == [("DATE_OF_BIRTH", "12/03/1985")]
    assert entities(rec, "born on 3rd March 1985") == [("DATE_OF_BIRTH", "3rd March 1985")]
    assert entities(rec, "meeting on 12/03/1985") == []
    assert entities(rec, "born 30 November 1874") == []  # historical figure
    assert entities(rec, "DOB 31/02/1985") == []  # impossible date
    assert parse_date("1999-09-27").year == 1999


def test_ip_private_ranges_are_not_personal() -> None:
    rec = IpAddressRecogniser()
    assert entities(rec, "from 81.2.69.160") == [("IP_ADDRESS", "81.2.69.160")]
    assert entities(rec, "ssh 10.0.0.5 or 127.0.0.1 or 192.168.1.1") == []
    assert entities(rec, "version 1.2.3") == []


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("Please send it to Flat 2, 14 Acacia Avenue, Leeds LS1 4AP", True),
        ("The claimant lives at 14 Acacia Avenue.", True),
        ("Tour of 10 Downing Street for the school trip", False),
        ("Her postcode is LS1 4AP and she claims PIP", True),
        ("Customer says the change came from 81.2.69.160. Write the case summary.", True),
        ("My nginx on 81.2.69.160 returns 502, why?", False),
        ("Claimant DOB 26.11.1990. Has she reached State Pension age?", True),
        ("Call me on 07700 900123", True),
        ("The helpline is 0800 328 5644.", False),
    ],
)
def test_combination_of_contact_and_weak(engine, text: str, blocks: bool) -> None:
    assert bool(engine.scan(text).categories) is blocks
