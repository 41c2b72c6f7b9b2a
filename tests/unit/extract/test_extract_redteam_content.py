"""Red-team findings on the content layer (issue 16's rule: what the AI tool's standard reader
recovers, we recover first). Each payload is built here and read back by the standard reader
(json, werkzeug, urllib, python-docx, zipfile) to prove the value is really there."""

from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import parse_qsl

import docx
import pytest
from werkzeug.formparser import parse_form_data

from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import docx_bytes, joined, multipart, odt_bytes, request

CHAT = "https://api.openai.com/v1/chat/completions"
FILES = "https://api.openai.com/v1/files"
NINO = "JG103729A"  # valid-format, made up
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


# -- charsets (RT-02) ------------------------------------------------------------------------


def test_json_ignores_a_declared_charset_as_json_readers_do() -> None:
    body = json.dumps({"model": "m", "messages": [{"role": "user", "content": f"NI +{NINO}- ok"}]})
    assert NINO in json.loads(body.encode())["messages"][0]["content"]  # the server's reading
    extraction = extract(request(CHAT, body, "application/json; charset=utf-7"))
    assert NINO in words(joined(extraction))


def test_json_in_utf16_or_utf32_without_a_bom_is_read() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": f"NI {NINO}"}]}
    for codec in ("utf-16-le", "utf-16-be", "utf-32-le"):
        data = json.dumps(body).encode(codec)
        assert NINO in json.loads(data)["messages"][0]["content"]
        assert NINO in words(joined(extract(request(CHAT, data))))


def test_text_in_a_declared_charset_is_also_read_as_utf8() -> None:
    data = f"claimant +{NINO}- arrears".encode()
    assert NINO not in data.decode("utf-7", errors="replace")
    body, ctype = multipart([("file", "notes.txt", "text/plain; charset=utf-7", data)])
    assert NINO in words(joined(extract(request(FILES, body, ctype))))
    body, ctype = multipart([("purpose", None, "text/plain; charset=utf-7", data)])
    assert NINO in words(joined(extract(request(FILES, body, ctype))))


def test_a_latin1_text_is_read_once() -> None:
    data = "café NI JG103729A".encode("latin-1")
    body, ctype = multipart([("file", "notes.txt", "text/plain; charset=latin-1", data)])
    assert joined(extract(request(FILES, body, ctype))).count(NINO) == 1


# -- multipart (RT-21) -----------------------------------------------------------------------


def test_a_transfer_encoded_part_is_also_read_as_sent() -> None:
    """Form parsers ignore Content-Transfer-Encoding (RFC 7578 §4.7): werkzeug hands the
    server the raw text, which happens to be valid base64 of noise."""
    text = b"Claimants NINO JG103729A finexx"  # base64 alphabet and spaces only, 4n letters
    boundary = "XyZ123boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="notes.txt"\r\n'
            "Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ).encode()
        + text
        + f"\r\n--{boundary}--\r\n".encode()
    )
    ctype = f"multipart/form-data; boundary={boundary}"
    _, _, files = parse_form_data(
        {
            "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": ctype,
            "REQUEST_METHOD": "POST",
        }
    )
    assert files["file"].read() == text  # what the server reads
    assert NINO in words(joined(extract(request(FILES, body, ctype))))


# -- form field names ------------------------------------------------------------------------


def test_urlencoded_field_names_are_scanned() -> None:
    body = f"{NINO}=1&note=hello"
    assert parse_qsl(body)[0][0] == NINO
    extraction = extract(
        request("https://api.mistral.ai/v1/x", body, "application/x-www-form-urlencoded")
    )
    assert NINO in words(joined(extraction))


def test_multipart_field_names_preamble_and_epilogue_are_scanned() -> None:
    body, ctype = multipart([(NINO, None, None, b"1")])
    body = b"preamble AB123456C\r\n" + body + b"epilogue 943 476 5919\r\n"
    found = joined(extract(request(FILES, body, ctype)))
    assert {NINO, "AB123456C", "5919"} <= words(found)


# -- documents (RT-22, RT-23) ----------------------------------------------------------------


