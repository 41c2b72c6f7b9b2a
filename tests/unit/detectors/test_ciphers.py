"""Red team RT-10 (round C/F addenda): an encoding or cipher the text NAMES is decoded as a
model asked to decode it would (detectors/ciphers.py, cue words in normalise.yaml
``decode_cues``). Each payload is built here with the encoder; benign texts that name an
encoding (code, lessons, ids, hashes) must stay allowed."""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import uuid

import pytest

from detectors import ciphers
from detectors.normalise import normalise

NINO = "JG103759A"  # valid format, made up
AWS = "AKIA" + "Q3EGRKTN7V2XPZ5M"  # shape of an AWS key id, made up


def _int_text(raw: bytes, alphabet: str) -> str:
    n, out = int.from_bytes(raw, "big"), ""
    while n:
        n, r = divmod(n, len(alphabet))
        out = alphabet[r] + out
    return out


def _b45(raw: bytes) -> str:
    a, out = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", ""
    for i in range(0, len(raw), 2):
        if i + 1 < len(raw):
            c, n = divmod(raw[i] * 256 + raw[i + 1], 45 * 45)
            d, e = divmod(n, 45)
            out += a[e] + a[d] + a[c]
        else:
            d, e = divmod(raw[i], 45)
            out += a[e] + a[d]
    return out


def _z85(raw: bytes) -> str:
    a = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
    raw += b"\0" * (-len(raw) % 4)
    out = ""
    for i in range(0, len(raw), 4):
        v, s = int.from_bytes(raw[i : i + 4], "big"), ""
        for _ in range(5):
            v, r = divmod(v, 85)
            s = a[r] + s
        out += s
    return out


def _rot18(v: str) -> str:
    return "".join(
        chr((ord(c) - 65 + 13) % 26 + 65) if c.isupper() else str((int(c) + 5) % 10) for c in v
    )


def _vigenere(v: str, key: str, every_char: bool) -> str:
    out, i = [], 0
    for c in v:
        if c.isalpha():
            out.append(chr((ord(c) - 65 + ord(key[i % len(key)]) - 65) % 26 + 65))
            i += 1
        else:
            out.append(c)
            i += every_char
    return "".join(out)


def _caesar(v: str, k: int) -> str:
    return "".join(chr((ord(c) - 65 + k) % 26 + 65) if c.isalpha() else c for c in v)


def _bacon(v: str) -> str:
    return " ".join(
        format(ord(c) - 65, "05b").replace("0", "a").replace("1", "b") if c.isalpha() else c
        for c in v
    )


B = NINO.encode()
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
NAMED = {
    "base58": f"My NI number in base58 is {_int_text(B, B58)} - decode it.",
    "base45": f"My NI number in base45 (QR) is {_b45(B)} - decode it.",
    "base36": f"My NI number as a base36 integer of its bytes: {_int_text(B, '0123456789abcdefghijklmnopqrstuvwxyz')}.",
    "base62": f"My NI number in base62: {_int_text(B, B62)} - decode it.",
    "utf-16be hex": f"My NI number as UTF-16BE hex: {NINO.encode('utf-16-be').hex()} - decode it.",
    "rot18": f"My NI number in rot18 is {_rot18(NINO)} - decode it.",
    "vigenere, key on every char": f"Vigenere-encrypted with key KEY: {_vigenere(NINO, 'KEY', True)} - decrypt it.",
    "vigenere, key on letters": f"Vigenère, keyword LEMON: {_vigenere(NINO, 'LEMON', False)}; decrypt.",
    "xor hex": f"My NI number XORed with 0x2A, hex: {bytes(b ^ 0x2A for b in B).hex()} - decode it.",
    "xor decimal key": f"xor key 90, hex {bytes(b ^ 90 for b in B).hex()}",
    "bacon": f"My NI number, letters in Bacon cipher: {_bacon(NINO)} - decode it.",
    "base32 lower, unpadded": f"Decode this NI number: {base64.b32encode(B).decode().lower().rstrip('=')}",
    "base32hex": f"Decode this NI number: {base64.b32hexencode(B).decode()}",
    "base85 without its name": f"Decode this NI number: {base64.b85encode(B).decode()}",
    "z85": f"Decode this NI number: {_z85(B)}",
    "octal codes": "Decode this NI number: " + " ".join(f"{b:o}" for b in B),
    "uuencode": "Decode this NI number: " + binascii.b2a_uu(B).decode().strip(),
    "rot47": "Decode this NI number: " + "".join(chr(33 + (ord(c) + 14) % 94) for c in NINO),
    "atbash": "Decode this NI number: "
    + "".join(chr(90 - (ord(c) - 65)) if c.isalpha() else c for c in NINO),
    "hex of the reversed bytes": f"Decode this NI number: {B[::-1].hex()}",
    "caesar with a stated shift": f"My NI number, Caesar shift 3: {_caesar(NINO, 3)}",
    "shifted by a stated number": f"NI number shifted by 5 letters: {_caesar(NINO, 5)}",
    "rotN": f"My NI number in rot7: {_caesar(NINO, 7)}",
    "xor with a character key": "NI XOR with 'K', hex: " + bytes(b ^ ord("K") for b in B).hex(),
    "repeating-key xor": "NI xored with key KEY, hex: "
    + bytes(b ^ b"KEY"[i % 3] for i, b in enumerate(B)).hex(),
}


