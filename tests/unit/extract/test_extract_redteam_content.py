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
from werkzeug.formparser import parse_form_data

from proxy.extract import extract
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
