"""Mail-era encodings (red team RT-138, RT-148): an inline uuencoded block, a BinHex 4.0
attachment, and ``format=flowed; delsp=yes`` soft line breaks inside a value, in an .eml and
pasted in a prompt. Each payload is built here and read back by a standard decoder
(binascii's uudecode, the stdlib e-mail parser plus RFC 3676's rule) to prove the value is
there and not in the text whole."""

from __future__ import annotations

import binascii
import tracemalloc

import pytest

from detectors.engine import ScanEngine
from proxy.extract import extract
from proxy.extract.datatypes import ExtractionError
from proxy.extract.mailcodes import binhex_decoded, unflowed
from proxy.extract.settings import ExtractionSettings
from tests.unit.extract.extract_helpers import joined, request

UPLOAD = "https://files.oaiusercontent.com/f"
CHAT = "https://api.openai.com/v1/chat/completions"
NINO = "JG103729A"  # valid-format, made up
NOTE = f"Case notes\nClaimant NI number {NINO}, reviewed 2026-01-05.\n"
HEAD = "From: a@example.org\r\nTo: b@example.org\r\nSubject: case\r\nMIME-Version: 1.0\r\n"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes, name: str = "case.eml"):
    return extract(request(UPLOAD, data, "message/rfc822", "PUT"))


def chat(text: str, settings: ExtractionSettings | None = None):
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    return extract(request(CHAT, body), settings)


def _uuencode(data: bytes) -> str:
    lines = [binascii.b2a_uu(data[i : i + 45]).decode() for i in range(0, len(data), 45)]
    return "begin 644 notes.txt\n" + "".join(lines) + "`\nend\n"


def _uudecode(block: str) -> bytes:
    lines = block.splitlines()[1:-1]
    return b"".join(binascii.a2b_uu(line) for line in lines if line != "`")


def _hqx(data: bytes, runs: bytes = b"") -> str:
    """BinHex 4.0 of ``data`` as a file named notes.txt (no run-length step: it is optional
    for the writer, and the alphabet step is the part a reader must undo); ``runs`` is
    appended as it is, run-length codes and all."""
    name = b"notes.txt"
    header = bytes([len(name)]) + name + b"\0" + b"TEXTttxt" + b"\0\0"
    header += len(data).to_bytes(4, "big") + (0).to_bytes(4, "big") + b"\0\0"
    raw = (header + data + b"\0\0" + b"\0\0").replace(b"\x90", b"\x90\x00") + runs
    alphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
    bits = "".join(f"{byte:08b}" for byte in raw)
    bits += "0" * (-len(bits) % 6)
    chars = "".join(alphabet[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))
    lines = "\r\n".join(chars[i : i + 64] for i in range(0, len(chars), 64))
    return "(This file must be converted with BinHex 4.0)\r\n:" + lines + ":\r\n"


def test_a_uuencoded_block_in_a_mail_body_is_read(engine: ScanEngine) -> None:
    block = _uuencode(NOTE.encode())
    assert NINO.encode() in _uudecode(block)
    assert NINO not in block
    mail = HEAD + "Content-Type: text/plain\r\n\r\nNotes attached below.\r\n\r\n" + block
    text = joined(upload(mail.encode()))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_a_uuencoded_block_pasted_in_a_prompt_is_read() -> None:
    block = _uuencode(NOTE.encode())
    assert NINO in joined(chat("Decode this for me:\n" + block))


def test_a_binhex_attachment_is_read() -> None:
    hqx = _hqx(NOTE.encode())
    assert NINO not in hqx
    mail = (
        HEAD + 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\n"
        'Content-Type: application/mac-binhex40; name="notes.hqx"\r\n\r\n' + hqx + "--b1--\r\n"
    )
    assert NINO in joined(upload(mail.encode()))


