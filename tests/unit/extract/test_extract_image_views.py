"""RT-70: what a first-frame, alpha-dropping OCR read of an image misses is handed to OCR as
images of its own: later frames of an animated GIF/APNG, later TIFF pages, and an image with
transparency composited on white and on black. Each image is drawn here with Pillow; each
view is read back with Pillow and compared with the frame (or composite) it stands for."""

from __future__ import annotations

import io

from PIL import Image, ImageChops

from proxy.extract import extract
from proxy.extract.files.media import MAX_EXTRA_FRAMES
from tests.images import render
from tests.unit.extract.extract_helpers import request

UPLOAD = "https://files.oaiusercontent.com/file-img"
DECOY = ["Quarterly team update"]
SECRET = ["Quarterly team update", "Claimant NI number JG 10 37 29 A"]


def frames(fmt: str, count: int = 2) -> bytes:
    pictures = [Image.open(io.BytesIO(render((DECOY if i == 0 else SECRET) + [f"page {i}"],
                                             size=(640, 200)))) for i in range(count)]  # fmt: skip
    buf = io.BytesIO()
    pictures[0].save(buf, fmt, save_all=True, append_images=pictures[1:])
    return buf.getvalue()


def views(data: bytes) -> dict[str, bytes]:
    extraction = extract(request(UPLOAD, data, "application/octet-stream", "PUT"))
    return {image.where: image.data for image in extraction.images}


def same_pixels(a: Image.Image, b: Image.Image) -> bool:
    return ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None


def test_later_frames_and_pages_are_given_to_ocr() -> None:
    for fmt in ("GIF", "PNG", "TIFF"):  # animated GIF, APNG, a two-page TIFF
        data = frames(fmt)
        with Image.open(io.BytesIO(data)) as image:
            assert image.n_frames == 2
            image.seek(1)
            second = image.convert("RGB")
        got = views(data)
        assert "upload<frame 2>" in got, fmt
        assert same_pixels(Image.open(io.BytesIO(got["upload<frame 2>"])), second), fmt


def test_text_drawn_only_in_the_alpha_channel_is_composited_for_ocr() -> None:
    """Black pixels everywhere; the text is where alpha is 255: dropping alpha gives black
    on black, composited on white the text shows."""
    mask = Image.open(io.BytesIO(render(SECRET, size=(640, 200)))).convert("L")
    alpha = mask.point(lambda v: 255 if v < 128 else 0)
    picture = Image.new("RGBA", (640, 200), (0, 0, 0, 0))
    picture.putalpha(alpha)
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    data = buf.getvalue()
    assert Image.open(io.BytesIO(data)).convert("RGB").getextrema() == ((0, 0), (0, 0), (0, 0))
    got = views(data)
    on_white = Image.open(io.BytesIO(got["upload<frame 1 on white>"])).convert("L")
    assert same_pixels(on_white, mask.point(lambda v: 0 if v < 128 else 255))
    assert "upload<frame 1 on black>" in got


def test_an_opaque_still_image_gets_no_extra_view() -> None:
    assert list(views(render(SECRET, size=(640, 200)))) == ["upload"]


def test_frames_past_the_bound_stay_unread_and_marked() -> None:
    data = frames("GIF", MAX_EXTRA_FRAMES + 3)
    extraction = extract(request(UPLOAD, data, "application/octet-stream", "PUT"))
    assert any("unread" in item for item in extraction.uninspectable)
    assert len(extraction.images) == MAX_EXTRA_FRAMES + 1
