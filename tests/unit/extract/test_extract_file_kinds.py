"""What a file is comes from what it is (issue 16 item 1, issue 17 item 3): declared types
and magic-number prefixes do not hide text; unreadable non-media is blocked; damaged
documents fail closed. Each document case is read back with the standard reader first."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import (
    NINO,
    docx_bytes,
    joined,
    multipart,
    png_bytes,
    request,
    zip_bytes,
)

UPLOAD = "https://files.oaiusercontent.com/file-abc"
NOTE = f"Case note. Claimant NINO {NINO}, seen today.\n".encode()


def upload(data: bytes, content_type: str = "application/octet-stream"):
    return extract(request(UPLOAD, data, content_type=content_type, method="PUT"))


def test_text_uploaded_as_image_png_is_scanned_as_text() -> None:
    """openai ``files.create(file=("notes.txt", data, "image/png"))``."""
    body, ctype = multipart(
        [("purpose", None, None, b"assistants"), ("file", "notes.txt", "image/png", NOTE)]
    )
    result = extract(request("https://api.openai.com/v1/files", body, content_type=ctype))
    assert NINO in joined(result) and result.uninspectable == []


@pytest.mark.parametrize("prefix", [b"GIF89a", b"ID3", b"BZh9", b"\xff\xfb", b"OggS", b"8BPS"])
def test_text_behind_a_media_magic_number_is_text(prefix: bytes) -> None:
    result = upload(prefix + b" " + NOTE, "image/gif")
    assert NINO in joined(result) and result.uninspectable == []


def test_anthropic_text_document_starting_with_gif89a_is_text() -> None:
    data = base64.b64encode(b"GIF89a " + NOTE).decode()
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "document",
                        "source": {"type": "base64", "media_type": "text/plain", "data": data},
                    },
                    {"type": "text", "text": "summarise"},
                ],
            }
        ],
    }
    result = extract(request("https://api.anthropic.com/v1/messages", body))
    assert NINO in joined(result) and result.uninspectable == []


def test_a_real_image_is_uninspectable_media() -> None:
    result = upload(png_bytes((32, 32)), "image/png")
    assert result.uninspectable == ["image:upload"]


def test_a_broken_image_is_not_media_its_strings_are_scanned() -> None:
    fake = b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 10 + b"Claimant NINO " + NINO.encode()
    result = upload(fake, "image/png")
    assert result.uninspectable == []
    assert NINO in joined(result)


def test_docx_behind_a_gif_prefix_is_read_as_the_docx_python_docx_opens() -> None:
    import docx

    data = b"GIF89a" + docx_bytes(f"Claimant {NINO}")
    assert NINO in "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    result = upload(data, "image/gif")
    assert NINO in joined(result) and result.uninspectable == []


def _replace_member(data: bytes, name: str, new: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            zf.writestr(info.filename, new if info.filename == name else src.read(info))
    return out.getvalue()


def test_control_character_in_document_xml_is_recovered() -> None:
    data = docx_bytes(f"Claimant {NINO}")
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    damaged = _replace_member(data, "word/document.xml", xml.replace(b"Claimant", b"Clai\x01mant"))
    raw = zipfile.ZipFile(io.BytesIO(damaged)).read("word/document.xml")
    assert NINO.encode() in raw and b"\x01" in raw  # the value is really there
    result = upload(damaged)
    assert NINO in joined(result)


def _corrupt_member(data: bytes, name: str, *, crc: bool) -> bytes:
    """Flip the CRC recorded for ``name`` in the central directory (``crc``), or bytes of its
    deflate stream."""
    out = bytearray(data)
    if crc:
        central = data.rfind(name.encode()) - 46  # the last copy of the name: central directory
        assert data[central : central + 4] == b"PK\x01\x02"
        out[central + 16] ^= 0xFF
    else:
        info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
        start = info.header_offset + 30 + len(name.encode()) + len(info.extra)
        for i in range(start + 2, start + 12):
            out[i] ^= 0x55
    return bytes(out)


def test_docx_with_a_bad_crc_fails_closed() -> None:
    data = _corrupt_member(docx_bytes(f"Claimant {NINO}"), "word/document.xml", crc=True)
    with pytest.raises(zipfile.BadZipFile):  # what the standard reader says
        zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    with pytest.raises(ExtractionError) as info:
        upload(data)
    assert info.value.reason == "unparseable"


def test_docx_with_a_corrupt_deflate_stream_fails_closed() -> None:
    data = _corrupt_member(docx_bytes(f"Claimant {NINO}" * 50), "word/document.xml", crc=False)
    with pytest.raises(ExtractionError) as info:
        upload(data)
    assert info.value.reason == "unparseable"


def test_encrypted_member_is_blocked_even_when_the_rest_is_clean() -> None:
    data = bytearray(zip_bytes({"a.txt": "hello", "secret.txt": NOTE}))
    at = data.find(b"PK\x01\x02", 0)
    at = data.find(b"PK\x01\x02", at + 1)  # second member's central entry
    data[at + 8] |= 0x1
    local = data.find(b"PK\x03\x04", 1)
    data[local + 6] |= 0x1
    with pytest.raises(ExtractionError) as info:
        upload(bytes(data))
    assert info.value.reason == "uninspectable"


def test_7z_archive_is_blocked() -> None:
    with pytest.raises(ExtractionError) as info:
        upload(b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(200)))
    assert info.value.reason == "uninspectable"


def test_bzip2_and_xz_files_are_opened() -> None:
    import bz2
    import lzma

    assert NINO in joined(upload(bz2.compress(NOTE)))
    assert NINO in joined(upload(lzma.compress(NOTE)))
