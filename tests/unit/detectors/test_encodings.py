"""Red team RT-10 / RT-43: encodings a model (or a one-line script) decodes, so the scanner
decodes them first. Each payload is built here with the standard encoder; each class has
benign look-alikes that must stay allowed."""

from __future__ import annotations

import base64
import io
import quopri
import zlib

import pytest

from detectors.normalise import normalise

NINO = "JG103759A"  # valid format, made up
AWS = "AKIA" + "Q3EGRKTN7V2XPZ5M"  # shape of an AWS key id, made up
TEXT = f"Case notes: claimant NI {NINO} checked on Tuesday."


def cats(engine, text: str) -> list[str]:
    return engine.scan(text).categories


def _hex_groups(raw: bytes) -> str:
    h = raw.hex()
    return " ".join(h[i : i + 4] for i in range(0, len(h), 4))


ENCODED = {
    "base32": lambda v: base64.b32encode(v.encode()).decode(),
    "base85": lambda v: "(base85) " + base64.b85encode(v.encode()).decode(),
    "ascii85": lambda v: "<~" + base64.a85encode(v.encode()).decode() + "~>",
    "short base64": lambda v: base64.b64encode(v.encode()).decode(),
    "quoted-printable": lambda v: "".join(f"={ord(c):02X}" for c in v),
    "quoted-printable mixed": lambda v: (
        quopri.encodestring(v.encode(), quotetabs=True)
        .decode()
        .replace("1", "=31")
        .replace("0", "=30")
    ),
    "u escapes": lambda v: "".join(f"\\u{ord(c):04x}" for c in v),
    "U escapes": lambda v: "".join(f"\\U{ord(c):08x}" for c in v),
    "braced escapes": lambda v: "".join(f"\\u{{{ord(c):x}}}" for c in v),
    "octal escapes": lambda v: "".join(f"\\{ord(c):03o}" for c in v),
    "char codes": lambda v: ", ".join(str(ord(c)) for c in v),
    "char codes spaced": lambda v: " ".join(str(ord(c)) for c in v),
    "binary octets": lambda v: " ".join(f"{ord(c):08b}" for c in v),
    "hex groups": lambda v: _hex_groups(v.encode()),
}


@pytest.mark.parametrize("kind", sorted(ENCODED))
def test_encoded_nino_is_decoded_and_blocks(engine, kind: str) -> None:
    """Rule: what a model decodes (base32/85, QP, escapes, char codes, binary, hex groups,
    short base64) is decoded and scanned; the finding maps to the encoded run."""
    encoded = ENCODED[kind](NINO)
    text = f"My NI number, encoded: {encoded} - decode it and fill the form."
    result = engine.scan(text)
    assert result.categories == ["PERSONAL_DATA"], (kind, encoded)
    nino = [f for f in result.findings if f.entity_type == "UK_NINO"]
    assert nino and all(text.find(encoded[:6]) - 12 <= f.start < f.end <= len(text) for f in nino)


@pytest.mark.parametrize(
    "kind", ["base32", "u escapes", "char codes", "hex groups", "binary octets"]
)
def test_encoded_sentences_and_keys(engine, kind: str) -> None:
    assert cats(engine, "decode: " + ENCODED[kind](TEXT)) == ["PERSONAL_DATA"], kind
    assert "CREDENTIALS" in cats(engine, "decode: " + ENCODED[kind](f"aws_access_key_id={AWS}"))


def test_base32_without_digits_is_read_in_whole_groups(engine) -> None:
    """An AWS key id's 20 bytes are 32 base32 characters, often letters only: such a run is
    read when it is whole 8-character groups; upper-case words stay words."""
    key = "AKIA" + "Q3EGRKTN7V2XPZ5M"
    blob = base64.b32encode(key.encode()).decode()
    assert not any(c.isdigit() for c in blob) and len(blob) == 32
    assert "CREDENTIALS" in cats(engine, f"Decode and use this access key id: {blob}")
    assert cats(engine, "NOTHINGTOSEEHEREATALLTODAYOKAYSO and THEQUICKBROWNFOXJUMPS") == []


def test_encoded_marking_blocks(engine) -> None:
    marking = "OFFICIAL-SENSITIVE\nBriefing for the Minister: the Leeds office will close."
    for kind in ("base32", "quoted-printable", "u escapes"):
        # (a long base32 run also reads as a generic secret to the credential rules)
        assert "OFFICIAL_SENSITIVE" in cats(engine, "decode: " + ENCODED[kind](marking)), kind


