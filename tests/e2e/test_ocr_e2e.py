"""Issue 20, end to end: text in images is read (OCR in the scan workers) before an AI tool does.

Real `aidlp run`, the real openai SDK and httpx, a recording upstream; the images are drawn
with Pillow in the test, and each is first read back by Pillow to prove it is a real image.
"""

from __future__ import annotations

import base64
import io
import time

import httpx
import openai
import pytest
from PIL import Image

from tests.e2e.conftest import TEST_CONFIG
from tests.images import png_header_only, render

pytestmark = pytest.mark.e2e

NINO = "JG 10 37 29 A"


def screenshot(lines: list[str], fmt: str = "PNG", size: tuple[int, int] = (1280, 720)) -> bytes:
    return render(lines, size=size, fmt=fmt, font_size=26, spacing=48)


@pytest.fixture(scope="module")
def proxy(start_proxy):
    return start_proxy(TEST_CONFIG, name="ocr")


def _openai(proxy) -> openai.OpenAI:
    client = httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=120.0)
    return openai.OpenAI(api_key="sk-test", base_url="https://api.openai.com/v1",
                         http_client=client, max_retries=0)  # fmt: skip


def _ask_about(client: openai.OpenAI, image: bytes, marker: str):
    url = "data:image/png;base64," + base64.b64encode(image).decode()
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": f"Summarise this screenshot {marker}"},
            {"type": "image_url", "image_url": {"url": url}},
        ]}],
    )  # fmt: skip


def test_a_screenshot_carrying_a_nino_is_blocked(proxy, upstream_log):
    shot = screenshot(
        ["Case record - Universal Credit", "Claimant: Jane Smith", f"NI number: {NINO}"]
    )
    marker = f"m{time.time_ns()}"
    with pytest.raises(openai.PermissionDeniedError) as denied:
        _ask_about(_openai(proxy), shot, marker)
    assert "personal data" in str(denied.value)
    assert upstream_log.wait_for(lambda r: marker.encode() in r.body, timeout=1.0) is None
    incident = denied.value.response.headers["X-AIDLP-Incident"]
    event = proxy.wait_event(lambda e: e.get("incident_id") == incident, timeout=60)
    assert event["event"] == "ai.request.blocked"
    image_findings = [f for f in event["findings"] if f.get("extracted_from") == "image"]
    assert any(f["entity_type"] == "UK_NINO" for f in image_findings)
    raw = proxy.output()
    assert NINO not in raw and NINO.replace(" ", "") not in raw


def test_the_same_screenshot_without_personal_data_is_allowed(proxy, upstream_log):
    shot = screenshot(["Team objectives for the quarter", "Improve the onboarding guide"])
    marker = f"m{time.time_ns()}"
    reply = _ask_about(_openai(proxy), shot, marker)
    assert reply.choices
    assert upstream_log.wait_for(lambda r: marker.encode() in r.body, timeout=10.0) is not None


def test_a_scanned_pdf_with_an_official_sensitive_header_is_blocked(proxy, upstream_log):
    page = screenshot(["OFFICIAL-SENSITIVE", "", "Briefing for the permanent secretary",
                       "Do not circulate beyond the named list."], size=(1240, 1754))  # fmt: skip
    pdf = io.BytesIO()
    Image.open(io.BytesIO(page)).save(pdf, "PDF")  # an image-only page: no text layer
    from pypdf import PdfReader

    assert not (PdfReader(io.BytesIO(pdf.getvalue())).pages[0].extract_text() or "").strip()
    with httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=120.0) as client:
        response = client.post(
            "https://api.openai.com/v1/files",
            files={"file": ("scan.pdf", pdf.getvalue(), "application/pdf")},
            data={"purpose": "assistants"},
        )
    assert response.status_code == 403, response.text
    event = proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"], timeout=60
    )
    assert "OFFICIAL_SENSITIVE" in {f["category"] for f in event["findings"]}
    assert upstream_log.wait_for(lambda r: r.path.startswith("/v1/files"), timeout=1.0) is None


def test_an_image_bomb_is_refused_quickly_with_its_reason(proxy, upstream_log):
    bomb = png_header_only(100_000, 100_000)
    started = time.monotonic()
    with httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=120.0) as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-bomb", content=bomb,
            headers={"Content-Type": "image/png"},
        )  # fmt: skip
    assert response.status_code == 403
    assert time.monotonic() - started < 60  # generous: header-only work, on a loaded machine
    event = proxy.wait_event(lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"])
    assert event["reason"] in ("too_large", "uninspectable")
    assert upstream_log.wait_for(lambda r: r.path == "/file-bomb", timeout=1.0) is None
