"""Normalisation: folding, invisible characters, letter spacing, decoded blobs, offsets."""

from __future__ import annotations

import base64
import unicodedata
import urllib.parse

import pytest

from detectors.normalise import Limits, normalise


def test_ascii_is_untouched_and_identity_mapped() -> None:
    (view,) = normalise("plain text")
    assert view.text == "plain text"
    assert view.to_original(6, 10) == (6, 10)


def test_fullwidth_cyrillic_greek_zero_width() -> None:
    text = "ＡＢ１２ АВ Ο\u200bK"
    view = normalise(text)[0]
    assert view.text == "AB12 AB OK"
    s = view.text.index("OK")
    assert text[slice(*view.to_original(s, s + 2))] == "Ο\u200bK"


def test_spacing_diacritics_stay_one_symbol_not_a_space() -> None:
    # NFKC turns U+00A8 into a space and a combining mark: a password would split in two
    assert " " not in normalise("k,.:-\u00a8@*\u00b4x")[0].text


def test_letter_spaced_runs_collapse_but_words_stay() -> None:
    assert normalise("O F F I C I A L - S E N S I T I V E")[0].text == "OFFICIAL-SENSITIVE"
    assert normalise("this is a O F F I C I A L doc")[0].text == "this is a OFFICIAL doc"
    assert normalise("a b c")[0].text == "a b c"


def test_decoded_blobs_map_to_the_blob_span() -> None:
    secret = "NINO AB123456C"
    for encoded, origin in (
        (base64.b64encode(secret.encode()).decode(), "base64"),
        (secret.encode().hex(), "hex"),
        (urllib.parse.quote(secret + " / more text"), "url"),
    ):
        text = f"see: {encoded} end"
        views = normalise(text)
        child = next(v for v in views if v.origin == origin)
        assert "AB123456C" in child.text
        start, end = child.to_original(0, 3)
        assert text[start:end] == encoded


def test_blob_limits_bound_the_work() -> None:
    """Rule: decoded text is bounded in bytes; blobs of one kind at one depth are one view."""
    blob = base64.b64encode(b"hello world, this is text").decode()
    views = normalise(" ".join([blob] * 200), Limits(max_decoded_chars=100))
    assert len(views) == 2
    assert len(views[1].text) <= 100 + 2 * 5


def test_nested_base64_decoded_to_bounded_depth() -> None:
    inner = base64.b64encode(b"NINO AB123456C please").decode()
    outer = base64.b64encode(f"wrapped {inner} data".encode()).decode()
    texts = [v.text for v in normalise(outer, Limits(max_depth=2))]
    assert any("AB123456C" in t for t in texts)
    assert not any("AB123456C" in t for t in normalise(outer, Limits(max_depth=1))[1:][:0])


def test_engine_offsets_into_original_text(engine) -> None:
    text = "Ｃｌａｉｍａｎｔ ＮＩＮＯ: ＡＢ１２３４５６Ｃ!"
    f = engine.scan(text).findings[0]
    assert text[f.start : f.end] == "ＡＢ１２３４５６Ｃ"
    zw = "nino A\u200bB123456C ok"
    f = engine.scan(zw).findings[0]
    assert zw[f.start : f.end] == "A\u200bB123456C"


def test_hex_with_byte_separators_decoded_and_mapped_to_the_blob() -> None:
    from detectors.normalise import normalise

    for blob in (
        "4a 43 31 32 33 34 35 36 44",
        "4a:43:31:32:33:34:35:36:44",
        "0x4a 0x43 0x31 0x32 0x33 0x34 0x35 0x36 0x44",
        "0x4a, 0x43, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x44",
        "\\x4a\\x43\\x31\\x32\\x33\\x34\\x35\\x36\\x44",
    ):
        text = f"decode: {blob} thanks"
        views = normalise(text)
        decoded = [v for v in views if v.origin == "hex"]
        assert [v.text for v in decoded] == ["JC123456D"], blob
        assert decoded[0].to_original(0, 9) == (8, 8 + len(blob))


def test_separated_numbers_that_are_not_text_are_not_decoded() -> None:
    from detectors.normalise import normalise

    for text in ("MAC aa:bb:cc:dd:ee:ff", "12-03-19 10:30:45", "scores 10, 20, 30, 40, 50, 60"):
        assert [v.origin for v in normalise(text)] == ["text"], text


_DASHES = [chr(c) for c in range(0x80, 0x110000) if unicodedata.category(chr(c)) == "Pd"]


@pytest.mark.parametrize("dash", [*_DASHES, "\u02d7", "\u2796"], ids=lambda d: f"U+{ord(d):04X}")
def test_every_dash_reads_as_a_hyphen(engine, dash) -> None:
    """Rule (red team RT-73): any dash punctuation (Unicode category Pd) and the UTS #39
    look-alikes of '-' (MODIFIER LETTER MINUS SIGN, HEAVY MINUS SIGN) read as a hyphen, so a
    marking joined by one is the marking."""
    text = f"OFFICIAL{dash}SENSITIVE: the plan to close the Leeds office next year"
    assert normalise(text)[0].text.startswith("OFFICIAL-SENSITIVE")
    assert "OFFICIAL_SENSITIVE" in engine.scan(text).categories


def test_sentence_punctuation_is_no_dash() -> None:
    """Rule: the Arabic full stop (a confusable of '-' in the data, but a full stop) and
    letters listed as look-alikes of '-' (COPTIC CAPITAL LETTER DIALECT-P NI) are kept."""
    for ch in ("\u06d4", "\u2cba"):
        assert ch in normalise(f"word{ch}word")[0].text


_DINGBAT_DIGITS = {
    "negative circled": (0x2776, "\u24ff"),
    "sans-serif circled": (0x2780, "\U0001f10b"),
    "negative sans-serif circled": (0x278A, "\U0001f10c"),
    "double circled": (0x24F5, "\u24ea"),
}


@pytest.mark.parametrize("form", sorted(_DINGBAT_DIGITS))
def test_circled_and_dingbat_digits_read_as_digits(engine, form) -> None:
    """Rule (red team RT-155): a digit drawn circled or as a dingbat (Unicode 'No' with a
    digit value, or named DIGIT with a value 0-9: no NFKC decomposition) reads as the
    digit, so identifiers written with them are the identifiers."""
    one, zero = _DINGBAT_DIGITS[form]

    def draw(value: str) -> str:
        return "".join(
            zero if c == "0" else chr(one + int(c) - 1) if c.isdigit() else c for c in value
        )

    assert "PERSONAL_DATA" in engine.scan(f"my NI number is {draw('JG103729A')}").categories
    text = f"pay into sort code {draw('20-45-77')} account {draw('31926819')}"
    assert normalise(text)[0].text == "pay into sort code 20-45-77 account 31926819"
    assert "PERSONAL_DATA" in engine.scan(text).categories


def test_ideographic_numbers_are_left_as_written() -> None:
    """Rule: CJK numerals (一 is also 'a' and 'one' in prose) and circled ideographs are not
    digits to the normaliser."""
    out = normalise("一〇三 \u3280 二")[0].text
    assert "一" in out and "三" in out and "二" in out
    assert not any(c in "0123456789" for c in out)
