"""The OCR engine: PP-OCRv4 detection and recognition models, from the rapidocr wheel.

Chosen over Tesseract because its models ship inside a hash-pinned PyPI wheel (nothing to
download, nothing from the OS), so `uv sync` on a fresh machine has OCR; figures in
``proxy/ocr/README.md``. One engine per scan worker process, loaded lazily on first use (the
models take about a second and 400 MB to load, paid only by deployments that see images).
"""

from __future__ import annotations

import importlib.util
import logging
import time
from typing import Any

import numpy as np

from proxy.ocr.images import decode_image
from proxy.ocr.settings import OcrSettings

log = logging.getLogger("aidlp.ocr")


class OcrUnavailable(Exception):
    """OCR is switched off or its package is not installed."""


def ocr_available() -> bool:
    """Is the ``ocr`` extra installed (checked without importing it)?"""
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


class OcrEngine:
    """Reads the text of images, line by line, within the settings' bounds."""

    def __init__(self, settings: OcrSettings) -> None:
        self.settings = settings
        self._ocr: Any = None

    def _engine(self) -> Any:
        if not self.settings.enabled:
            raise OcrUnavailable("ocr.enabled is false")
        if self._ocr is None:
            if not ocr_available():
                raise OcrUnavailable("the ocr extra (rapidocr-onnxruntime) is not installed")
            from rapidocr_onnxruntime import RapidOCR

            threads = self.settings.threads
            self._ocr = RapidOCR(
                intra_op_num_threads=threads,
                inter_op_num_threads=threads,
                use_cls=False,  # screenshots and scans are upright; halves the time
                print_verbose=False,
            )
        return self._ocr

    def read(self, data: bytes, *, deadline: float | None = None) -> str:
        """The text in image ``data`` (lines in reading order), or "" when it has none.

        Raises :class:`~proxy.ocr.images.ImageRefused`, :class:`ValueError` (not an image),
        :class:`OcrUnavailable`, or :class:`TimeoutError` when ``deadline`` (monotonic) passed.
        """
        self._engine()  # unavailable: raise before decoding anything
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError("ocr time budget spent")
        image = decode_image(
            data, max_pixels=self.settings.max_pixels, max_side=self.settings.max_side
        )
        return self.read_image(np.asarray(image), deadline=deadline)

    def read_image(self, pixels: np.ndarray, *, deadline: float | None = None) -> str:
        """The text of an RGB pixel array (also for PDF pages already rendered).

        A long page (a scrolled screenshot, a scan) is read in overlapping horizontal bands
        so that its text is not shrunk below what the recogniser can read.
        """
        engine = self._engine()
        height = pixels.shape[0]
        texts = []
        for top in range(0, max(1, height - BAND_OVERLAP), BAND_HEIGHT - BAND_OVERLAP):
            band = pixels[top : top + BAND_HEIGHT]
            result, _ = engine(np.ascontiguousarray(band[:, :, ::-1]), use_cls=False)  # BGR
            texts.append(_lines(result or []))
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("ocr time budget spent")
        return "\n".join(t for t in texts if t)


#: Long images are read in bands this tall, overlapping so no line is cut in both.
BAND_HEIGHT = 1600
BAND_OVERLAP = 80


def _lines(boxes: list) -> str:
    """Boxes → text lines: boxes whose vertical centres are close join one line, left to right."""
    items = []
    for box, text, _score in boxes:
        ys = [p[1] for p in box]
        xs = [p[0] for p in box]
        items.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), text))
    items.sort()
    lines: list[list[tuple[float, str]]] = []
    last_y = last_h = None
    for y, h, x, text in items:
        if last_y is not None and last_h is not None and abs(y - last_y) < max(h, last_h) / 2:
            lines[-1].append((x, text))
        else:
            lines.append([(x, text)])
            last_y, last_h = y, h
    return "\n".join(" ".join(t for _, t in sorted(line)) for line in lines)
