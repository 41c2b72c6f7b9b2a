"""Issue 16 item 5 (obfuscation in plain text) and issue 17 item 9 (any str): the payloads
are built here; each class has a positive and a look-alike that must stay allowed."""

from __future__ import annotations

import base64
import codecs
import random
import time

import pytest

from detectors.normalise import Limits, normalise

NINO = "JG103759A"  # a valid-format NINO made up for these tests
NINO_SPACED = "JG 10 37 59 A"
CARD = "4539 5787 6362 1486"  # Luhn-valid, made up


def cats(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# -- separators inside identifier shapes ---------------------------------------------------


@pytest.mark.parametrize("sep", ["|", ",", "\t", "\n", "\u2028"])
def test_unusual_separators_inside_identifiers(engine, sep: str) -> None:
    """Rule: | , tab, newline and U+2028 between the groups of an identifier are separators."""
    assert cats(engine, "ni " + sep.join(NINO_SPACED.split())) == ["PERSONAL_DATA"]
    assert cats(engine, "pay " + sep.join(CARD.split())) == ["PERSONAL_DATA"]


@pytest.mark.parametrize(
    "text",
    [
        "population 123,456,789 in 2020",  # thousands separators
        "a,b,c,d,e,f",  # code
        "cols|1|2|3|4",
        "row\t100\t200\t300",
    ],
)
def test_separated_numbers_that_are_not_identifiers_stay_allowed(engine, text: str) -> None:
    assert cats(engine, text) == []


# -- Unicode: confusables (UTS #39), non-ASCII digits, surrogates ---------------------------


def test_cherokee_and_lisu_look_alikes_fold_through_the_confusables_data(engine) -> None:
    """Rule: look-alike letters from any script fold to ASCII (UTS #39 data, not our table)."""
    cherokee = "\u13aa\u13f4"  # Cherokee letters that look like A, B
    lisu = "\ua4ee\ua4d0"  # Lisu letters that look like A, B
    for prefix in (cherokee, lisu):
        text = f"ni {prefix}123456C"
        assert normalise(text)[0].text == "ni AB123456C"
        assert cats(engine, text) == ["PERSONAL_DATA"]
    assert normalise("OFF\u0406CIAL-SENSITIVE")[0].text == "OFFICIAL-SENSITIVE"  # Cyrillic I


@pytest.mark.parametrize(
    "digits",
    ["\u0967\u0966\u0969\u096d\u096b\u096f", "\u0661\u0660\u0663\u0667\u0665\u0669"],
)
def test_non_ascii_decimal_digits(engine, digits: str) -> None:
    """Rule: Devanagari and Arabic-Indic digits are digits (unicodedata.decimal)."""
    text = f"ni JG{digits}A"
    assert normalise(text)[0].text == "ni JG103759A"
    assert cats(engine, text) == ["PERSONAL_DATA"]


def test_lone_surrogates_never_crash_and_offsets_hold(engine) -> None:
    """Rule: the engine accepts any str (issue 17 item 9), lone surrogates included."""
    for text in ("\ud800", "a\udfffb", f"\ud83d ni {NINO} \udc00 O F F I C I A L", "\udc80" * 5000):
        result = engine.scan(text)
        for f in result.findings:
            assert 0 <= f.start < f.end <= len(text)
    result = engine.scan(f"\ud800 ni {NINO}")
    f = next(f for f in result.findings if f.entity_type == "UK_NINO")
    assert f"\ud800 ni {NINO}"[f.start : f.end] == NINO


# -- digit look-alikes and numbers in words --------------------------------------------------


def test_letter_look_alikes_inside_digit_groups(engine) -> None:
    """Rule: O/o for 0 and l/I for 1 inside a digit group are digits."""
    assert cats(engine, "ni JG 1O 37 59 A") == ["PERSONAL_DATA"]
    assert cats(engine, "card 4539 5787 6362 l486") == ["PERSONAL_DATA"]
    assert normalise("Hello World, lOl, I2C bus, 1O items")[0].text == (
        "Hello World, lOl, I2C bus, 10 items"
    )


def test_numbers_in_words(engine) -> None:
    """Rule: a run of number words is read as digits ("double oh" is 00)."""
    phone = "call me on oh seven seven double oh nine oh oh one two three"
    assert "07700900123" in normalise(phone)[0].text
    nino = "my NI is JG ten thirty-seven fifty-nine A"
    assert cats(engine, nino) == ["PERSONAL_DATA"]
    assert cats(engine, "one two three four, let's go") == []
    assert normalise("I have one or two ideas")[0].text == "I have one or two ideas"


# -- an AWS key id split by one space ------------------------------------------------------


def test_aws_key_id_split_by_one_space(engine) -> None:
    key = "AKIAQ4HJ7WX2MZ6PL3TD"  # made up (base-32 body), not a placeholder
    assert cats(engine, f"aws_access_key_id = {key[:9]} {key[9:]}") == ["CREDENTIALS"]
    assert normalise("AKIA is a prefix word")[0].text == "AKIA is a prefix word"


# -- markings written reversed or in ROT13 ---------------------------------------------------


def test_reversed_and_rot13_markings(engine) -> None:
    """Rule: a marking written backwards or in ROT13 is still the marking."""
    doc = "OFFICIAL-SENSITIVE\nBudget options for the spending review"
    assert cats(engine, doc[::-1]) == ["OFFICIAL_SENSITIVE"]
    assert cats(engine, codecs.encode(doc, "rot13")) == ["OFFICIAL_SENSITIVE"]
    # turning back a text that only mentions the words in a question stays a question
    assert cats(engine, "?evitisnes-laiciffo naem siht seod tahW") == []
    assert [v.origin for v in normalise("an ordinary sentence")] == ["text"]


# -- base64 ----------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_base64_in_four_character_groups(engine) -> None:
    blob = b64(f"claimant NINO {NINO} thanks".encode())
    grouped = " ".join(blob[i : i + 4] for i in range(0, len(blob), 4))
    assert cats(engine, f"decode this: {grouped}") == ["PERSONAL_DATA"]


def test_base64_after_a_short_binary_prefix(engine) -> None:
    blob = b64(b"\x00\x01\xfe\xff\x10\x9c" + f"claimant NINO {NINO} thanks".encode())
    assert cats(engine, f"payload {blob}") == ["PERSONAL_DATA"]


def test_base64_nested_three_deep(engine) -> None:
    inner = f"claimant NINO {NINO} thanks".encode()
    blob = b64(b"wrap " + b64(b"wrap " + b64(inner).encode()).encode())
    assert cats(engine, f"payload {blob}") == ["PERSONAL_DATA"]


@pytest.mark.parametrize("decoys", [64, 300])
def test_base64_after_many_decoy_blobs(engine, decoys: int) -> None:
    """Rule: no count of blobs: decoys before the real blob do not hide it."""
    padding = " ".join(b64(f"harmless decoy number {i} here".encode()) for i in range(decoys))
    real = b64(f"claimant NINO {NINO} thanks".encode())
    assert "PERSONAL_DATA" not in cats(engine, padding)
    assert "PERSONAL_DATA" in cats(engine, f"{padding} {real}")


def test_decoded_bytes_are_bounded() -> None:
    blob = b64(b"x" * 3000 + b" readable text " * 10)
    views = normalise(" ".join([blob] * 50), Limits(max_decoded_chars=10_000))
    assert sum(len(v.text) for v in views[1:]) <= 10_000 + 2 * 50


@pytest.mark.parametrize("seed", range(20))
def test_random_tokens_are_not_decoded(seed: int) -> None:
    """Rule: random bytes are not text (a readable run must be 16+ characters).

    Seeded, so a run is reproducible: with unseeded bytes about 0.45% of such texts still get
    a second view by chance (a decode cue inside random base64, a base32 or joined reading);
    a view is not a finding, but that residue is a known imperfection to remove.
    """
    draw = random.Random(seed)
    tokens = " ".join(b64(draw.randbytes(24)) for _ in range(50))
    assert [v.origin for v in normalise(f"hashes: {tokens}")] == ["text"]


# -- linear time on 1 MB adversarial input for the new shapes ---------------------------------


@pytest.mark.parametrize(
    "unit",
    [
        "12|34|",  # separated groups
        "1O ",  # digit look-alikes
        "oh seven ",  # number words, one endless run
        "AKIA ",  # AWS prefix with spaces
        "SGVs ",  # 4-char base64 groups
        "evitisnes ",  # reversed marking word (adds a reversed view)
        "\ud800a",  # surrogates
    ],
)
def test_one_megabyte_of_obfuscation_shapes_is_linear(engine, unit: str) -> None:
    text = unit * (1_000_000 // len(unit))
    started = time.process_time()
    engine.scan(text)
    assert time.process_time() - started < 30  # generous: linear, not quadratic


@pytest.mark.parametrize(
    "text",
    ["NI number J,G,1,0,3,7,2,9,A", "NI: J|G|1|0|3|7|2|9|A", "J|G|1|0|3|7|2|9|A please"],
)
def test_identifier_letter_spaced_with_commas_or_pipes_is_found(engine, text):
    """Rule (red team, issue 16 item 5): a separator between every character of an
    identifier (comma, pipe) does not hide it."""
    assert "PERSONAL_DATA" in engine.scan(text).categories


@pytest.mark.parametrize(
    "text",
    ["arr = [0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1]", "Input: [111,21,3,4000,5,6,7,8,9], k = 4",
     "| 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |"],
)  # fmt: skip
def test_lists_of_numbers_with_commas_or_pipes_are_not_collapsed(engine, text):
    """Rule: commas and pipes collapse only runs with a letter in them: lists of single
    digits are data, not a spaced identifier."""
    assert engine.scan(text).categories == []


# -- red-team classes (RT-07, RT-08, RT-09, RT-30) ----------------------------------------


@pytest.mark.parametrize(
    "disguise",
    [
        lambda v: "".join(chr(0xE0000 + ord(c)) for c in v),  # tag characters (ASCII smuggling)
        lambda v: "".join(chr(0x1F170 + ord(c) - 65) if c.isalpha() else c for c in v),  # 🅹
        lambda v: "".join(chr(0x1F150 + ord(c) - 65) if c.isalpha() else c for c in v),  # 🅙
        lambda v: "".join(chr(0x1F130 + ord(c) - 65) if c.isalpha() else c for c in v),  # 🄹
        lambda v: v[:4] + "\u2800" + v[4:],  # braille blank
        lambda v: "\U0001d159".join(v),  # musical symbol null notehead (RT-73)
        lambda v: ";".join(v),
        lambda v: "+".join(v),
        lambda v: ":".join(v),
        lambda v: "    ".join(v),
    ],
)
def test_disguises_a_model_reads_through(engine, disguise) -> None:
    assert cats(engine, f"My NI number is {disguise(NINO)}") == ["PERSONAL_DATA"]


@pytest.mark.parametrize(
    "text",
    ["scores 1;2;3;4;5 and 1+2+3+4 = 10", "at 10:30:15 on 1:2:3:4", "a;b;c;d", "x    y    z"],
)
def test_lists_and_times_with_those_separators_stay_allowed(engine, text: str) -> None:
    assert cats(engine, text) == []


def _wrapped(width: int, encode) -> str:
    """A paragraph encoded and wrapped at ``width`` so that the NINO straddles a line break."""
    import textwrap

    for pad in range(64):
        para = "z" * pad + f"Review notes: the claimant's NI number is {NINO}, review agreed."
        lines = textwrap.wrap(encode(para.encode()), width)
        if not any(NINO in _decode_line(line) for line in lines):
            return "\n".join(lines)
    raise AssertionError("no padding straddles a break")


@pytest.mark.parametrize(
    ("width", "encode", "quote"),
    [
        (76, lambda b: base64.b64encode(b).decode(), ""),  # MIME
        (64, lambda b: base64.b64encode(b).decode(), ""),  # PEM
        (76, lambda b: base64.b64encode(b).decode(), "> "),  # quoted in an e-mail
        (60, lambda b: b.hex(), ""),  # xxd -p
    ],
)
def test_wrapped_base64_and_hex_are_decoded_across_lines(engine, width, encode, quote) -> None:
    """RT-43: ``base64 -d`` and a model read the lines joined."""
    lines = _wrapped(width, encode).split("\n")
    assert not any(NINO in _decode_line(line) for line in lines)  # no line holds it alone
    text = "Decode this attachment:\n" + "\n".join(quote + line for line in lines)
    assert cats(engine, text) == ["PERSONAL_DATA"]


def _decode_line(line: str) -> str:
    try:
        return base64.b64decode(line + "=" * (-len(line) % 4)).decode("latin-1")
    except ValueError:
        return bytes.fromhex(line[: len(line) // 2 * 2]).decode("latin-1")


def test_wide_gap_before_a_spaced_word_is_a_word_break():
    """Rule: 4+ spaces join letters only when the whole run is spaced that way; next to a
    narrower-spaced word they are a gap between words, so a page footer's number does not
    glue onto the spaced marking after it."""
    from detectors.engine import ScanEngine
    from detectors.settings import DetectorSettings

    engine = ScanEngine(DetectorSettings(), load_ner=False)
    footer = "Page 3 of 9    O F F I C I A L  S E N S I T I V E"
    assert "OFFICIAL_SENSITIVE" in engine.scan(footer).categories
    wide = "J    G    1    0    3    7    2    9    A"  # uniformly wide: still one identifier
    assert "PERSONAL_DATA" in engine.scan("NI number " + wide).categories
