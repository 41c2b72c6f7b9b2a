"""RT-96: an e-mail file's attachments are opened as files of their own (decoded from their
transfer encoding, read by their bytes), as an AI tool opening the .eml does. Each message is
built with the standard library's ``email`` package and read back with it first."""

from __future__ import annotations

import io
from email import message_from_bytes, policy
from email.message import EmailMessage

import docx
import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings
from proxy.extract import extract
from tests.unit.extract.extract_helpers import docx_bytes, request

NINO = "JG103729A"
UPLOAD = "https://files.oaiusercontent.com/file-abc"
DOCX = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(DetectorSettings())


def message(attachment: bytes, maintype: str, subtype: str, filename: str) -> bytes:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = "Case", "Case team", "Benefits office"
    mail.set_content("Please see the attached notes.")
    mail.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return mail.as_bytes()


def attachments(data: bytes) -> list[bytes]:
    parsed = message_from_bytes(data, policy=policy.default)
    return [part.get_payload(decode=True) for part in parsed.iter_attachments()]


def upload(data: bytes, name: str = "m.eml"):
    return extract(
        request(
            UPLOAD, data, content_type="message/rfc822", method="PUT", headers={"x-file-name": name}
        )
    )


@pytest.mark.parametrize("kind", ["docx", "utf-16 text"])
def test_eml_attachment_is_opened_and_scanned(engine, kind: str) -> None:
    text = f"Claimant NI number {NINO}, arrears letter."
    if kind == "docx":
        data = message(docx_bytes(text), *DOCX, "notes.docx")
        (attached,) = attachments(data)
        assert NINO in docx.Document(io.BytesIO(attached)).paragraphs[0].text
    else:
        data = message(text.encode("utf-16"), "text", "plain", "notes.txt")
        (attached,) = attachments(data)
        assert attached.decode("utf-16") == text
    assert NINO.encode() not in data  # base64 in the message: not visible as sent
    extraction = upload(data)
    assert any(NINO in segment.text for segment in extraction.segments), kind
    joined = "\n\n".join(segment.text for segment in extraction.segments)
    assert "PERSONAL_DATA" in engine.scan(joined).categories


def test_clean_eml_is_read_and_allowed(engine) -> None:
    data = message(docx_bytes("Minutes of the team picnic planning"), *DOCX, "minutes.docx")
    extraction = upload(data)
    assert any("picnic" in segment.text for segment in extraction.segments)
    joined = "\n\n".join(segment.text for segment in extraction.segments)
    assert engine.scan(joined).categories == []