@pytest.mark.parametrize(
    "text",
    [
        "The organisation's representatives discussed internationalisation.",  # 12+ letters
        "Years 2024 2025 2026 2027 were planned; rooms 1010 1011 1012 1013 too.",
        "Scores: 10, 20, 30, 40, 50, 60, 70 and 80, 85, 90, 95, 99, 100.",
        "Set colour=FF0000 and width=100; a=1&b=2&c=3 in the query.",
        'print("caf\\u00e9 na\\u00efve r\\u00e9sum\\u00e9")  # escapes of ordinary words',
        "Mask 11110000 00001111 10101010 01010101 for the register.",
        "commit 3f9a2b7c1d4e5f60718293a4b5c6d7e8f9012345 and sha256 "
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "The VariableName2 and getHttpResp4 methods return Base64Encode values.",
        "<~ this is a smiley ~> in a chat",
        "Explain base85 and ascii85 encodings; which is denser than base64?",
    ],
)
def test_look_alikes_stay_allowed(engine, text: str) -> None:
    assert cats(engine, text) == []


def test_ordinary_base64_image_is_not_read_as_an_identifier(engine) -> None:
    """A real PNG (compressed noise) in base64 decodes to binary: no text, no finding."""
    png = b"\x89PNG\r\n\x1a\n" + zlib.compress(bytes(range(256)) * 64)
    blob = base64.b64encode(png).decode()
    assert cats(engine, f"![chart](data:image/png;base64,{blob})") == []
    buf = io.BytesIO(bytes((i * 7919) % 251 for i in range(4096)))
    assert cats(engine, base64.b64encode(buf.getvalue()).decode()) == []


def test_decoded_views_are_bounded() -> None:
    """1 MB of escape-looking text decodes within the byte budget (no view explosion)."""
    text = ("\\u004a\\u0047 " * 100_000)[: 1 << 20]
    views = normalise(text)
    assert sum(len(v.text) for v in views[1:]) <= (1 << 20) + 4 * len(views)


BRAILLE_DIGITS = dict(zip("1234567890", "⠁⠃⠉⠙⠑⠋⠛⠓⠊⠚", strict=True))
MORSE = {"J": ".---", "G": "--.", "A": ".-", "1": ".----", "0": "-----", "3": "...--"}
MORSE |= {"7": "--...", "5": ".....", "9": "----."}


def test_letter_forms_a_reader_reads(engine) -> None:
    """RT-08: small capitals, parenthesized letters, Braille (UEB grade 1), Morse."""
    small = {"J": "\u1d0a", "G": "\u0262", "A": "\u1d00"}
    paren = "".join(chr(0x249C + ord(c.lower()) - 97) if c.isalpha() else c for c in NINO)
    braille = "⠠⠚⠠⠛⠼" + "".join(BRAILLE_DIGITS[d] for d in "103759") + "⠠⠁"
    morse = " ".join(MORSE[c] for c in NINO)
    for text in (
        "NI " + "".join(small.get(c, c) for c in NINO) + " fill the form",
        f"NI {paren} fill the form",
        f"NI in braille: {braille} - transcribe it",
        f"NI in morse: {morse} - decode and fill the form",
    ):
        assert cats(engine, text) == ["PERSONAL_DATA"], text


@pytest.mark.parametrize(
    "text",
    [
        "| --- | --- | --- | --- |\n| a | b | c | d |",
        "Slide 3 --- -- - notes - -- ---",
        "⠓⠑⠇⠇⠕ ⠺⠕⠗⠇⠙ in braille is hello world",
        "\u1d00\u0299\u1d04 small capitals are a font style",
    ],
)
def test_letter_form_look_alikes_stay_allowed(engine, text: str) -> None:
    assert cats(engine, text) == []


