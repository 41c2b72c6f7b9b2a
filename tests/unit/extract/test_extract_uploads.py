"""Uploads: multipart/form-data and raw PUT/POST bodies."""

from __future__ import annotations

import pytest

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import (
    NINO,
    PNG_1PX,
    docx_bytes,
    joined,
    multipart,
    pdf_bytes,
    request,
    scanned,
)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_multipart_text_fields_and_docx_file() -> None:
    body, ctype = multipart(
        [
            ("purpose", None, None, b"assistants"),
            ("note", None, "text/plain; charset=utf-8", f"field {NINO}".encode()),
            (
                "file",
                "Case 42 - OFFICIAL-SENSITIVE.docx",
                DOCX,
                docx_bytes(f"OFFICIAL-SENSITIVE\nClaimant {NINO}"),
            ),
        ]
    )
    result = extract(request("https://api.openai.com/v1/files", body, content_type=ctype))
    assert result.adapter == "multipart"
    text = joined(result)
    assert f"field {NINO}" in text
    assert "OFFICIAL-SENSITIVE\nClaimant" in text
    assert "Case 42 - OFFICIAL-SENSITIVE.docx" in scanned(result)
    assert result.error_style == "openai"


def test_multipart_image_is_uninspectable() -> None:
    body, ctype = multipart([("file", "photo.png", "image/png", PNG_1PX)])
    result = extract(request("https://claude.ai/api/5c7e8f9a/upload", body, content_type=ctype))
    assert result.uninspectable == ["image:multipart.file:file"]


def test_multipart_rfc5987_filename_and_lf_only_framing() -> None:
    body = (
        b"--b\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20J%20Smith.txt\n"
        b"Content-Type: text/plain\n\nline in file\n--b--\n"
    )
    result = extract(
        request(
            "https://claude.ai/api/convert_document",
            body,
            content_type="multipart/form-data; boundary=b",
        )
    )
    assert "résumé J Smith.txt" in scanned(result)
    assert "line in file" in scanned(result)


def test_multipart_nested_and_base64_parts() -> None:
    inner = b"--inner\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naW5uZXIgdGV4dA==\r\n--inner--\r\n"
    body, ctype = multipart([("bundle", None, "multipart/mixed; boundary=inner", inner)])
    assert "inner text" in scanned(
        extract(request("https://api.openai.com/v1/uploads/x/parts", body, content_type=ctype))
    )


def test_gemini_multipart_related_upload() -> None:
    body = (
        b"--gx\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        b'{"file": {"display_name": "minutes of 3 May"}}\r\n'
        b"--gx\r\nContent-Type: application/pdf\r\n\r\n"
        + pdf_bytes([f"minutes {NINO}"])
        + b"\r\n--gx--\r\n"
    )
    result = extract(
        request(
            "https://generativelanguage.googleapis.com/upload/v1beta/files?uploadType=multipart",
            body,
            content_type="multipart/related; boundary=gx",
        )
    )
    assert "minutes of 3 May" in scanned(result)
    assert f"minutes {NINO}" in joined(result)


@pytest.mark.parametrize(
    "body",
    [
        b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nno closing delimiter',
        b"no boundary here at all",
    ],
)
def test_broken_multipart_framing_is_unparseable(body: bytes) -> None:
    with pytest.raises(ExtractionError) as info:
        extract(
            request(
                "https://api.openai.com/v1/files",
                body,
                content_type="multipart/form-data; boundary=b",
            )
        )
    assert info.value.reason == "unparseable"


def test_multipart_without_boundary_is_unparseable() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(
            request("https://api.openai.com/v1/files", b"x", content_type="multipart/form-data")
        )
    assert info.value.reason == "unparseable"


def test_raw_put_to_chatgpt_blob_storage() -> None:
    url = "https://sdmntprwestus.oaiusercontent.com/files/00000000-1234/raw?se=2025&sp=cw&sv=2024&sr=b&sig=abc"
    result = extract(
        request(
            url,
            docx_bytes(f"uploaded {NINO}"),
            content_type=DOCX,
            method="PUT",
            headers={"x-ms-blob-type": "BlockBlob"},
        )
    )
    assert result.adapter == "upload"
    assert f"uploaded {NINO}" in joined(result)


def test_raw_upload_octet_stream_with_filename_header() -> None:
    result = extract(
        request(
            "https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=xyz&upload_protocol=resumable",
            f"csv,data\n{NINO},x\n".encode(),
            content_type="application/octet-stream",
            headers={"x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0"},
        )
    )
    assert result.adapter == "upload"
    assert f"{NINO},x" in joined(result)


def test_raw_image_upload_is_uninspectable() -> None:
    result = extract(
        request(
            "https://files.oaiusercontent.com/file-abc",
            PNG_1PX,
            content_type="image/png",
            method="PUT",
        )
    )
    assert result.uninspectable == ["image:upload"]


def test_partial_block_of_a_zip_fails_closed() -> None:
    chunk = docx_bytes("x" * 5000)[:2000]
    with pytest.raises(ExtractionError) as info:
        extract(
            request(
                "https://files.oaiusercontent.com/file-abc?comp=block&blockid=AAA",
                chunk,
                content_type="application/octet-stream",
                method="PUT",
            )
        )
    assert info.value.reason == "unparseable"
