"""More UK and travel identifiers (red team RT-86, RT-87), both sides; each test states
the rule it pins. Values are built here (check digits computed), not taken from corpora."""

from __future__ import annotations

import pytest

from detectors.recognisers.mrz import check_digit, line2_ok, td1_line1_ok
from detectors.recognisers.nhs import nhs_checksum_ok


def _with_check(field: str) -> str:
    return field + str(check_digit(field))


def _td3_line2(number: str = "533475514", sex: str = "F") -> str:
    line = _with_check(number) + "GBR" + _with_check("610915") + sex + _with_check("310101")
    line += "<" * 14 + "<"
    return line + str(check_digit(line[0:10] + line[13:20] + line[21:43]))


def _scan(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: a Scottish CHI number (the NHS number of Scotland: same ten digits, same mod-11
# check) counts after the bare label "CHI", as after "CHI number" (RT-86).
def test_chi_after_a_bare_label_blocks(engine) -> None:
    assert nhs_checksum_ok("1203985126")
    text = "Fiona MacLeod, CHI 1203985126, missed her appointment; draft a reminder."
    assert _scan(engine, text) == ["PERSONAL_DATA"]


# Rule (other side): the checksum still decides: ten digits after "CHI" that fail mod 11
# (as a tenth of random numbers do not) are a number, not a CHI.
def test_chi_label_with_a_failing_checksum_stays_allowed(engine) -> None:
    assert not nhs_checksum_ok("1203985121")
    assert _scan(engine, "Import log: CHI 1203985121 rejected by the ledger export.") == []


# Rule: DWP's temporary reference number (TN, date of birth DDMMYY, sex M/F) stands for a
# NINO and counts alone (RT-86).
@pytest.mark.parametrize(
    "text",
    [
        "Claimant John Doyle, temporary NI number TN 01 01 90 F, draft the letter.",
        "Ref TN010190M - please update the address.",
        "tn-31-12-85-m on the form",
    ],
)
def test_temporary_nino_blocks(engine, text: str) -> None:
    assert _scan(engine, text) == ["PERSONAL_DATA"]


# Rule (other side): no date (month 13) or no sex letter: not a temporary reference.
@pytest.mark.parametrize(
    "text", ["Ticket TN 45 13 90 F closed.", "Route TN 01 01 90 to the depot tomorrow."]
)
def test_tn_lookalikes_stay_allowed(engine, text: str) -> None:
    assert _scan(engine, text) == []


# Rule: a passport's or identity card's machine-readable line whose check digits all hold
# (ICAO 9303 TD3, TD2, TD1) is a strong identifier (RT-87).
def test_mrz_lines_block(engine) -> None:
    line2 = _td3_line2()
    assert line2_ok(line2)
    td3 = "P<GBRSMITH<<JANE<ELIZABETH" + "<" * 18 + "\n" + line2
    assert _scan(engine, td3) == ["PERSONAL_DATA"]
    assert _scan(engine, "Right-to-work check, MRZ: " + line2) == ["PERSONAL_DATA"]
    td2 = _with_check("533475514") + "GBR" + _with_check("610915") + "M" + _with_check("310101")
    td2 += "<" * 7
    td2 += str(check_digit(td2[0:10] + td2[13:20] + td2[21:35]))
    assert line2_ok(td2)
    assert _scan(engine, "I<GBRSMITH<<JANE" + "<" * 20 + "\n" + td2) == ["PERSONAL_DATA"]
    td1 = "I<GBR" + _with_check("AB1234567") + "<" * 15
    assert td1_line1_ok(td1)
    assert _scan(engine, td1 + "\n") == ["PERSONAL_DATA"]


# Rule (other side): one wrong check digit, or text about the MRZ format, is no document.
def test_mrz_with_a_wrong_check_digit_or_a_format_description_stays_allowed(engine) -> None:
    line2 = _td3_line2()
    broken = line2[:9] + str((int(line2[9]) + 1) % 10) + line2[10:]
    assert not line2_ok(broken)
    assert _scan(engine, "MRZ: " + broken) == []
    text = "The MRZ starts P<UTO, then the name with << between surname and forenames."
    assert _scan(engine, text) == []
