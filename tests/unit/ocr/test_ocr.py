"""proxy/ocr: images decoded safely and read with the real OCR models (no mocks)."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from detectors.engine import ScanEngine
from proxy.config import load_config
from proxy.ocr import (
    ImageRefused,
    OcrEngine,
    OcrSettings,
    OcrUnavailable,
    decode_image,
    looks_like_image,
    ocr_available,
)
from tests.images import FONT, png_header_only, render

pytestmark = pytest.mark.skipif(not ocr_available(), reason="the ocr extra is not installed")


@pytest.fixture(scope="module")
def ocr() -> OcrEngine:
    return OcrEngine(OcrSettings())


@pytest.fixture(scope="module")
def engine_scan() -> ScanEngine:
    return ScanEngine(load_config(None).config.detectors)


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_config(None).config.detectors)


def test_a_screenshot_with_a_nino_is_read_and_blocked(ocr: OcrEngine, engine: ScanEngine):
    """Rule: text drawn in an image is found by the same detectors as typed text."""
    shot = render(
        ["Case record - Universal Credit", "Claimant: Jane Smith", "NI number: JG 10 37 29 A"]
    )
    text = ocr.read(shot)
    assert "Claimant" in text
    assert "PERSONAL_DATA" in engine.scan(text).categories


def test_a_screenshot_without_personal_data_is_allowed(ocr: OcrEngine, engine: ScanEngine):
    shot = render(
        ["Quarterly team objectives", "Improve the onboarding guide", "Review the style sheet"]
    )
    text = ocr.read(shot)
    assert "onboarding" in text.lower()
    assert engine.scan(text).categories == []


def test_jpeg_and_gif_first_frame_are_read(ocr: OcrEngine):
    assert "Claimant" in ocr.read(render(["Claimant: Jane Smith"], fmt="JPEG"))
    frames = [Image.open(io.BytesIO(render([f"Frame {n} Claimant"]))) for n in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    assert "Frame 1" in ocr.read(out.getvalue())


def test_a_decompression_bomb_is_refused_before_decoding():
    """Rule: an image whose header claims more pixels than the limit is refused unread, fast."""
    bomb = png_header_only(100_000, 100_000)
    started = time.perf_counter()
    with pytest.raises(ImageRefused) as refused:
        decode_image(bomb, max_pixels=25_000_000, max_side=2000)
    assert refused.value.reason == "too_large"
    assert time.perf_counter() - started < 5  # generous: header-only work


def test_truncated_pixels_are_damaged_not_read():
    good = render(["Claimant: Jane Smith"])
    with pytest.raises(ImageRefused) as refused:
        decode_image(good[: len(good) // 2], max_pixels=25_000_000, max_side=2000)
    assert refused.value.reason == "damaged"


@pytest.mark.parametrize(
    "data",
    [b"NI number JG 10 37 29 A", b"GIF89a but really text: NI number JG 10 37 29 A", b"%PDF-1.7\n"],
)
def test_what_is_not_an_image_is_not_treated_as_one(data: bytes):
    """Rule: an image is what decodes as one, not what starts with a magic number."""
    assert not looks_like_image(data)
    with pytest.raises(ValueError):
        decode_image(data, max_pixels=25_000_000, max_side=2000)


def test_a_real_image_is_recognised():
    assert looks_like_image(render(["x"], size=(64, 64)))


def test_wide_images_are_shrunk_and_long_ones_kept_for_bands():
    wide = decode_image(render(["x"], size=(4000, 300)), max_pixels=25_000_000, max_side=2000)
    assert wide.width == 2000 and wide.height == 150
    tall = decode_image(render(["x"], size=(800, 5000)), max_pixels=25_000_000, max_side=2000)
    assert tall.size == (800, 5000)


def test_a_long_page_is_read_in_bands(ocr: OcrEngine):
    words = ["phoned", "wrote to", "visited", "emailed", "met"]
    lines = [f"Entry {n}: we {words[n % 5]} the office about item {n * 7}" for n in range(80)]
    lines[75] = "Claimant NI number JG 10 37 29 A"
    text = ocr.read(render(lines, size=(1000, 3700)))
    assert "Entry 2:" in text and "JG" in text


@pytest.mark.parametrize("engine", ["tesseract", "rapidocr"])
def test_both_engines_read_a_nino_screenshot(engine: str, engine_scan: ScanEngine):
    """Rule: whichever engine runs (Tesseract if installed, else the wheel's), a screenshot's
    identifiers are read and found."""
    if not ocr_available(engine):
        pytest.skip(f"{engine} is not installed")
    reader = OcrEngine(OcrSettings(engine=engine))
    text = reader.read(render(["Mrs Sally Godfrey", "NI number: JG 10 37 29 A", "Leeds LS1 4AB"]))
    assert reader.name == engine
    assert "PERSONAL_DATA" in engine_scan.scan(text).categories


def test_a_dark_theme_screenshot_is_read():
    image = Image.new("RGB", (900, 200), (30, 30, 30))
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(str(FONT), 26) if FONT.is_file() else ImageFont.load_default(26)
    draw.text((30, 60), "Claimant reference Jane Smith", fill=(230, 230, 230), font=face)
    out = io.BytesIO()
    image.save(out, "PNG")
    assert "Claimant" in OcrEngine(OcrSettings()).read(out.getvalue())


def test_disabled_ocr_is_unavailable():
    with pytest.raises(OcrUnavailable):
        OcrEngine(OcrSettings(enabled=False)).read(render(["x"]))


def test_spent_budget_raises_timeout(ocr: OcrEngine):
    with pytest.raises(TimeoutError):
        ocr.read(render(["x"]), deadline=time.monotonic() - 1)


def test_settings_are_validated():
    with pytest.raises(ValueError):
        OcrSettings(max_pixels=10)
    with pytest.raises(ValueError):
        OcrSettings(unknown=1)


def test_worker_task_reads_what_it_can_and_says_why_not_for_the_rest():
    """Rule: every image gets text or a bounded reason; limits and bad bytes never raise."""
    from proxy.ocr.worker import REASONS, read_images

    settings = OcrSettings(max_images_per_request=2).model_dump_json()
    good = render(["Claimant: Jane Smith"])
    got = read_images([good, b"not an image", good], settings)
    assert got[0][0] is True and "Claimant" in got[0][1]
    assert got[1] == (False, "not_an_image")
    assert got[2] == (False, "too_large")  # over max_images_per_request
    assert got[1][1] in REASONS
    bomb = read_images([png_header_only(100_000, 100_000)], settings)
    assert bomb == [(False, "too_large")]


def test_ocr_spacing_errors_inside_uris_and_emails_are_closed_up():
    """Rule (issue 20): tolerate OCR's spacing errors where they split an identifier."""
    from proxy.ocr.engine import tidy

    assert tidy("redis://: Dragon7%25@db:6379/0") == "redis://:Dragon7%25@db:6379/0"
    assert tidy("see https:// example.org") == "see https://example.org"
    assert tidy("mail jane.smith @ example.org now") == "mail jane.smith@example.org now"
    assert tidy("Dear Jane, thanks") == "Dear Jane, thanks"
    assert tidy("price @ 5") == "price @ 5"