def _docx_with(edit) -> bytes:
    """A python-docx document with ``edit(name, xml) -> xml`` applied to its parts."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes("Meeting notes")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, edit(info.filename, source.read(info.filename)))
    return out.getvalue()


def test_docx_core_properties_are_read_field_by_field() -> None:
    document = docx.Document()
    document.add_paragraph("Meeting notes")
    document.core_properties.title = f"Case {NINO}"
    document.core_properties.comments = "AB123456C"
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    again = docx.Document(io.BytesIO(data)).core_properties
    assert (again.title, again.comments) == (f"Case {NINO}", "AB123456C")
    body, ctype = multipart([("file", "notes.docx", DOCX, data)])
    assert {NINO, "AB123456C"} <= words(joined(extract(request(FILES, body, ctype))))


def test_docx_alternate_content_fallback_is_read() -> None:
    """ECMA-376 Part 3: a reader that does not know the Choice's namespace shows the Fallback."""
    run = "<w:r><w:t>Claimant NI JG103729A</w:t></w:r>"
    block = (
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
        ' xmlns:zz="urn:unknown"><mc:Choice Requires="zz"><w:r><w:t>Notes</w:t></w:r></mc:Choice>'
        f"<mc:Fallback>{run}</mc:Fallback></mc:AlternateContent>"
    )

    def edit(name: str, xml: bytes) -> bytes:
        if name == "word/document.xml":
            return xml.replace(
                b"<w:t>Meeting notes</w:t></w:r>",
                b"<w:t>Meeting notes</w:t></w:r>" + block.encode(),
                1,
            )
        return xml

    data = _docx_with(edit)
    assert NINO.encode() in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    docx.Document(io.BytesIO(data))  # still opens
    body, ctype = multipart([("file", "notes.docx", DOCX, data)])
    assert NINO in words(joined(extract(request(FILES, body, ctype))))


def test_docx_zip_comment_and_part_names_are_read() -> None:
    data = _docx_with(lambda name, xml: xml)
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        zf.comment = f"ref {NINO}".encode()
        zf.writestr("customXml/AB123456C.xml", "<x/>")
    data = buf.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert NINO.encode() in zf.comment and "customXml/AB123456C.xml" in zf.namelist()
    docx.Document(io.BytesIO(data))
    body, ctype = multipart([("file", "notes.docx", DOCX, data)])
    assert {NINO, "AB123456C"} <= words(joined(extract(request(FILES, body, ctype))))


def test_inline_spans_still_run_on() -> None:
    """An ODF span is inline: its text runs on into the paragraph's (no separator added)."""
    data = odt_bytes("JG10<text:span>37</text:span>29A")
    body, ctype = multipart([("file", "notes.odt", "application/octet-stream", data)])
    assert NINO in words(joined(extract(request(FILES, body, ctype))))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_xlsx_text_outside_the_cells_and_properties_are_read() -> None:
    """RT-39: page headers, data-validation lists and messages, core properties."""
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "Quarterly figures"
    sheet.oddHeader.center.text = "NI JG103729A"
    check = DataValidation(type="list", formula1='"AB123456C,Other"', prompt="ref 943 476 5919")
    sheet.add_data_validation(check)
    check.add("B1")
    book.properties.title = "Case JC123456D"
    book.properties.creator = "someone"
    buf = io.BytesIO()
    book.save(buf)
    again = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert again.active.oddHeader.center.text == "NI JG103729A"
    assert again.active.data_validations.dataValidation[0].formula1 == '"AB123456C,Other"'
    assert again.properties.title == "Case JC123456D"
    body, ctype = multipart([("file", "figures.xlsx", XLSX, buf.getvalue())])
    found = words(joined(extract(request(FILES, body, ctype))))
    assert {NINO, "AB123456C", "5919", "JC123456D"} <= found


# -- numeric arrays (RT-49) ----------------------------------------------------------------


def test_single_digit_arrays_and_character_codes_are_read() -> None:
    card = "4539578763621486"  # Luhn-valid, made up
    codes = [ord(c) for c in f"NI {NINO}"]
    assert bytes(codes).decode() == f"NI {NINO}"  # what a reader of the array recovers
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "see metadata"}],
        "metadata": {"d": [int(c) for c in card], "b": codes},
    }
    found = joined(extract(request(CHAT, body)))
    assert card in words(found)
    assert NINO in words(found)