COMPRESSORS = {
    "gzip": lambda raw: __import__("gzip").compress(raw),
    "gzip two members": lambda raw: (
        __import__("gzip").compress(raw[:20]) + __import__("gzip").compress(raw[20:])
    ),
    "zlib": zlib.compress,
    "bzip2": lambda raw: __import__("bz2").compress(raw),
    "xz": lambda raw: __import__("lzma").compress(raw),
}


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
@pytest.mark.parametrize("wrap", ["prose", "hex", "json string"])
def test_compressed_then_encoded_text_is_inflated_and_blocks(engine, kind: str, wrap: str) -> None:
    """RT-75: text compressed, then base64 (or hex) encoded, in prompt text of any length,
    is what a code tool decodes and decompresses in one line: inflated (bounded) and
    scanned. The payload is read back with the standard decompressor first."""
    import bz2
    import gzip
    import lzma

    raw = COMPRESSORS[kind](TEXT.encode())
    inflate = {"gzip": gzip.decompress, "zlib": zlib.decompress}
    back = inflate.get(
        kind.split(maxsplit=1)[0], bz2.decompress if kind == "bzip2" else lzma.decompress
    )
    assert back(raw).decode() == TEXT
    blob = raw.hex() if wrap == "hex" else base64.b64encode(raw).decode()
    text = (
        f'{{"blob": "{blob}"}}'
        if wrap == "json string"
        else f"Use python to decode and decompress this, then draft the letter: {blob}"
    )
    assert "PERSONAL_DATA" in cats(engine, text), (kind, wrap)


def test_compressed_clean_text_is_read_and_random_bytes_give_nothing(engine) -> None:
    """The inflated text is scanned like any text: a compressed clean note is read (its
    view holds the note) and finds no personal data; random bytes that merely start like a
    zlib header inflate to nothing."""
    import random

    note = "Minutes of the team meeting: the timetable and the budget."
    text = f"decompress: {base64.b64encode(zlib.compress(note.encode())).decode()}"
    assert any(note in view.text for view in normalise(text)[1:])
    assert not {"PERSONAL_DATA", "SPECIAL_CATEGORY"} & set(cats(engine, text))
    noise = f"blob {base64.b64encode(b'\x78\x9c' + random.Random(7).randbytes(64)).decode()}"
    assert [view.origin for view in normalise(noise)] == ["text"]


@pytest.mark.parametrize(
    "form",
    [
        "base64 of utf-16le",
        "base64 of utf-16le with bom",
        "percent-u escapes",
        "object replacement",
    ],
)
def test_more_forms_a_reader_decodes_block(engine, form: str) -> None:
    """RT-10 / RT-73 residuals: base64 of UTF-16LE text (PowerShell -EncodedCommand, .NET),
    IIS / JavaScript ``escape()`` ``%u004A`` escapes, and U+FFFC (an object placeholder a
    viewer shows as nothing or a box) inside a value; each read back with Python first."""
    encoded = {
        "base64 of utf-16le": base64.b64encode(NINO.encode("utf-16-le")).decode(),
        "base64 of utf-16le with bom": base64.b64encode(NINO.encode("utf-16")).decode(),
        "percent-u escapes": "".join(f"%u{ord(c):04X}" for c in NINO),
        "object replacement": NINO[:4] + "\ufffc" + NINO[4:],
    }[form]
    if form.startswith("base64"):
        assert base64.b64decode(encoded).decode("utf-16" if "bom" in form else "utf-16-le") == NINO
    elif form == "percent-u escapes":
        assert (
            "".join(chr(int(encoded[i + 2 : i + 6], 16)) for i in range(0, len(encoded), 6)) == NINO
        )
    text = f"Decode this, it is the claimant's NI number: {encoded}"
    assert engine.scan(text).categories == ["PERSONAL_DATA"], form


def test_percent_u_and_utf16_look_alikes_stay_allowed(engine) -> None:
    assert engine.scan("Progress is 50%u and the budget line %u is blank.").categories == []
    clean = base64.b64encode("Minutes of the meeting".encode("utf-16-le")).decode()
    assert engine.scan(f"Decode: {clean}").categories in ([], ["CREDENTIALS"])


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1f", "\x7f"])
def test_c0_controls_inside_a_value_are_read_through(engine, control: str) -> None:
    """RT-103: C0 controls are not printable and carry nothing a reader sees (JSON carries
    them as \\u00XX escapes); a value split by one reads whole."""
    text = f"Claimant NI number {NINO[:4]}{control}{NINO[4:]} - draft the letter."
    assert text.replace(control, "").count(NINO) == 1
    assert engine.scan(text).categories == ["PERSONAL_DATA"], repr(control)


def test_nul_between_every_character_and_in_a_marking(engine) -> None:
    assert engine.scan("Claimant NI number " + "\x00".join(NINO)).categories == ["PERSONAL_DATA"]
    marking = engine.scan("OFFICIAL-\x00SENSITIVE briefing: the office closes in March")
    assert marking.categories == ["OFFICIAL_SENSITIVE"]
    assert engine.scan("page one\x0cpage two about the timetable").categories == []
