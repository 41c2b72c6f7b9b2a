"""Content the reader sees but the stored order hides (RT-99, RT-105), media padded with
printable metadata (RT-100), private PNG chunks (RT-37) and multipart part headers (RT-95),
through the real ``aidlp run`` with real clients: the OpenAI SDK for file uploads, httpx for
Gemini ``inlineData`` and hand-framed multipart. Payloads are built by the unit tests'
builders (each read back there with its standard reader); what arrives upstream is asserted."""

from __future__ import annotations

import base64
import time
import uuid

import httpx
import openai
import pytest

from tests.unit.extract.test_extract_pdf_drawn import ANNOTATIONS, annotated, kerned_halves
from tests.unit.extract.test_extract_side_by_side import sheet, slide, word_doc
from tests.unit.extract.test_extract_structure_not_share import asf, flv, mpeg_ps, png_with_chunk

pytestmark = pytest.mark.e2e

NINO = "JG103729A"  # valid format, made up
GEMINI_PATH = "/v1beta/models/gemini-2.0-flash:generateContent"


def _openai(proxy) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="sk-test",
        base_url="https://api.openai.com/v1",
        http_client=httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=30.0),
        max_retries=0,
    )


def _never_reached(log, path: str, marker: bytes) -> bool:
    time.sleep(0.3)
    found = log.wait_for(lambda r: r.path.split("?")[0] == path and marker in r.body, timeout=0.5)
    return found is None


UPLOADS = {
    "pdf TJ kerned halves": lambda: (kerned_halves(), "notes.pdf"),
    "pdf stamp appearance": lambda: (
        annotated(ANNOTATIONS["stamp, appearance only"]),
        "stamped.pdf",
    ),
    "pptx boxes side by side": lambda: (
        slide([(3.6, 2.0, "3729A"), (1.0, 2.0, "Claimant NI JG10")]),
        "deck.pptx",
    ),
    "docx floating boxes": lambda: (
        word_doc([(3.6, "3729A"), (1.0, "Claimant NI JG10")]),
        "notes.docx",
    ),
    "xlsx cells that meet": lambda: (
        sheet([("A1", "Claimant NI JG10", "right"), ("B1", "3729A", "left")]),
        "cases.xlsx",
    ),
    "png private chunk": lambda: (
        png_with_chunk(b"ruSt", b"Claimant NI number " + NINO.encode()),
        "scan.png",
    ),
}


@pytest.mark.parametrize("kind", sorted(UPLOADS))
def test_uploads_whose_value_shows_only_as_laid_out_are_blocked(
    aidlp_proxy, upstream_log, kind: str
) -> None:
    data, name = UPLOADS[kind]()
    name = f"{uuid.uuid4().hex[:12]}-{name}"  # the upload's own mark in the session's log
    with pytest.raises(openai.PermissionDeniedError) as info:
        _openai(aidlp_proxy).files.create(
            file=(name, data, "application/octet-stream"), purpose="assistants"
        )
    assert info.value.status_code == 403
    assert _never_reached(upstream_log, "/v1/files", name.encode())


def test_a_clean_deck_with_two_column_boxes_arrives(aidlp_proxy, upstream_log) -> None:
    data = slide([(1.0, 2.0, "Quarterly update"), (3.6, 2.0, "for the team")])
    name = f"{uuid.uuid4().hex[:12]}-deck.pptx"
    _openai(aidlp_proxy).files.create(
        file=(name, data, "application/octet-stream"), purpose="assistants"
    )
    arrived = upstream_log.wait_for(lambda r: r.path == "/v1/files" and name.encode() in r.body)
    assert arrived is not None


@pytest.mark.parametrize("kind", ["flv", "asf", "mpeg-ps"])
def test_padded_video_in_gemini_inline_data_is_uninspectable(
    aidlp_proxy, upstream_log, kind: str
) -> None:
    data = {"flv": flv, "asf": asf, "mpeg-ps": mpeg_ps}[kind]()
    mark = f"{kind} {uuid.uuid4().hex[:12]}"
    body = {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {
                        "inlineData": {
                            "mimeType": "video/mp4",
                            "data": base64.b64encode(data).decode(),
                        }
                    },
                    {"text": f"Transcribe this ({mark})."},
                ],
            }
        ]
    }
    with aidlp_proxy.httpx() as client:
        reply = client.post(f"https://generativelanguage.googleapis.com{GEMINI_PATH}", json=body)
    assert reply.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == reply.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "uninspectable"
    assert _never_reached(upstream_log, GEMINI_PATH, mark.encode())