# -- arrays of string pieces (RT-59) --------------------------------------------------------


def test_arrays_of_string_pieces_are_also_read_joined() -> None:
    aws = "AKIA" + "Q3EGRKTN7V2XPZ5M"
    chunks = ["OFFI", "CIAL-SEN", "SITIVE: the Minister will close the Leeds office"]
    args = {"chars": list(NINO), "key": list(aws), "note": chunks}
    assert "".join(json.loads(json.dumps(args))["chars"]) == NINO  # what a reader joins
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "see the tool call"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "f", "arguments": json.dumps(args)},
                    }
                ],
            },
        ],
    }
    found = words(joined(extract(request(CHAT, body))))
    assert {NINO, aws, "OFFICIAL"} <= found


def test_pieces_with_spaces_around_them_are_read_joined() -> None:
    """RT-59 addendum: ``["OFFI ", "CIAL-", "SENSI", "TIVE: ..."]`` is the marking a program
    joins with the pieces trimmed; a list of words with spaces stays apart."""
    chunks = ["OFFI ", "CIAL-", "SENSI", "TIVE: the Minister will close the Leeds office"]
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "see the tool call"}],
        "metadata": {"note": chunks, "tags": ["red ", "green ", "blue "]},
    }
    found = joined(extract(request(CHAT, body)))
    assert "OFFICIAL-SENSITIVE: the Minister" in found
    assert "redgreenblue" not in found


def test_lists_of_words_are_not_joined() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    body["metadata"] = {"tags": ["email", "phone", "postcode"], "names": ["Ann Lee", "Bo Li"]}
    found = joined(extract(request(CHAT, body)))
    assert "emailphone" not in found and "Ann LeeBo Li" not in found


# -- base64 text blobs in other encodings (RT-53) ------------------------------------------


def test_base64_text_in_cp1252_or_utf16_is_read() -> None:
    import base64

    invoice = "Invoice \u00a3120 for claimant NI JG103729A, paid in full. " * 6
    for codec in ("cp1252", "utf-16-le"):
        blob = base64.b64encode(invoice.encode(codec)).decode()
        assert len(blob) >= 256
        assert NINO in base64.b64decode(blob).decode(codec)
        body = {
            "model": "m",
            "messages": [{"role": "user", "content": "see the file"}],
            "metadata": {"attachment": blob},
        }
        assert NINO in words(joined(extract(request(CHAT, body)))), codec


def test_docx_table_rows_read_as_one_line() -> None:
    """RT-55: a caseload table's row is a record (name and condition on one line)."""
    data = docx_bytes(
        "Caseload", table=[["Name", "Condition"], ["Jane Smith", "multiple sclerosis"]]
    )
    table = docx.Document(io.BytesIO(data)).tables[0]
    assert table.cell(1, 1).text == "multiple sclerosis"
    body, ctype = multipart([("file", "caseload.docx", DOCX, data)])
    lines = joined(extract(request(FILES, body, ctype))).splitlines()
    assert any("Jane Smith" in line and "multiple sclerosis" in line for line in lines)


# -- XML files, zip local entries, folded text formats, BOM-less UTF-16/32 (RT-47/48/24) -------


def _upload(name: str, data: bytes, ctype: str = "application/octet-stream"):
    body, header = multipart([("purpose", None, None, b"assistants"), ("file", name, ctype, data)])
    return extract(request(FILES, body, header))


def test_xml_cdata_and_internal_entities_are_read_as_an_xml_parser_reads_them() -> None:
    import xml.etree.ElementTree as ET

    cdata = b'<?xml version="1.0"?><case><ni><![CDATA[JG10]]><![CDATA[3729A]]></ni></case>'
    entities = (
        b'<?xml version="1.0"?><!DOCTYPE case [<!ENTITY a "JG10"><!ENTITY b "3729A">]>'
        b"<case><ni>&a;&b;</ni></case>"
    )
    for data in (cdata, entities):
        assert ET.fromstring(data).find("ni").text == NINO  # the standard reader
        assert NINO in words(joined(_upload("case.xml", data, "application/xml")))


def test_xml_that_does_not_parse_is_still_read_as_text() -> None:
    assert NINO in words(joined(_upload("case.xml", f"<a><b>{NINO}</a>".encode(), "text/xml")))


