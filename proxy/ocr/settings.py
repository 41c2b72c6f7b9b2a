"""The ``ocr:`` config section: whether images are read, and the bounds on that work."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OcrSettings(BaseModel):
    """Bounds on reading text out of images. Past any bound, the image is uninspectable."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=True,
        description="Read text in images. Off (or the ocr extra not installed): images stay "
        "uninspectable, and extraction.uninspectable decides.",
    )
    engine: Literal["auto", "tesseract", "rapidocr"] = Field(
        default="auto",
        description="auto: Tesseract when the system has it (Debian tesseract-ocr), else "
        "rapidocr from the ocr extra (proxy/ocr/README.md).",
    )
    max_pixels: int = Field(
        default=25_000_000,
        ge=10_000,
        le=200_000_000,
        description="Largest image (width x height) decoded; larger ones are refused unread "
        "(decompression bombs).",
    )
    max_images_per_request: int = Field(default=8, ge=1, le=256)
    max_pdf_pages: int = Field(
        default=20,
        ge=0,
        le=200,
        description="Text-less PDF pages whose pictures are read per request.",
    )
    max_side: int = Field(
        default=2000,
        ge=200,
        le=10_000,
        description="Wider images are shrunk to this width first (long pages are read in bands).",
    )
    timeout_seconds: float = Field(
        default=8.0, gt=0, le=120, description="OCR time budget per request."
    )
    threads: int = Field(
        default=1,
        ge=1,
        le=16,
        description="OCR threads per scan worker (1: the workers are the parallelism).",
    )
