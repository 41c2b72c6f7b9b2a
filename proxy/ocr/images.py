"""Decode an image safely, from what it is rather than what it claims to be.

Pillow reads only the header at ``open``; the pixel count is checked against the limit before
any pixel is decoded, so a 100,000 x 100,000 PNG costs nothing. Animated images give their
first frame. Anything Pillow cannot identify is not an image (the caller decides whether it
is text).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageFile, UnidentifiedImageError

# The pixel bound is ours (checked before decoding); Pillow's own is a second line of defence.
Image.MAX_IMAGE_PIXELS = 200_000_000
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: Formats a browser or an AI tool accepts as images, and Pillow decodes.
IMAGE_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP", "TIFF", "BMP", "MPO", "ICO"})


class ImageRefused(Exception):
    """The bytes are an image that will not be read; ``reason`` is a bounded token."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason  # too_large | damaged


def looks_like_image(data: bytes) -> bool:
    """True when Pillow identifies ``data`` as one of :data:`IMAGE_FORMATS` (header only)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.format in IMAGE_FORMATS
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return False


def decode_image(data: bytes, *, max_pixels: int, max_side: int) -> Image.Image:
    """The first frame of ``data`` as an RGB image at most ``max_side`` pixels wide.

    Raises :class:`ImageRefused` (``too_large`` past ``max_pixels``, ``damaged`` when the
    pixels do not decode) or :class:`ValueError` when ``data`` is not an image at all.
    """
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, SyntaxError) as exc:
        raise ValueError("not an image") from exc
    except Image.DecompressionBombError as exc:
        raise ImageRefused("too_large", "image dimensions over the limit") from exc
    if image.format not in IMAGE_FORMATS:
        raise ValueError(f"not an image format we read: {image.format}")
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise ImageRefused("too_large", f"{width}x{height} is over {max_pixels} pixels")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.seek(0)
            image.load()
        frame = image.convert("RGB")
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused("damaged", "image pixels do not decode") from exc
    if frame.width > max_side:  # long pages are read in bands, so only the width is capped
        frame.thumbnail((max_side, max(1, frame.height * max_side // frame.width)))
    return frame