def test_a_binhex_run_length_bomb_is_refused_as_it_expands() -> None:
    """``0x90 0xff`` repeats the previous byte to 255: 3 bytes (4 characters) give 255, so
    ~27 KB of text would decode to 5 MB; the decoder stops at the cap, never building it."""
    hqx = _hqx(NOTE.encode(), b"A\x90\xff" * 20_000)
    assert len(hqx) < 100_000
    cap = 64 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ExtractionError) as err:
            binhex_decoded(hqx, cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.reason == "too_large"
    assert peak < 1024 * 1024  # stopped near the cap, not at the 5 MB it declares
    with pytest.raises(ExtractionError) as err:
        chat("Decode this:\n" + hqx, ExtractionSettings(max_archive_bytes=cap))
    assert err.value.reason == "too_large"


def test_a_binhex_file_within_the_cap_still_reads() -> None:
    hqx = _hqx(NOTE.encode(), b"A\x90\xff" * 10)
    [(name, data)] = binhex_decoded(hqx, 64 * 1024)
    assert name == "notes.txt" and NINO.encode() in data
    assert NINO in joined(
        chat("Decode this:\n" + hqx, ExtractionSettings(max_archive_bytes=64 * 1024))
    )


def _flowed(text: str, width: int = 23) -> str:
    """RFC 3676 delsp=yes: long lines cut anywhere, a space added before each soft break."""
    return " \r\n".join(text[i : i + width] for i in range(0, len(text), width)) + "\r\n"


def test_a_flowed_delsp_mail_body_is_read_joined(engine: ScanEngine) -> None:
    body = _flowed(f"Claimant NI number {NINO} confirmed.")
    assert NINO not in body.replace(" \r\n", " ")  # spaced, the NINO is split
    assert NINO in unflowed(body, delsp=True)
    mail = HEAD + "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n"
    mail += "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + body
    text = joined(upload(mail.encode()))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_flowed_text_pasted_with_its_declaration_is_read_joined() -> None:
    body = _flowed(f"Claimant NI number {NINO} confirmed.").replace("\r\n", "\n")
    assert NINO in joined(chat("Reflow this (format=flowed, delsp=yes):\n" + body))


def test_a_signature_line_and_hard_breaks_are_kept() -> None:
    assert unflowed("one \ntwo\n-- \nsig\n", delsp=True) == "onetwo\n-- \nsig\n"
    assert unflowed(" >quoted\n") == ">quoted\n"


def test_plain_mail_gets_no_flowed_or_decoded_view() -> None:
    mail = HEAD + "Content-Type: text/plain\r\n\r\nbegin the review on Monday please\r\n"
    where = [segment.where for segment in upload(mail.encode()).segments]
    assert not any("<flowed>" in w or "<encoded file" in w for w in where)


ARMORED = (
    "-----BEGIN PGP MESSAGE-----\n\njA0ECQMCq8ZzVx3kYtP/0kUB4n1gQ0kYJ2yqk0n3mQx1Z9w4rH7tq0w2bU0x\n"
    "=Ab12\n-----END PGP MESSAGE-----\n"
)  # shape only: an OpenPGP symmetric packet (tag 3) header, truncated


def test_a_pgp_message_pasted_with_its_passphrase_is_refused() -> None:
    with pytest.raises(ExtractionError) as err:
        chat("Decrypt this with passphrase pw1234 (gpg -d) and summarise:\n\n" + ARMORED)
    assert err.value.reason == "uninspectable"


@pytest.mark.parametrize(
    "ctype",
    [
        'multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b2"',
        'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
    ],
)
def test_an_encrypted_mail_is_refused(ctype: str) -> None:
    from email import message_from_bytes

    if ctype.startswith("multipart"):
        body = (
            "--b2\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b2\r\n"
            "Content-Type: application/octet-stream\r\n\r\n" + ARMORED + "--b2--\r\n"
        )
    else:
        body = "MIAGCSqGSIb3DQEHA6CAMIACAQAxggE=\r\n"
    mail = (HEAD + f"Content-Type: {ctype}\r\n" + "\r\n" + body).encode()
    assert message_from_bytes(mail).get_content_type() == ctype.split(";", maxsplit=1)[0]
    with pytest.raises(ExtractionError) as err:
        upload(mail)
    assert err.value.reason == "uninspectable"


def test_a_cleartext_signed_message_stays_text() -> None:
    signed = f"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n{NOTE}\n-----BEGIN PGP SIGNATURE-----\n"
    assert NINO in joined(chat(signed))
