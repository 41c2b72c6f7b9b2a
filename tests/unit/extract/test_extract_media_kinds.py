"""RT-100: audio and video are media by what they are (container or stream magic), so
``extraction.uninspectable`` decides (default block) instead of reading their noise as
"clean"; an unknown file with no readable text is blocked; zlib, raw-deflate and LZMA-alone
files are inflated (read back with zlib / lzma first)."""

from __future__ import annotations

import base64
import lzma
import random
import zlib

import pytest

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import request

NOISE = random.Random(11).randbytes(3000)
MEDIA = {
    "mp4": (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + NOISE, "video"),
    "mov": (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + NOISE, "video"),
    "m4a": (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A mp42isom" + NOISE, "audio"),
    "3gp": (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x003gp4" + NOISE, "video"),
    "ogg": (b"OggS\x00\x02" + bytes(20) + NOISE, "audio"),
    "aac adts": (b"\xff\xf1\x50\x80\x02\x1f\xfc" + NOISE, "audio"),
    "mp3 frames": (b"\xff\xfb\x90\x64" + NOISE, "audio"),
    "mpeg-ts": (b"".join(b"\x47" + random.Random(i).randbytes(187) for i in range(8)), "video"),
}
UPLOAD = "https://files.oaiusercontent.com/file-abc"
GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent"
NOTE = b"Case notes. Claimant Jane Smith, NI number JG103729A, has multiple sclerosis.\n"


def upload(data: bytes):
    return extract(request(UPLOAD, data, content_type="application/octet-stream", method="PUT"))


@pytest.mark.parametrize("name", sorted(MEDIA))
def test_audio_and_video_by_their_magic_are_uninspectable_media(name: str) -> None:
    data, kind = MEDIA[name]
    assert upload(data).uninspectable == [f"{kind}:upload"]
    inline = {"inlineData": {"mimeType": f"{kind}/x", "data": base64.b64encode(data).decode()}}
    body = {"contents": [{"role": "user", "parts": [inline, {"text": "Transcribe this."}]}]}
    assert extract(request(GEMINI, body)).uninspectable


def test_media_magic_in_front_of_text_is_still_text() -> None:
    """Issue 16: a media magic number does not make text uninspectable."""
    data = b"OggS" + b" Claimant NI number JG103729A, notes follow. " * 4
    extraction = upload(data)
    assert not extraction.uninspectable
    assert any("JG103729A" in segment.text for segment in extraction.segments)


def test_unknown_binary_with_no_readable_text_is_blocked_also_as_declared_media() -> None:
    with pytest.raises(ExtractionError) as err:
        upload(NOISE)
    assert err.value.reason == "uninspectable"
    inline = {"inlineData": {"mimeType": "video/mp4", "data": base64.b64encode(NOISE).decode()}}
    with pytest.raises(ExtractionError):
        extract(request(GEMINI, {"contents": [{"parts": [inline]}]}))


def test_opaque_base64_in_a_protocol_field_is_still_skipped() -> None:
    """A signature or ciphertext in a JSON field declares no file: skipped, not blocked."""
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hello"}],
        "metadata": {"signature": base64.b64encode(NOISE).decode()},
    }
    extract(request("https://api.openai.com/v1/chat/completions", body))


@pytest.mark.parametrize(
    ("name", "compress", "decompress"),
    [
        ("zlib", zlib.compress, zlib.decompress),
        ("raw deflate", lambda d: zlib.compress(d)[2:-4], lambda d: zlib.decompress(d, -15)),
        (
            "lzma-alone",
            lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE),
            lambda d: lzma.decompress(d, format=lzma.FORMAT_ALONE),
        ),
    ],
)
def test_headerless_compressed_files_are_inflated(name: str, compress, decompress) -> None:
    data = compress(NOTE)
    assert decompress(data) == NOTE
    assert any("JG103729A" in segment.text for segment in upload(data).segments), name
