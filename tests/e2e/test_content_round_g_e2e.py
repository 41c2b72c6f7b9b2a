"""Red-team round G content residuals through the real ``aidlp run``, uploaded with the
OpenAI SDK: a macro's password in an .xlsm (RT-145), an Outlook .msg whose body is LZFu
compressed RTF and a winmail.dat (RT-128), an RTF with an embedded Word object (RT-134), a
format=flowed .eml (RT-148), an .xls number cell (RT-129), an Avro file and a CBOR dump
(RT-136, RT-137), a PDF's XFA data (RT-135) are refused and never arrive; a Parquet file is
refused as uninspectable; clean files of the same kinds arrive. Payloads are built by the
unit tests' builders (each read back there by its standard reader)."""

from __future__ import annotations

import contextlib
import uuid

import openai
import pytest

from tests.e2e.test_content_layout_e2e import _never_reached, _openai

pytestmark = pytest.mark.e2e

NINO = "JG103729A"  # valid format, made up


def _xlsm(source: str) -> bytes:
    from tests.unit.extract.test_extract_vba_outlook import _ooxml
    from tests.unit.extract.vba_build import vba_project

    ctype = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    return _ooxml("xl/workbook.xml", ctype, vba_project(source))


def _msg() -> bytes:
    import compressed_rtf

    from tests.unit.extract.cfb import Node, build
    from tests.unit.extract.test_extract_vba_outlook import _rtf_body

    return build([Node("__substg1.0_10090102", compressed_rtf.compress(_rtf_body()))])


def _winmail() -> bytes:
    import compressed_rtf

    from tests.unit.extract import test_extract_vba_outlook as t

    props = t._mapi_binary(0x1009, compressed_rtf.compress(t._rtf_body()))
    return t._tnef(t._attribute(1, 0x00069003, props))


def _rtf_object(payload: bytes | None) -> bytes:
    from tests.unit.extract import test_extract_embedded_objects as t
    from tests.unit.extract.cfb import Node, build

    if payload is None:
        return t._rtf_object("Package", t._ole1(b"Package", t._package(b"a.txt", b"Agenda.")))
    ole1 = t._ole1(b"Word.Document.12", build([Node("Package", payload)]))
    return t._rtf_object("Word.Document.12", ole1)


def _flowed_eml() -> bytes:
    from tests.unit.extract.test_extract_mail_encodings import HEAD, _flowed

    body = _flowed(f"Claimant NI number {NINO} confirmed.")
    head = HEAD + "Content-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\r\n\r\n"
    return (head + body).encode()


def _xls(value: object) -> bytes:
    import io

    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Patients")
    sheet.write(0, 0, "Name")
    sheet.write(0, 1, "NHS number" if value != "clean" else "Budget")
    sheet.write(1, 0, "Jane Smith" if value != "clean" else "Stationery")
    sheet.write(1, 1, 9434765919 if value != "clean" else 1250.5)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _avro(nino: str) -> bytes:
    from tests.unit.extract.test_extract_data_files import _avro as avro

    return avro("deflate", [{"name": "Person", "nino": nino, "note": b"pending"}] * 3)


def _cbor(value: str) -> bytes:
    import cbor2

    return cbor2.dumps({"nino": value, "status": 3}) + bytes(range(32))


def _xfa() -> bytes:
    import io

    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    from tests.unit.extract.test_extract_pdf_forms_attachments import _stream

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    ref = _stream(writer, f"<xfa:datasets><NINO>{NINO}</NINO></xfa:datasets>".encode())
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): ArrayObject([TextStringObject("datasets"), ref]),
        }
    )
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _docx() -> bytes:
    from tests.unit.extract.test_extract_embedded_objects import _docx as docx

    return docx()


PASSWORD_MACRO = (
    'Sub C()\n  s = "Provider=SQLOLEDB;Data Source=db1;User ID=svc;Password=Winter2026!Secure;"\n'
    "End Sub\n"
)
BLOCKED = {
    "xlsm macro password": (lambda: _xlsm(PASSWORD_MACRO), "book.xlsm", "CONNECTION_STRING"),
    "msg LZFu body": (_msg, "mail.msg", "UK_NINO"),
    "winmail.dat": (_winmail, "winmail.dat", "UK_NINO"),
    "rtf embedded word object": (lambda: _rtf_object(_docx()), "letter.rtf", "UK_NINO"),
    "flowed eml": (_flowed_eml, "case.eml", "UK_NINO"),
    "xls number cell": (lambda: _xls("nhs"), "patients.xls", "UK_NHS"),
    "avro deflate": (lambda: _avro(NINO), "claims.avro", "UK_NINO"),
    "cbor dump": (lambda: _cbor(NINO), "state.cbor", "UK_NINO"),
    "pdf xfa datasets": (_xfa, "form.pdf", "UK_NINO"),
}
CLEAN = {
    "xlsm clean macro": (lambda: _xlsm('Sub H()\n  MsgBox "Ready"\nEnd Sub\n'), "book.xlsm"),
    "rtf packaged text": (lambda: _rtf_object(None), "letter.rtf"),
    "xls budget": (lambda: _xls("clean"), "budget.xls"),
    "avro clean": (lambda: _avro("pending"), "claims.avro"),
    "cbor clean": (lambda: _cbor("pending"), "state.cbor"),
}


def _upload(proxy, name: str, data: bytes) -> None:
    _openai(proxy).files.create(file=(name, data, "application/octet-stream"), purpose="assistants")


@pytest.mark.parametrize("case", list(BLOCKED))
def test_a_value_inside_the_file_is_blocked(aidlp_proxy, upstream_log, case) -> None:
    build, filename, entity = BLOCKED[case]
    name = f"{uuid.uuid4().hex[:12]}-{filename}"
    with pytest.raises(openai.PermissionDeniedError) as info:
        _upload(aidlp_proxy, name, build())
    assert info.value.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == info.value.response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and any(f["entity_type"] == entity for f in event["findings"])
    assert _never_reached(upstream_log, "/v1/files", name.encode())


def test_a_parquet_file_is_refused_as_uninspectable(aidlp_proxy, upstream_log) -> None:
    name = f"{uuid.uuid4().hex[:12]}-claims.parquet"
    data = b"PAR1" + b"\x15\x00" * 40 + b"\x28\x00\x00\x00PAR1"
    with pytest.raises(openai.PermissionDeniedError) as info:
        _upload(aidlp_proxy, name, data)
    assert info.value.status_code == 403
    assert _never_reached(upstream_log, "/v1/files", name.encode())


@pytest.mark.parametrize("case", list(CLEAN))
def test_a_clean_file_of_the_same_kind_arrives(aidlp_proxy, upstream_log, case) -> None:
    build, filename = CLEAN[case]
    name = f"{uuid.uuid4().hex[:12]}-{filename}"
    with contextlib.suppress(openai.APIError):  # the test upstream's answer is no file object
        _upload(aidlp_proxy, name, build())
    arrived = upstream_log.wait_for(lambda r: r.path == "/v1/files" and name.encode() in r.body)
    assert arrived is not None
