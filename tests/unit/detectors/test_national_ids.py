"""Other countries' identifiers (detectors/data/national_ids.yaml) and non-UK phones.

Values are built here: checksummed ones were generated with the validators' own rules.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from detectors.recognisers.card import PaymentCardRecogniser
from detectors.recognisers.email import EmailRecogniser
from detectors.recognisers.iban import IbanRecogniser
from detectors.recognisers.national_id import (
    NationalIdDataError,
    build_recognisers,
    national_id_recognisers,
)
from detectors.recognisers.phone_intl import InternationalPhoneRecogniser
from tests.unit.detectors.conftest import entities

BY_ENTITY = {cls.ENTITY: cls() for cls in national_id_recognisers()}


def found(entity: str, text: str) -> list[str]:
    return [value for ent, value in entities(BY_ENTITY[entity], text) if ent == entity]


# Rule: a checksummed or very specific national identifier blocks alone, in any sentence.
@pytest.mark.parametrize(
    ("entity", "value"),
    [
        ("US_SSN", "431-26-0181"),
        ("US_SSN", "474 90 8301"),
        ("US_ITIN", "912-78-4410"),
        ("FI_PERSONAL_IDENTITY_CODE", "060699-388S"),
        ("SE_PERSONNUMMER", "199302233748"),
        ("ES_NIE", "Y4373233G"),
        ("ES_NIF", "65178800C"),
        ("TR_NATIONAL_ID", "36670009494"),
        ("PL_PESEL", "95062257853"),
        ("ZA_ID_NUMBER", "9106026952081"),
        ("KR_RRN", "500828-1259973"),
        ("IN_AADHAAR", "3172 8602 3828"),
        ("TH_TNIN", "4368048567113"),
        ("CA_SIN", "195-103-924"),
        ("IT_FISCAL_CODE", "XJHLFY77S23B195L"),
        ("DE_TAX_ID", "28948635403"),
        ("IN_PAN", "BKZPT4821Q"),
    ],
)
def test_national_identifier_blocks_alone(engine, entity: str, value: str) -> None:
    assert found(entity, f"here it is: {value}, thanks") == [value]
    assert engine.scan(f"please update the file, ref {value}").categories == ["PERSONAL_DATA"]


# Rule: a failed checksum is never an identifier.
@pytest.mark.parametrize(
    ("entity", "value"),
    [
        ("FI_PERSONAL_IDENTITY_CODE", "060699-388T"),
        ("ES_NIE", "Y4373233H"),
        ("ES_NIF", "65178800D"),
        ("TR_NATIONAL_ID", "36670009495"),
        ("PL_PESEL", "95062257854"),
        ("IN_AADHAAR", "3172 8602 3829"),
        ("CA_SIN", "195-103-925"),
    ],
)
def test_checksum_failure_is_not_an_identifier(entity: str, value: str) -> None:
    assert found(entity, f"ref {value}") == []


# Rule: a bare digit run that many things share needs the identifier's context word.
@pytest.mark.parametrize(
    ("entity", "bare", "with_context"),
    [
        ("US_SSN", "order 431260181 shipped", "my SSN is 431260181"),
        ("CA_SIN", "order 195103924 shipped", "my social insurance number is 195103924"),
        ("US_PASSPORT", "invoice 912803457 paid", "US passport 912803457"),
        ("ES_PASSPORT", "code ABC123457 here", "mi pasaporte es ABC123457"),
    ],
)
def test_bare_digit_runs_need_context(engine, entity, bare, with_context) -> None:
    assert engine.scan(bare).categories == []
    assert engine.scan(with_context).categories == ["PERSONAL_DATA"]


def test_ssn_needs_consistent_separators_and_a_real_area() -> None:
    """Rule: 431-26 0181 is not an SSN shape; areas 000, 666 and 9xx are never SSNs."""
    assert found("US_SSN", "ref 431-26 0181") == []
    assert found("US_SSN", "ref 000-26-0181") == []
    assert found("US_SSN", "ref 666-26-0181") == []


def test_lower_case_and_run_on_forms() -> None:
    """Rule: codes written in lower case or run on to the preceding word still count."""
    assert found("ES_NIF", "dni 65178800c") == ["65178800c"]
    assert found("FI_PERSONAL_IDENTITY_CODE", "the code is060699-388S.") == ["060699-388S"]


def test_data_file_errors_are_located(tmp_path: Path) -> None:
    """Rule: the data file is validated at load and errors name the entry."""
    bad = tmp_path / "ids.yaml"
    bad.write_text(
        "recognisers:\n  - entity: X_ID\n    validator: none\n"
        "    patterns: [{name: p, regex: '(?<=a)b'}]\n"
    )
    with pytest.raises(
        NationalIdDataError, match=r"entry 1 \(X_ID\), pattern 1 \(p\): not valid RE2"
    ):
        build_recognisers(bad)
    bad.write_text(
        "recognisers:\n  - entity: X_ID\n    validator: presidio:NoSuchRecognizer\n"
        "    patterns: [{name: p, regex: 'b'}]\n"
    )
    with pytest.raises(NationalIdDataError, match="unknown Presidio recogniser"):
        build_recognisers(bad)
    bad.write_text("recognisers:\n  - entity: X_ID\n    colour: red\n    patterns: []\n")
    with pytest.raises(NationalIdDataError, match="unknown key"):
        build_recognisers(bad)


# -- international phones -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "call me on +63 917 555 0192",
        "whatsapp +90 (532) 555 41 27",
        "my number 0532 555 41 27",
        "cep: 0 (917) 555 0192",
        "mobile +49 1512 3456789",
        "电话号码13912345678",
    ],
)
def test_international_phone_is_a_contact(engine, text: str) -> None:
    """Rule: a valid non-UK person's number (mobile / fixed line) is a contact detail."""
    ents = {e for e, _ in entities(InternationalPhoneRecogniser(), text)}
    assert ents == {"PHONE_NUMBER"}
    assert engine.scan(text).categories == ["PERSONAL_DATA"]


