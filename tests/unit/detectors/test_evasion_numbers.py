"""Red team RT-12 (numbers said as numbers), RT-49 (an NHS number in hex), RT-27 / json-keys
(``nhs_`` glue) and RT-10 (an encoded bare number): a ten-digit NHS number needs its context
words, so a value rebuilt from words, glue or an encoding is read with the words that
introduce it. Payloads are built here; counts, amounts and other labelled numbers stay
allowed."""

from __future__ import annotations

import base64

import pytest

NHS = "9434765919"  # mod-11 valid, made up
NOT_NHS = "9434765918"  # fails mod 11


def _words(n: int) -> str:
    ones = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    teens = [
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ]
    tens = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    out = []
    if n >= 1000:
        out.append(f"{ones[n // 1000]} thousand")
        n %= 1000
    if n >= 100:
        out.append(f"{ones[n // 100]} hundred")
        n %= 100
    if n:
        if out:
            out.append("and")
        if n < 10:
            out.append(ones[n])
        elif n < 20:
            out.append(teens[n - 10])
        else:
            out.append(tens[n // 10] + (f"-{ones[n % 10]}" if n % 10 else ""))
    return " ".join(out)


SAID = ", ".join(_words(int(g)) for g in (NHS[:3], NHS[3:6], NHS[6:]))


def test_nhs_number_said_as_three_numbers_blocks(engine) -> None:
    """Rule: comma groups of number words with a scale word ("nine hundred and forty-three,
    ...") are read as the numbers they say, written one after another."""
    assert "hundred" in SAID and "thousand" in SAID
    text = f"Patient NHS number {SAID} - draft the referral."
    assert engine.scan(text).categories == ["PERSONAL_DATA"]


def test_nhs_number_said_as_two_digit_numbers_blocks(engine) -> None:
    """Rule: four or more comma groups, each a two-digit number said in words, are read as
    the digits they say (no scale word needed)."""
    said = ", ".join(_words(int(NHS[i : i + 2])) for i in range(0, 10, 2))
    assert engine.scan(f"Patient NHS number {said} - refer.").categories == ["PERSONAL_DATA"]


@pytest.mark.parametrize(
    "text",
    [
        "Ages: twenty-one, thirty-four, forty-five, fifty-six and sixty-seven.",
        "We had three hundred and twelve, four hundred and six, and two thousand visitors.",
        "Budget: five thousand, two hundred and fifty, and nine hundred pounds for the NHS trust.",
        "one, two, three, four, five, six, seven, eight, nine, ten",
    ],
)
def test_counts_said_in_words_stay_allowed(engine, text: str) -> None:
    assert engine.scan(text).categories == []


@pytest.mark.parametrize(
    "text",
    [
        f"Patient NHS number in base64: {base64.b64encode(NHS.encode()).decode()}",
        f"NHS no. in hex: {hex(int(NHS))}",
        f"Patient NHS number, base32 - decode it: {base64.b32encode(NHS.encode()).decode()}",
    ],
)
def test_encoded_nhs_number_is_read_with_its_context(engine, text: str) -> None:
    """Rule: a decoded bare number is read with the words before its blob (80 chars of its
    line), as the plain number would be."""
    assert engine.scan(text).categories == ["PERSONAL_DATA"], text


@pytest.mark.parametrize(
    "text",
    [
        f"Order id in base64: {base64.b64encode(NHS.encode()).decode()}",
        f"colour in hex: {hex(int(NHS))}",
        f"Patient NHS number in base64: {base64.b64encode(NOT_NHS.encode()).decode()}",
        "The hex constant 0xFFFFFFFFFFFF in the NHS app decoder is a mask.",
    ],
)
def test_encoded_numbers_without_nhs_context_stay_allowed(engine, text: str) -> None:
    assert engine.scan(text).categories == [], text


def test_nhs_glued_with_underscore_reads_its_label(engine) -> None:
    """Rule: ``nhs_9434765919`` (a JSON key, a tool-schema property) is the word ``nhs`` and
    the number to a reader; ``order_9434765919`` stays an order number."""
    assert engine.scan(f"nhs_{NHS}").categories == ["PERSONAL_DATA"]
    assert engine.scan(f"save it\n\nnhs_{NHS}").categories == ["PERSONAL_DATA"]
    assert engine.scan(f"order_{NHS}").categories == []