def _local_entry(name: bytes, data: bytes) -> tuple[bytes, tuple[int, int, int]]:
    import struct
    import zlib

    comp = zlib.compress(data)[2:-4]
    crc = zlib.crc32(data)
    head = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(comp), len(data), len(name), 0
    )
    return head + name + comp, (crc, len(comp), len(data))


def test_zip_with_a_local_entry_outside_the_central_directory_is_unparseable() -> None:
    import struct

    hidden, _ = _local_entry(b"notes.txt", f"Claimant NI {NINO}\n".encode())
    shown, (crc, csize, usize) = _local_entry(b"readme.txt", b"nothing to see\n")
    offset = len(hidden)
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            csize,
            usize,
            10,
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + b"readme.txt"
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), offset + len(shown), 0)
    data = hidden + shown + central + end
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["readme.txt"]  # zipfile's view
    with pytest.raises(ExtractionError) as info:
        _upload("n.zip", data, "application/zip")
    assert info.value.reason == "unparseable"


def test_ordinary_zips_with_nested_stored_zips_still_read() -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("deep.txt", f"NI {NINO}")
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("inner.zip", inner.getvalue())
        zf.writestr("readme.txt", "hello")
    assert NINO in words(joined(_upload("o.zip", outer.getvalue(), "application/zip")))


def test_ics_line_folding_is_unfolded_as_icalendar_does() -> None:
    import icalendar

    ics = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        b"SUMMARY:Meeting with claimant NI JG1037\r\n 29A about arrears\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    event = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
    assert NINO in str(event["SUMMARY"])  # the standard reader unfolds
    assert NINO in words(joined(_upload("meeting.ics", ics, "text/calendar")))


def test_vcard_quoted_printable_note_is_decoded() -> None:
    from detectors.engine import ScanEngine

    engine = ScanEngine(load_ner=False)
    import quopri

    value = f"NI {NINO}"
    encoded = "".join(f"={ord(c):02X}" for c in value)
    vcf = f"BEGIN:VCARD\r\nVERSION:2.1\r\nN:Smith;Jane\r\nNOTE;ENCODING=QUOTED-PRINTABLE:{encoded}\r\nEND:VCARD\r\n"
    assert quopri.decodestring(encoded.encode()).decode() == value  # what vCard readers do
    text = joined(_upload("jane.vcf", vcf.encode(), "text/vcard"))
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_bomless_utf16_and_utf32_text_files_are_read() -> None:
    text = f"Case notes: claimant NI {NINO} reviewed."
    for codec in ("utf-16-be", "utf-16-le", "utf-32-le", "utf-32-be"):
        data = text.encode(codec)
        assert data.decode(codec) == text  # a reader that knows (or sniffs) the encoding
        assert NINO in words(joined(_upload("notes.txt", data, "text/plain"))), codec


# -- PDF parts beside the pages (RT-38) -----------------------------------------------------


def _page_pdf() -> bytes:
    """A one-page PDF with real text, built by hand (no secret in it)."""
    content = b"BT /F1 24 Tf 72 720 Td (Quarterly team update) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def _pdf_with(change) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.append(pypdf.PdfReader(io.BytesIO(_page_pdf())))
    change(writer)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pdf_attachments_outline_page_labels_and_catalog_strings_are_read() -> None:
    import pypdf
    from pypdf.generic import NameObject, TextStringObject

    secret = f"Claimant NI {NINO}"

    def lang(writer) -> None:
        writer._root_object[NameObject("/Lang")] = TextStringObject(f"en-{NINO}")

    cases = {
        "attachment": (
            lambda w: w.add_attachment("notes.txt", secret.encode()),
            lambda r: r.attachments["notes.txt"][0].decode(),
        ),
        "outline": (
            lambda w: w.add_outline_item(title=secret, page_number=0),
            lambda r: r.outline[0].title,
        ),
        "page label": (
            lambda w: w.set_page_label(0, 0, prefix=f"NI {NINO} "),
            lambda r: r.page_labels[0],
        ),
        "catalog /Lang": (lang, lambda r: str(r.trailer["/Root"]["/Lang"])),
    }
    for name, (change, read_back) in cases.items():
        data = _pdf_with(change)
        assert NINO in read_back(pypdf.PdfReader(io.BytesIO(data))), name  # pypdf reads it
        assert NINO in joined(_upload("r.pdf", data, "application/pdf")), name


def test_a_plain_pdf_gives_no_catalog_noise() -> None:
    found = joined(_upload("r.pdf", _page_pdf(), "application/pdf"))
    assert "Quarterly team update" in found
    assert "/Catalog" not in found and "/Pages" not in found


# -- text in image metadata (RT-37) ---------------------------------------------------------


def _picture():
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 80), "white")
    ImageDraw.Draw(image).rectangle((10, 10, 300, 70), outline="black")
    return image


def _image_bytes(fmt: str, **save) -> bytes:
    buf = io.BytesIO()
    image = _picture()
    (image.convert("P") if fmt == "GIF" else image).save(buf, fmt, **save)
    return buf.getvalue()


def test_text_in_image_metadata_is_read_as_pillow_reads_it() -> None:
    import base64

    from PIL import Image, PngImagePlugin

    secret = f"Claimant NI {NINO}"
    exif = Image.Exif()
    exif[0x010E] = secret  # ImageDescription
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:title="{secret}"/>'
        "</rdf:RDF></x:xmpmeta>"
    )
    png_text, png_ztxt, png_itxt = (PngImagePlugin.PngInfo() for _ in range(3))
    png_text.add_text("Comment", secret)
    png_ztxt.add_text("Description", secret, zip=True)
    png_itxt.add_itxt("Comment", secret, zip=True)
    cases = {
        "png tEXt": (_image_bytes("PNG", pnginfo=png_text), "image/png"),
        "png zTXt": (_image_bytes("PNG", pnginfo=png_ztxt), "image/png"),
        "png iTXt": (_image_bytes("PNG", pnginfo=png_itxt), "image/png"),
        "jpeg COM": (_image_bytes("JPEG", comment=secret.encode()), "image/jpeg"),
        "jpeg EXIF": (_image_bytes("JPEG", exif=exif.tobytes()), "image/jpeg"),
        "jpeg XMP": (_image_bytes("JPEG", xmp=xmp.encode()), "image/jpeg"),
        "gif comment": (_image_bytes("GIF", comment=secret), "image/gif"),
        "webp EXIF": (_image_bytes("WEBP", exif=exif.tobytes()), "image/webp"),
    }
    for name, (data, mime) in cases.items():
        with Image.open(io.BytesIO(data)) as image:  # the standard reader recovers it
            image.load()
            shown = [*image.info.values(), *getattr(image, "text", {}).values()]
            shown.append(image.getexif().get(0x010E, ""))
            assert any(
                NINO in (v.decode("latin-1") if isinstance(v, bytes) else str(v)) for v in shown
            ), name
        url = f"data:{mime};base64," + base64.b64encode(data).decode()
        body = {
            "model": "m",
            "messages": [
                {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}
            ],
        }
        assert NINO in words(joined(extract(request(CHAT, body)))), name


def test_ordinary_photo_metadata_blocks_nothing() -> None:
    from PIL import Image

    from detectors.engine import ScanEngine

    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "Apple", "iPhone 14 Pro", "17.2.1"
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmpMM:DocumentID="xmp.did:7f2c9a41-3b6e-4d1a-9c0e-52a8b1f4d3e7" '
        'xmpMM:InstanceID="xmp.iid:0c1d2e3f-4a5b-6c7d-8e9f-a0b1c2d3e4f5"/></rdf:RDF></x:xmpmeta>'
    )
    data = _image_bytes("JPEG", exif=exif.tobytes(), xmp=xmp.encode())
    import base64

    url = "data:image/jpeg;base64," + base64.b64encode(data).decode()
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}
        ],
    }
    text = joined(extract(request(CHAT, body)))
    assert "iPhone 14 Pro" in text
    assert ScanEngine(load_ner=False).scan(text).categories == []


# -- token-id arrays (RT-57) ------------------------------------------------------------------


