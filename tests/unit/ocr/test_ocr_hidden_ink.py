"""RT-28 residuals: text a vision model reads but Tesseract's global threshold drops (light
grey on white, blue on a red band), under a decoy caption in black that OCR does read. The
second reading (``faint_ink``: each pixel against its local background) runs only when the
plain image hides ink; an ordinary page gets none."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from detectors.engine import ScanEngine
from proxy.ocr import OcrEngine, OcrSettings, ocr_available
from proxy.ocr.engine import faint_ink
from tests.images import FONT

LINE = "Claimant NI number JG103729A"


def _face(size: int):
    return ImageFont.truetype(str(FONT), size) if FONT.is_file() else ImageFont.load_default(size)


def _page(
    ink: tuple[int, int, int] | None, band: tuple[int, int, int] | None = None
) -> Image.Image:
    image = Image.new("RGB", (1000, 500), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.text((40, 60), "Quarterly team update - summary", fill=(0, 0, 0), font=_face(40))
    if band is not None:
        draw.rectangle((0, 250, 1000, 350), fill=band)
    if ink is not None:
        draw.text((40, 275), LINE, fill=ink, font=_face(40))
    return image


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


CASES = {
    "light grey on white": ((235, 235, 235), None),
    "blue on a red band": ((0, 0, 255), (255, 0, 0)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hidden_ink_gets_a_second_reading(case: str) -> None:
    ink, band = CASES[case]
    page = ImageOps.grayscale(_page(ink, band))
    inked = faint_ink(page)
    assert inked is not None
    if ocr_available("tesseract"):
        text = OcrEngine(OcrSettings(engine="tesseract")).read(_png(_page(ink, band)))
        assert "UK_NINO" in {f.entity_type for f in ScanEngine(load_ner=False).scan(text).findings}


def test_an_ordinary_page_gets_no_second_reading() -> None:
    assert faint_ink(ImageOps.grayscale(_page((0, 0, 0)))) is None  # dark on light only
    assert faint_ink(ImageOps.grayscale(_page(None))) is None


def test_a_busy_photo_gets_no_second_reading() -> None:
    import random

    rng = random.Random(7)
    noise = Image.effect_noise((400, 300), 80).convert("L")
    noise = Image.eval(noise, lambda v: min(255, max(0, v + rng.randint(-2, 2))))
    assert faint_ink(noise) is None


def test_a_line_drawn_upside_down_is_read_turned_round() -> None:
    """RT-28: Tesseract reads an upside-down line as junk (symbols inside words); then the
    page is read turned round as well."""
    image = _page(None)
    line = Image.new("RGB", (1000, 80), (255, 255, 255))
    ImageDraw.Draw(line).text((40, 10), LINE, fill=(0, 0, 0), font=_face(40))
    image.paste(line.rotate(180), (0, 260))
    if ocr_available("tesseract"):
        text = OcrEngine(OcrSettings(engine="tesseract")).read(_png(image))
        assert "UK_NINO" in {f.entity_type for f in ScanEngine(load_ner=False).scan(text).findings}


def test_upside_down_junk_is_told_from_ordinary_lines() -> None:
    from proxy.ocr.engine import upside_down

    assert upside_down("Quarterly team update\nV6ZLEOTOS IN JUew!e|D")
    assert upside_down("Asewiuuns - ajyepdn wea} AjpawenH")
    assert not upside_down("Quarterly team update - summary\nClaimant NI number JG103729A")
    assert not upside_down("Name | Value\nTotal: 42 (see note!)")
