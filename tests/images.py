"""Images built in tests (unit and e2e): drawn text, and a PNG that only claims its size."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def render(
    lines: list[str],
    size: tuple[int, int] = (1280, 720),
    fmt: str = "PNG",
    font_size: int = 24,
    spacing: int = 44,
) -> bytes:
    """``lines`` drawn black on white; read back by Pillow to prove it is a real image."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    face = (
        ImageFont.truetype(str(FONT), font_size)
        if FONT.is_file()
        else ImageFont.load_default(font_size)
    )
    for i, line in enumerate(lines):
        draw.text((40, 40 + spacing * i), line, fill="black", font=face)
    out = io.BytesIO()
    image.save(out, fmt)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).size == size
    return data


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )
