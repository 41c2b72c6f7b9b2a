"""The OCR engine: Tesseract when the system has it, else PP-OCRv4 from the rapidocr wheel.

``ocr.engine: auto`` (the default) takes Tesseract (Debian ``tesseract-ocr``: faster, far
smaller, and it keeps the spaces between words that identifiers and names need) and falls back
to rapidocr-onnxruntime, whose models ship inside a hash-pinned PyPI wheel, so that `uv sync`
alone on a fresh machine still reads images. Figures that decided it: ``proxy/ocr/README.md``.
One engine per scan worker process, created on first use (rapidocr's models take about a
second and 450 MB to load, paid only by deployments that see images).
"""

from __future__ import annotations

import importlib.util
import io
import logging
import os
import re
import shutil
import subprocess
import time
from typing import Any

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from proxy.ocr.images import decode_image
from proxy.ocr.settings import OcrSettings

log = logging.getLogger("aidlp.ocr")

#: Long images are read by rapidocr in bands this tall, overlapping so no line is cut in both.
BAND_HEIGHT = 1600
BAND_OVERLAP = 80


class OcrUnavailable(Exception):
    """OCR is switched off, or no engine is installed."""


def tesseract_path() -> str | None:
    return shutil.which("tesseract")


def rapidocr_installed() -> bool:
    """Is the ``ocr`` extra installed (checked without importing it)?"""
    return importlib.util.find_spec("rapidocr_onnxruntime") is not None


def ocr_available(engine: str = "auto") -> bool:
    """Can ``engine`` (auto | tesseract | rapidocr) run on this machine?"""
    if engine == "tesseract":
        return tesseract_path() is not None
    if engine == "rapidocr":
        return rapidocr_installed()
    return tesseract_path() is not None or rapidocr_installed()


class OcrEngine:
    """Reads the text of images, line by line, within the settings' bounds."""

    def __init__(self, settings: OcrSettings) -> None:
        self.settings = settings
        self._backend: _Tesseract | _RapidOcr | None = None

    @property
    def name(self) -> str:
        return self._engine().name

    def _engine(self) -> _Tesseract | _RapidOcr:
        if not self.settings.enabled:
            raise OcrUnavailable("ocr.enabled is false")
        if self._backend is None:
            wanted = self.settings.engine
            tesseract = tesseract_path()
            if wanted in ("auto", "tesseract") and tesseract:
                self._backend = _Tesseract(tesseract, self.settings.threads)
            elif wanted in ("auto", "rapidocr") and rapidocr_installed():
                self._backend = _RapidOcr(self.settings.threads)
            else:
                raise OcrUnavailable(f"no OCR engine for ocr.engine={wanted} on this machine")
        return self._backend

    def read(self, data: bytes, *, deadline: float | None = None) -> str:
        """The text in image ``data`` (lines in reading order), or "" when it has none.

        Raises :class:`~proxy.ocr.images.ImageRefused`, :class:`ValueError` (not an image),
        :class:`OcrUnavailable`, or :class:`TimeoutError` when ``deadline`` (monotonic) passed.
        """
        self._engine()  # unavailable: raise before decoding anything
        _check(deadline)
        image = decode_image(
            data, max_pixels=self.settings.max_pixels, max_side=self.settings.max_side
        )
        return self.read_image(np.asarray(image), deadline=deadline)

    def read_image(self, pixels: np.ndarray, *, deadline: float | None = None) -> str:
        """The text of an RGB pixel array (also for PDF pages already rendered)."""
        return tidy(self._engine().read(pixels, deadline))


#: Spaces OCR puts where the drawn text had none: after a URI's ``://`` (or its ``://:``
#: empty user), and around ``@`` between word characters (emails, URI user-info).
_URI_GAP = re.compile(r"(?<=://) {1,3}|(?<=://:) {1,3}")
_AT_GAP = re.compile(r"(?<=[\w.%+-]) {0,2}@ {0,2}(?=[A-Za-z0-9-]{1,63}\.[A-Za-z])")


def tidy(text: str) -> str:
    """OCR text with the spacing errors that split identifiers closed up (linear time)."""
    return _AT_GAP.sub("@", _URI_GAP.sub("", text))


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TimeoutError("ocr time budget spent")


