"""File text extraction: office documents, PDF, archives, limits against bombs."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from proxy.extract import ExtractionError, ExtractionSettings, extract
from tests.unit.extract.cfb import Node, build
from tests.unit.extract.extract_helpers import (
    NINO,
    PNG_1PX,
    docx_bytes,
    joined,
    odt_bytes,
    pdf_bytes,
    pptx_bytes,
    request,
    texts,
    xlsx_bytes,
    zip_bytes,
)

UPLOAD = "https://files.oaiusercontent.com/file-abc"


def upload(
    data: bytes,
    content_type: str = "application/octet-stream",
    settings: ExtractionSettings | None = None,
    max_bytes: int = 20 * 1024 * 1024,
):
    return extract(
        request(UPLOAD, data, content_type=content_type, method="PUT"), settings, max_bytes
    )


def test_docx_body_header_and_table() -> None:
    data = docx_bytes(
        f"First paragraph\nClaimant {NINO}",
        header="OFFICIAL-SENSITIVE",
        table=[["Name", "NINO"], ["J Smith", NINO]],
    )
    result = upload(data)
    text = joined(result)
    assert "First paragraph\nClaimant AB 12 34 56 C" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "J Smith" in text
    assert result.uninspectable == []


def test_docx_runs_split_mid_identifier_are_joined() -> None:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document = (
        f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body><w:p>'
        "<w:r><w:t>AB 12 </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>34 56 C</w:t></w:r>"
        "</w:p><w:p><w:r><w:delText>deleted but still sent</w:delText></w:r></w:p></w:body></w:document>"
    )
    data = zip_bytes(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": document,
            "word/styles.xml": f'<w:styles xmlns:w="{w}"><w:t>StyleNoise</w:t></w:styles>',
        }
    )
    text = joined(upload(data))
    assert NINO in text
    assert "deleted but still sent" in text
    assert "StyleNoise" in text  # every part is read: python-docx shows style names too


def test_docx_sensitivity_label_in_custom_properties() -> None:
    custom = (
        '<?xml version="1.0"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property name="MSIP_Label_1234_Name"><vt:lpwstr>OFFICIAL-SENSITIVE</vt:lpwstr></property></Properties>'
    )
    base = zipfile.ZipFile(io.BytesIO(docx_bytes("plain body")))
    members = {name: base.read(name) for name in base.namelist()}
    members["docProps/custom.xml"] = custom.encode()
    assert "OFFICIAL-SENSITIVE" in joined(upload(zip_bytes(members)))


def test_docx_embedded_image_is_reported() -> None:
    base = zipfile.ZipFile(io.BytesIO(docx_bytes("has a picture")))
    members = {name: base.read(name) for name in base.namelist()}
    members["word/media/image1.png"] = PNG_1PX
    result = upload(zip_bytes(members))
    assert "has a picture" in joined(result)
    assert result.uninspectable == ["image:upload!word/media/image1.png"]


def test_xlsx_shared_strings_and_numeric_identifiers() -> None:
    result = upload(xlsx_bytes([["Name", "NHS number"], ["Jane Smith", 9434765919]]))
    text = joined(result)
    assert "Name\tNHS number" in text
    assert "Jane Smith\t9434765919" in text
    assert "StyleNoise" not in text


def test_pptx_slides_notes_and_masters() -> None:
    text = joined(
        upload(pptx_bytes(["Slide one title", f"Slide two {NINO}"], notes="speaker notes here"))
    )
    assert "Slide one title" in text and f"Slide two {NINO}" in text
    assert "speaker notes here" in text
    assert "Click to edit Master" in text  # masters are shown on every slide: read them too


def test_odt() -> None:
    assert f"odt text {NINO}" in joined(upload(odt_bytes(f"odt text {NINO}")))


def test_pdf_text_and_title() -> None:
    result = upload(
        pdf_bytes([f"pdf line {NINO}", "second line"], title="Case review"), "application/pdf"
    )
    text = joined(result)
    assert f"pdf line {NINO}" in text and "Case review" in text


def test_pdf_without_text_layer_is_uninspectable() -> None:
    result = upload(pdf_bytes([]), "application/pdf")
    assert result.uninspectable == ["image:upload<page 1><no text layer>"]


def test_encrypted_pdf_is_blocked() -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([f"secret {NINO}"]))))
    writer.encrypt(user_password="pw", owner_password="owner", algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(ExtractionError) as info:  # not media: blocked whatever the setting
        upload(buf.getvalue(), "application/pdf")
    assert info.value.reason == "uninspectable"


def test_pdf_page_limit_is_too_large() -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_blank_page(100, 100)
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(ExtractionError) as info:
        upload(buf.getvalue(), "application/pdf", ExtractionSettings(max_pdf_pages=1))
    assert info.value.reason == "too_large"


def test_damaged_pdf_fails_closed_and_text_mentioning_pdf_is_text() -> None:
    damaged = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8
    with pytest.raises(ExtractionError) as info:
        upload(damaged, "application/pdf")
    assert info.value.reason == "unparseable"
    # a text file with %PDF- in its first KiB is text (it does not open as a PDF)
    result = upload(f"notes: %PDF-1.7 is the header\nClaimant {NINO}".encode(), "application/pdf")
    assert NINO in joined(result) and result.uninspectable == []


def test_zip_of_source_files_and_nested_docx() -> None:
    data = zip_bytes(
        {
            "src/app.py": "API_NOTE = 'source text'\n",
            "docs/spec.docx": docx_bytes(f"nested {NINO}"),
            "img/logo.png": PNG_1PX,
        }
    )
    result = upload(data, "application/zip")
    text = joined(result)
    assert "source text" in text and f"nested {NINO}" in text
    assert result.uninspectable == ["image:upload!img/logo.png"]


def test_gzip_file_upload() -> None:
    assert f"gz {NINO}" in joined(upload(gzip.compress(f"gz {NINO}".encode()), "application/gzip"))


def test_zip_with_too_many_members_is_too_large() -> None:
    data = zip_bytes({f"f{i}.txt": "x" for i in range(60)})
    with pytest.raises(ExtractionError) as info:
        upload(data, settings=ExtractionSettings(max_archive_members=50))
    assert info.value.reason == "too_large"


def test_zip_bomb_is_refused_before_inflating() -> None:
    data = zip_bytes({"bomb.txt": b"\0" * (50 * 1024 * 1024)})
    assert len(data) < 200_000
    with pytest.raises(ExtractionError) as info:
        upload(data, settings=ExtractionSettings(max_archive_bytes=10 * 1024 * 1024))
    assert info.value.reason == "too_large"


def test_nested_zip_depth_is_bounded() -> None:
    data = b"innermost"
    for _ in range(10):
        data = zip_bytes({"inner.zip": data})
    with pytest.raises(ExtractionError) as info:
        upload(data, settings=ExtractionSettings(max_nesting=3))
    assert info.value.reason == "too_large"


def test_xml_entity_bomb_in_docx_is_unparseable() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><w:document xmlns:w="x"><w:t>&lol2;</w:t></w:document>'
    with pytest.raises(ExtractionError) as info:
        upload(zip_bytes({"word/document.xml": bomb}))
    assert info.value.reason == "unparseable"


def test_encrypted_zip_member_is_uninspectable() -> None:
    data = bytearray(zip_bytes({"secret.txt": "hidden text"}))
    # set the "encrypted" flag bit in both the local and the central directory header
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature) + offset
        data[at] |= 0x1
    with pytest.raises(ExtractionError) as info:  # blocked whatever `uninspectable` says
        upload(bytes(data))
    assert info.value.reason == "uninspectable"


def test_text_budget_is_too_large() -> None:
    with pytest.raises(ExtractionError) as info:
        upload(b"word " * 5000, "text/plain", ExtractionSettings(max_text_chars=10_000))
    assert info.value.reason == "too_large"


def test_legacy_text_encodings() -> None:
    assert texts(upload("café £5".encode("cp1252"), "text/plain")) == ["café £5"]
    assert texts(upload("utf16 text".encode("utf-16"), "text/plain")) == ["utf16 text"]


def test_ole_legacy_doc_streams_and_encrypted_ooxml() -> None:
    ole = build([Node("WordDocument", "legacy doc text".encode("utf-16-le"))])
    assert "legacy doc text" in joined(upload(ole))
    # merely containing the stream names is not encryption: the text is read
    mention = build([Node("WordDocument", "EncryptedPackage EncryptionInfo".encode("utf-16-le"))])
    assert upload(mention).uninspectable == []

    def entry(name: str) -> bytes:  # an OLE directory entry for a stream called `name`
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return raw.ljust(64, b"\x00") + len(raw).to_bytes(2, "little") + b"\x02" + b"\x00" * 61

    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\x00")
    encrypted = header + entry("Root Entry") + entry("EncryptionInfo") + entry("EncryptedPackage")
    with pytest.raises(ExtractionError) as info:
        upload(encrypted + b"\x00" * 128)
    assert info.value.reason == "uninspectable"
