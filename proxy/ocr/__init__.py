"""Text out of images (screenshots, photos of letters, scanned pages), offline.

Role in the flow: extraction finds images in a request (data URLs, base64 blocks, uploads,
images inside documents, text-less PDF pages) and hands their bytes on; the scan worker decodes
each one safely (:mod:`proxy.ocr.images`) and reads its text (:mod:`proxy.ocr.engine`), and
that text goes through the same normalisation and detectors as typed text. Nothing here
imports mitmproxy; nothing is downloaded (Tesseract's model is the system package's, rapidocr's
is inside its wheel).
"""

from proxy.ocr.engine import OcrEngine, OcrUnavailable, ocr_available
from proxy.ocr.images import ImageRefused, decode_image, looks_like_image
from proxy.ocr.settings import OcrSettings

__all__ = [
    "ImageRefused",
    "OcrEngine",
    "OcrSettings",
    "OcrUnavailable",
    "decode_image",
    "looks_like_image",
    "ocr_available",
]