class _Tesseract:
    """The ``tesseract`` command (stdin → stdout), time-boxed by the request's budget."""

    name = "tesseract"

    def __init__(self, binary: str, threads: int) -> None:
        self.binary = binary
        self.env = {**os.environ, "OMP_THREAD_LIMIT": str(threads)}

    def read(self, pixels: np.ndarray, deadline: float | None) -> str:
        gray = ImageOps.grayscale(Image.fromarray(pixels))
        if np.asarray(gray).mean() < 110:  # a dark theme: Tesseract reads dark on light
            gray = ImageOps.invert(gray)
        text = self._run(gray, deadline)
        again = []
        inked = faint_ink(gray)
        if inked is not None:
            again.append(inked)
        if upside_down(text):
            again.append(gray.rotate(180))
        for image in again:
            _check(deadline)
            seen = set(text.splitlines())
            more = [line for line in self._run(image, deadline).splitlines() if line not in seen]
            text = "\n".join([text, *more]) if text else "\n".join(more)
        return text

    def _run(self, gray: Image.Image, deadline: float | None) -> str:
        png = io.BytesIO()
        gray.save(png, "PNG")
        timeout = None if deadline is None else max(0.1, deadline - time.monotonic())
        try:
            done = subprocess.run(
                [self.binary, "stdin", "stdout", "--psm", "3", "-l", "eng"],
                input=png.getvalue(),
                capture_output=True,
                timeout=timeout,
                env=self.env,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise TimeoutError("ocr time budget spent") from exc
        if done.returncode != 0:
            raise RuntimeError(f"tesseract exited {done.returncode}")
        lines = done.stdout.decode("utf-8", "replace").splitlines()
        return "\n".join(line for line in lines if line.strip())


#: ink: a pixel darker than its local background (the lightest of the 4x4-pixel blocks
#: within about 10 px) by more than this many grey levels
_INK_CONTRAST = 10
#: a page of text: ink covers at most this share of it (photos and textures are busier)
_INK_MAX_SHARE = 0.25
#: the second reading is worth it when this share of the ink is text Tesseract's global
#: threshold loses: light ink (faint grey on white) or ink on a dark background (blue on
#: red), more than 2 px from any dark-on-light ink (whose anti-aliased edges are light too)
_HIDDEN_INK_SHARE = 0.02


def faint_ink(gray: Image.Image) -> Image.Image | None:
    """The page as black ink on white, each pixel judged against its local background, when
    it holds text that the plain grey image hides (red team RT-28: light grey 235 on white,
    blue text on a red band: a vision model reads both; Tesseract's global threshold drops
    them). None for an ordinary page (dark text on light: nothing to add) or a photo (too
    much "ink"). About 10 ms for a 1000 x 500 image; the second Tesseract pass runs only then."""
    width, height = gray.size
    if width < 16 or height < 16:
        return None
    blocks = gray.resize((max(1, width // 4), max(1, height // 4)), Image.Resampling.BOX)
    background = blocks.filter(ImageFilter.MaxFilter(5)).resize(
        (width, height), Image.Resampling.BILINEAR
    )
    level = np.asarray(gray, dtype=np.int16)
    base = np.asarray(background, dtype=np.int16)
    ink = (base - level) > _INK_CONTRAST
    share = float(ink.mean())
    if share == 0.0 or share > _INK_MAX_SHARE:
        return None
    # what the plain image shows: dark ink on a light background, and its anti-aliased edge
    hidden = ink & ~_dilated(ink & (level < 128) & (base >= 160), 2)
    if float(hidden.sum()) < _HIDDEN_INK_SHARE * float(ink.sum()):
        return None
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8))


#: what Tesseract makes of a line drawn upside down: symbols inside words (``JUew!e|D``,
#: ``wea}``)
_UPSIDE_DOWN_TOKEN = re.compile(r"[A-Za-z][!|¡][A-Za-z]|[a-z]\}(?:\s|$)")


def upside_down(text: str) -> bool:
    """A line of the reading looks like text drawn upside down (red team RT-28: a vision
    model reads it; Tesseract reads the page as it stands): then the page is also read
    turned round. A page of ordinary text does not pay the second pass."""
    return any(
        len(line.split()) >= 2 and _UPSIDE_DOWN_TOKEN.search(line) is not None
        for line in text.splitlines()
    )


def _dilated(mask: np.ndarray, radius: int) -> np.ndarray:
    """``mask`` grown by ``radius`` pixels (a square), by shifted ORs: separable, no copy of
    the image per pixel."""
    out = mask.copy()
    for step in range(1, radius + 1):
        out[step:, :] |= mask[:-step, :]
        out[:-step, :] |= mask[step:, :]
    rows = out.copy()
    for step in range(1, radius + 1):
        out[:, step:] |= rows[:, :-step]
        out[:, :-step] |= rows[:, step:]
    return out


class _RapidOcr:
    """PP-OCRv4 detection and recognition from the rapidocr wheel, in this process."""

    name = "rapidocr"

    def __init__(self, threads: int) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.ocr: Any = RapidOCR(
            intra_op_num_threads=threads,
            inter_op_num_threads=threads,
            use_cls=False,  # screenshots and scans are upright; halves the time
            print_verbose=False,
        )

    def read(self, pixels: np.ndarray, deadline: float | None) -> str:
        """A long page (a scrolled screenshot, a scan) is read in overlapping bands so that
        its text is not shrunk below what the recogniser can read."""
        height = pixels.shape[0]
        texts = []
        for top in range(0, max(1, height - BAND_OVERLAP), BAND_HEIGHT - BAND_OVERLAP):
            band = pixels[top : top + BAND_HEIGHT]
            result, _ = self.ocr(np.ascontiguousarray(band[:, :, ::-1]), use_cls=False)  # BGR
            texts.append(_lines(result or []))
            _check(deadline)
        return "\n".join(t for t in texts if t)


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
