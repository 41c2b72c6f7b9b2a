"""Extraction keeps the bytes of every image it finds, for OCR in the scan worker (issue 20).

Rule: wherever an AI tool would receive an image (an upload, a base64 block, an image inside
an office document, a page of a scanned PDF), extraction hands its bytes on, under the
``uninspectable`` marker that OCR removes once it has read it.
"""

from __future__ import annotations

import base64
import io
import zipfile

from PIL import Image

from proxy.extract import extract
from proxy.extract.collector import MAX_IMAGES
from tests.unit.extract.extract_helpers import docx_bytes, request

UPLOAD = "https://files.oaiusercontent.com/file-abc"


def png(size: tuple[int, int] = (40, 20), colour: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_an_uploaded_image_keeps_its_bytes_under_its_marker():
    data = png()
    result = extract(request(UPLOAD, data, content_type="image/png", method="PUT"))
    assert [(i.marker, i.data) for i in result.images] == [(result.uninspectable[0], data)]
    assert result.uninspectable[0].startswith("image:")


def test_an_anthropic_base64_image_block_keeps_its_bytes():
    data = png()
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": base64.b64encode(data).decode(),
                        },
                    },
                    {"type": "text", "text": "what does this say?"},
                ],
            }
        ],
    }
    result = extract(request("https://api.anthropic.com/v1/messages", body))
    assert [i.data for i in result.images] == [data]


def test_an_openai_data_url_image_keeps_its_bytes():
    data = png()
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}
        ],
    }
    result = extract(request("https://api.openai.com/v1/chat/completions", body))
    assert [i.data for i in result.images] == [data]


def test_an_image_inside_a_docx_keeps_its_bytes():
    data = png()
    buf = io.BytesIO(docx_bytes("Report body"))
    with zipfile.ZipFile(buf, "a") as zf:
        zf.writestr("word/media/image1.png", data)
    result = extract(request(UPLOAD, buf.getvalue(), content_type="application/octet-stream",
                             method="PUT"))  # fmt: skip
    assert [i.data for i in result.images] == [data]
    assert result.images[0].marker in result.uninspectable


def test_a_scanned_pdf_page_hands_on_its_picture():
    """A PDF page with no text layer but a picture: the picture goes to OCR."""
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, "PDF")
    result = extract(request(UPLOAD, out.getvalue(), content_type="application/pdf", method="PUT"))
    assert len(result.uninspectable) == 1
    assert result.uninspectable[0].endswith("<page 1><no text layer>")
    assert len(result.images) == 1 and result.images[0].marker == result.uninspectable[0]
    assert Image.open(io.BytesIO(result.images[0].data)).size == (300, 200)


def test_image_bytes_kept_are_bounded():
    """Rule: at most MAX_IMAGES images are kept; the rest stay markers (uninspectable)."""
    files = {f"word/media/image{n}.png": png(colour=("white" if n % 2 else "black"))
             for n in range(MAX_IMAGES + 5)}  # fmt: skip
    buf = io.BytesIO(docx_bytes("Report body"))
    with zipfile.ZipFile(buf, "a") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    result = extract(request(UPLOAD, buf.getvalue(), content_type="application/octet-stream",
                             method="PUT"))  # fmt: skip
    assert len(result.images) == MAX_IMAGES
    assert len(result.uninspectable) == MAX_IMAGES + 5