@pytest.mark.parametrize(
    "text",
    [
        "version 1.2.3456.7890 released",
        "+1 000 000 0000",
        "the total was 0532 items",
        "id 5325554127 in the log",  # bare digits: no trunk 0, no country code
        "call me on 5325554127",  # ... even after a phone word (a UK reader's order numbers)
    ],
)
def test_not_a_phone(text: str) -> None:
    assert entities(InternationalPhoneRecogniser(), text) == []


def test_uk_numbers_stay_with_the_uk_recogniser() -> None:
    """Rule: +44 and UK mobile/landline forms are the UK recogniser's (org-number logic)."""
    assert entities(InternationalPhoneRecogniser(), "call +44 7700 900123") == []
    assert entities(InternationalPhoneRecogniser(), "call 07700 900123") == []


def test_an_organisations_international_number_is_weak(engine) -> None:
    assert engine.scan("Call us on our helpline +33 1 42 68 53 00").categories == []


# -- IBAN grouping, cards, email ------------------------------------------------------------


def test_iban_irregular_grouping_and_trailing_words() -> None:
    """Rule: an IBAN counts however it is grouped; the span ends at the country's length."""
    rec = IbanRecogniser()
    assert entities(rec, "IBAN: GB 82 WEST 1234 5698 7654 32 thanks") == [
        ("IBAN_CODE", "GB 82 WEST 1234 5698 7654 32")
    ]
    assert entities(rec, "pay GB82WEST12345698765432 X now") == [
        ("IBAN_CODE", "GB82WEST12345698765432")
    ]
    assert entities(rec, "pay GB82 WEST 1234 5698 76 5432") == [
        ("IBAN_CODE", "GB82 WEST 1234 5698 76 5432")
    ]
    assert entities(rec, "IS 12 and 3 more words follow here") == []
    assert entities(rec, "GB82 WEST 1234 5698 7654 33") == []


def test_uatp_card() -> None:
    assert entities(PaymentCardRecogniser(), "card 1234 567890 12346") == []
    value = "100000000000009"  # UATP: 15 digits starting 1, Luhn
    assert entities(PaymentCardRecogniser(), f"card {value}") == [("CREDIT_CARD", value)]


def test_email_with_punycode_tld() -> None:
    text = "write to maria.lopez@xn--d1acufc.xn--p1ai today"
    assert [e for e, _ in entities(EmailRecogniser(), text)] == ["EMAIL_ADDRESS"]


# -- linear time on adversarial input --------------------------------------------------------


@pytest.mark.parametrize(
    "unit",
    ["1234567 ", "+63 917 ", "0 (917) ", "X1234567-", "12/345/", "GB82 ", "a1 "],
)
def test_one_megabyte_of_identifier_shapes_is_linear(engine, unit: str) -> None:
    text = unit * (1_000_000 // len(unit))
    started = time.process_time()
    engine.scan(text)
    assert time.process_time() - started < 20  # generous bound: linear, not quadratic


@pytest.mark.parametrize(
    "text",
    [
        "doi 10.1001/jama.280.14.1256 cited",  # a dotted code, not an SSN
        "X Y\n-0.463 22.455 -31.270\n-0.462 22.591 -31.510",  # decimals, not phones
        "Max. Freq. (MHz) 783 756 661 603",  # a column of numbers, not a SIN or TFN
        "0 20 40 60 80 100 120",  # an axis, not a phone
        "see hal-02887264 and MolPort-046-416-809",  # prefixed codes
    ],
)
def test_pieces_of_longer_numbers_are_not_identifiers(engine, text: str) -> None:
    """Rule: a shape that is one piece of a longer numeric run or code does not count."""
    assert engine.scan(text).categories == []


def test_account_then_unseparated_sort_code(engine) -> None:
    """Rule: an account number then a six-digit sort code (either order, with bank
    context) are bank details; the same digits without bank context are not."""
    assert engine.scan("refund to acc no 41234567 sc 204577 today").categories == ["PERSONAL_DATA"]
    assert engine.scan("order 41234567 item 204577 shipped").categories == []