def test_single_byte_token_arrays_are_read_and_ids_no_vocabulary_has_block() -> None:
    order = [*range(33, 127), *range(161, 173), *range(174, 256)]
    order += [b for b in range(256) if b not in order]
    ids = [order.index(b) for b in f"NI {NINO}".encode()]  # what tiktoken's decode() undoes
    assert bytes(order[i] for i in ids).decode() == f"NI {NINO}"
    for url, body in (
        ("https://api.openai.com/v1/embeddings", {"model": "m", "input": [ids]}),
        ("https://api.openai.com/v1/completions", {"model": "m", "prompt": ids}),
    ):
        assert NINO in words(joined(extract(request(url, body))))
    with pytest.raises(ExtractionError) as info:
        extract(
            request("https://api.openai.com/v1/embeddings", {"model": "m", "input": [300_000, 1]})
        )
    assert info.value.reason == "uninspectable"


# -- id-shaped fields (RT-20) ---------------------------------------------------------------


def test_id_fields_holding_a_value_are_scanned_and_real_ids_skipped() -> None:
    aws = "AKIA" + "Q3EGRKTN7V2XPZ5M"
    msgs = [{"role": "user", "content": "hello"}]
    anthropic = "https://api.anthropic.com/v1/messages"
    cases = [
        (
            anthropic,
            {"model": "c", "max_tokens": 9, "messages": msgs, "metadata": {"user_id": NINO}},
        ),
        (CHAT, {"model": "g", "messages": msgs, "store": True, "metadata": {"case_id": NINO}}),
        (
            "https://api.openai.com/v1/responses",
            {"model": "g", "input": "hi", "previous_response_id": f"resp_{NINO}"},
        ),
        (CHAT, {"model": "g", "messages": msgs, "nonce": NINO, "cursor": aws}),
        (
            anthropic,
            {
                "model": "c",
                "max_tokens": 9,
                "messages": [
                    {
                        "role": "assistant",
                        "content": [{"type": "thinking", "thinking": "ok", "signature": aws}],
                    },
                    {"role": "user", "content": "hi"},
                ],
            },
        ),
    ]
    for url, body in cases:
        found = joined(extract(request(url, body)))
        assert NINO in found or aws in found, body
    real = {
        "model": "g",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_m1n2b3v4c5x6",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_m1n2b3v4c5x6", "content": "ok"},
        ],
        "metadata": {"session_id": "sess_8f3a2b1c9d7e"},
    }
    found = joined(extract(request(CHAT, real)))
    assert "call_m1n2b3v4c5x6" not in found and "sess_8f3a2b1c9d7e" not in found


@pytest.mark.parametrize(
    "shape",
    ["nested arrays", "one-field objects", "char codes as strings", "index-keyed object"],
)
def test_pieces_in_other_array_shapes_are_read_joined(shape: str) -> None:
    """RT-59 residual (t87): what a program flattens and joins, built here and joined back
    with plain Python first."""
    import json as _json

    nino = "JG103729A"
    chars = list(nino)
    args, back = {
        "nested arrays": ([["J", "G"], ["1", "0", "3"], ["7", "2", "9", "A"]],
                          lambda v: "".join(c for part in v for c in part)),
        "one-field objects": ([{"c": c} for c in chars], lambda v: "".join(d["c"] for d in v)),
        "char codes as strings": ([str(ord(c)) for c in chars],
                                  lambda v: "".join(chr(int(c)) for c in v)),
        "index-keyed object": ({str(i): c for i, c in enumerate(chars)},
                               lambda v: "".join(v[str(i)] for i in range(len(v)))),
    }[shape]  # fmt: skip
    assert back(args) == nino
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "call the tool"},
            {"role": "assistant", "tool_calls": [{"id": "call_q1w2e3r4t5y6", "type": "function",
             "function": {"name": "store", "arguments": _json.dumps({"p": args})}}]},
        ],
    }  # fmt: skip
    extraction = extract(request("https://api.openai.com/v1/chat/completions", body))
    assert any(nino in segment.text for segment in extraction.segments), shape


def test_nested_arrays_of_words_are_not_glued() -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
            "metadata": {"tags": [["alpha", "beta"], ["gamma"]]}}  # fmt: skip
    extraction = extract(request("https://api.openai.com/v1/chat/completions", body))
    assert not any("alphabeta" in segment.text for segment in extraction.segments)