@pytest.mark.parametrize(
    "head",
    [
        'name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\nX-Note: NI {n}',
        'name="file"; filename="a.txt"\r\nContent-Type: text/plain; note="NI {n}"',
        'name="file"; filename="a.txt"; note="NI {n}"\r\nContent-Type: text/plain',
    ],
    ids=["custom header", "content-type parameter", "disposition parameter"],
)
def test_a_value_in_multipart_part_headers_is_blocked(aidlp_proxy, upstream_log, head) -> None:
    B = f"bNd4ry{uuid.uuid4().hex[:12]}"
    part = "Content-Disposition: form-data; " + head.format(n=NINO)
    body = (
        f'--{B}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        f"--{B}\r\n{part}\r\n\r\nquarterly update\r\n--{B}--\r\n"
    ).encode()
    with aidlp_proxy.httpx() as client:
        reply = client.post(
            "https://api.openai.com/v1/files",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={B}"},
        )
    assert reply.status_code == 403
    assert _never_reached(upstream_log, "/v1/files", B.encode())


def test_ordinary_part_headers_arrive(aidlp_proxy, upstream_log) -> None:
    B = f"bNd4ry{uuid.uuid4().hex[:12]}"
    body = (
        f'--{B}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        f'--{B}\r\nContent-Disposition: form-data; name="file"; filename="minutes.txt"\r\n'
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nquarterly update\r\n--{B}--\r\n"
    ).encode()
    with aidlp_proxy.httpx() as client:
        client.post(
            "https://api.openai.com/v1/files",
            content=body,
            headers={"Content-Type": f"multipart/form-data; boundary={B}"},
        )
    arrived = upstream_log.wait_for(lambda r: r.path == "/v1/files" and B.encode() in r.body)
    assert arrived is not None


def test_a_netpbm_scan_is_read_by_ocr_and_blocked(aidlp_proxy, upstream_log) -> None:
    """RT-115: ``scanimage > scan.pnm``; read back by Pillow in ``render``."""
    from tests.images import render

    data = render(["Case record", "NI number: JG 10 37 29 A"], (1000, 300), "PPM", 30, 60)
    assert data[:2] == b"P6"
    name = f"{uuid.uuid4().hex[:12]}-scan.ppm"
    with pytest.raises(openai.PermissionDeniedError) as info:
        _openai(aidlp_proxy).files.create(
            file=(name, data, "image/x-portable-pixmap"), purpose="assistants"
        )
    assert info.value.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == info.value.response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] != "uninspectable"  # read by OCR, and found
    assert any(f["entity_type"] == "UK_NINO" for f in event["findings"])
    assert _never_reached(upstream_log, "/v1/files", name.encode())


@pytest.mark.parametrize(
    "lines", [["NI number: JG 10 37 29 A"], ["Team picnic on Friday"]], ids=["nino", "clean"]
)
def test_a_picture_beside_a_pdf_text_layer_is_read_by_ocr(aidlp_proxy, upstream_log, lines) -> None:
    """RT-41: the text layer says 'Quarterly team update'; the picture is what a viewer shows."""
    from tests.unit.extract.test_extract_pdf_drawn import picture_page

    data = picture_page(lines, (900, 160))
    name = f"{uuid.uuid4().hex[:12]}-update.pdf"
    client = _openai(aidlp_proxy)
    if lines[0].startswith("NI"):
        with pytest.raises(openai.PermissionDeniedError) as info:
            client.files.create(file=(name, data, "application/pdf"), purpose="assistants")
        event = aidlp_proxy.wait_event(
            lambda e: e.get("incident_id") == info.value.response.headers["X-AIDLP-Incident"]
        )
        assert event is not None and any(f["entity_type"] == "UK_NINO" for f in event["findings"])
        assert _never_reached(upstream_log, "/v1/files", name.encode())
    else:
        client.files.create(file=(name, data, "application/pdf"), purpose="assistants")
        assert upstream_log.wait_for(lambda r: r.path == "/v1/files" and name.encode() in r.body)
