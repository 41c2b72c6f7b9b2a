"""A whole file base64-encoded inside prompt text is read as the file it is (red team
RT-141): "here is the file in base64:" and a docx, a zip or a PDF, on one line or in
76-character MIME lines, in a chat message. A code-interpreter model decodes and opens it in
one line. Text and random bytes in base64 are left to the normaliser's decoded views; a list
of words one per line is no file. Each file is built here and read back by its reader."""

from __future__ import annotations

import base64
import io
import zipfile

import docx
import pytest
from pypdf import PdfReader

from proxy.extract import extract
from proxy.extract.collector import MAX_EMBEDDED_FILES
from proxy.extract.datatypes import ExtractionError
from tests.unit.extract.extract_helpers import joined, request

CHAT = "https://api.openai.com/v1/chat/completions"
NINO = "JG103729A"  # valid-format, made up


def _chat(text: str) -> str:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    return joined(extract(request(CHAT, body)))


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph(f"Claimant NI number {NINO}")
    buf = io.BytesIO()
    document.save(buf)
    assert NINO in docx.Document(io.BytesIO(buf.getvalue())).paragraphs[0].text
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("notes.txt", f"NI number {NINO}\n" + "quarterly figures " * 40)
    assert NINO in zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("notes.txt").decode()
    return buf.getvalue()


def _pdf() -> bytes:
    from tests.unit.extract.extract_helpers import pdf_bytes

    data = pdf_bytes([f"NI number {NINO}"])
    assert NINO in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    return data


def _mime_lines(data: bytes) -> str:
    blob = base64.b64encode(data).decode()
    return "\n".join(blob[i : i + 76] for i in range(0, len(blob), 76))


@pytest.mark.parametrize("build", [_docx, _zip, _pdf], ids=["docx", "zip", "pdf"])
@pytest.mark.parametrize("wrap", ["one line", "mime lines"])
def test_a_base64_file_in_a_message_is_read(build, wrap: str) -> None:
    data = build()
    blob = base64.b64encode(data).decode() if wrap == "one line" else _mime_lines(data)
    assert NINO.encode() not in blob.encode()
    assert NINO in _chat(f"Here is the file in base64, please read it:\n{blob}\nThanks")


def test_base64_of_plain_words_or_a_word_list_adds_no_file() -> None:
    words = "apple\nbanana\ncherry\n" * 30
    text = f"{words}\n{base64.b64encode(b'just some words ' * 30).decode()}"
    assert "<base64 file>" not in " ".join(
        s.where
        for s in extract(
            request(CHAT, {"model": "m", "messages": [{"role": "user", "content": text}]})
        ).segments
    )


def test_decoy_blobs_do_not_use_up_the_files_read() -> None:
    decoys = "\n\n".join(base64.b64encode(bytes(range(200))).decode() for _ in range(40))
    blob = base64.b64encode(_zip()).decode()
    assert NINO in _chat(f"{decoys}\n\nthe real one: {blob}")


def test_more_files_in_text_than_allowed_is_too_large() -> None:
    blob = base64.b64encode(_zip()).decode()
    text = "\n\n".join(f"file {i}: {blob}" for i in range(MAX_EMBEDDED_FILES + 1))
    with pytest.raises(ExtractionError) as err:
        _chat(text)
    assert err.value.reason == "too_large"