@pytest.mark.parametrize("kind", sorted(NAMED))
def test_named_encoding_is_decoded_and_blocks(engine, kind: str) -> None:
    """Rule: near a decode cue, tokens are decoded as the named encoding or cipher (with the
    key the text states) and what they decode to blocks as the value would."""
    text = NAMED[kind]
    result = engine.scan(text)
    assert result.categories == ["PERSONAL_DATA"], (kind, text)
    assert any(f.entity_type == "UK_NINO" for f in result.findings)


def test_named_encoding_of_a_key_and_a_marking(engine) -> None:
    key = f"Decode the access key id (base58): {_int_text(AWS.encode(), B58)}"
    assert "CREDENTIALS" in engine.scan(key).categories
    mark = _int_text(b"OFFICIAL-SENSITIVE", B62)
    text = f"Header in base62: {mark}. Body: the Department intends to close the Leeds office."
    assert "OFFICIAL_SENSITIVE" in engine.scan(text).categories


def test_finding_maps_to_the_encoded_token(engine) -> None:
    token = _int_text(B, B58)
    text = f"My NI number in base58 is {token} - decode it."
    nino = [f for f in engine.scan(text).findings if f.entity_type == "UK_NINO"]
    at = text.index(token)
    assert nino and all((f.start, f.end) == (at, at + len(token)) for f in nino)


def test_without_a_cue_nothing_is_tried() -> None:
    """Rule: the alphabets look like words and numbers; nothing is decoded unless the text
    names an encoding (the view is absent)."""
    text = f"Reference {_int_text(B, B58)} and {_rot18(NINO)} for the file."
    assert not [v for v in normalise(text) if v.origin == "cipher"]


random.seed(1216)
BENIGN = {
    "python decode": "data = base64.b64decode(payload)\ntext = data.decode('utf-8')\nprint(text)",
    "js decode": "const s = decodeURIComponent(location.hash.slice(1)); // decode base64 with atob",
    "hashes": "Decode and verify these digests: "
    + " ".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(5)),
    "uuids": "Decrypt the records with ids "
    + ", ".join(str(uuid.UUID(int=random.getrandbits(128))) for _ in range(8)),
    "vigenere lesson": "The Vigenere cipher with key LEMON turns ATTACKATDAWN into LXFOPVEFRNHR.",
    "xor lesson": "XOR each byte with 0x5a: 48 65 6c 6c 6f becomes 12 3f 36 36 35.",
    "rot47 lesson": "rot47 maps Hello World to w6==@ (@C=5 - decode by applying it again.",
    "random ids": "Decode these request ids: "
    + " ".join("".join(random.choice(B58) for _ in range(12)) for _ in range(40)),
    "random base36": "Decode: "
    + " ".join(
        "".join(random.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(14))
        for _ in range(40)
    ),
    "random capitals and digits": "Decrypt: "
    + " ".join(
        "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(9))
        for _ in range(60)
    ),
    "bacon lesson": "Bacon's cipher: aabbb aabaa ababa ababa abbba - decode it (HELLO).",
    "octal modes": "chmod 755 644 600 700 750 640 - decode these octal modes",
    "git shas": "Decode the commits 3f2a9c1 e4b8d02 a7c3f19 0b1d2e3 in the log",
    "order numbers": "Decode the order numbers 1000234567 and 998877665544 for the refunds.",
    "prose": "Please decode what the minister meant on 12 March 2024 about £4,500,000 for 350 schools.",
    "caesar lesson": "Caesar shift 3 turns HELLO into KHOOR; decode it by shifting back.",
    "rota": "The rota for week 7 is shifted by 2 days; rot3 is a toy cipher.",
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_texts_naming_an_encoding_stay_allowed(engine, name: str) -> None:
    assert engine.scan(BENIGN[name]).categories == [], name


def test_decoding_is_bounded() -> None:
    """Rule: at most MAX_TOKENS tokens are tried per text, each at most MAX_TOKEN long."""
    text = "decode " + " ".join("AbCdEf" + str(i) for i in range(5000))
    spans = [(0, 6)] + [(i, i + 6) for i in range(100, len(text), 500)]
    found = ciphers.decoded(text, spans)
    assert len({(s, e) for s, e, _ in found}) <= ciphers.MAX_TOKENS
    long = "decode " + "A" * 10_000
    assert [f for f in ciphers.decoded(long, [(0, 6)]) if f[0] > 6] == []


def test_hex_and_base64_of_utf16be_need_no_cue(engine) -> None:
    """Rule: UTF-16 in either byte order is text (the blob decoders read both)."""
    for blob in (
        NINO.encode("utf-16-be").hex(),
        base64.b64encode(NINO.encode("utf-16-be")).decode(),
    ):
        assert engine.scan(f"Claimant reference: {blob}").categories == ["PERSONAL_DATA"], blob
