"""Red-team round F residuals on the content layer: container fields readers show besides
the content (RT-112 addendum), the multipart boundary string (RT-95), XBM images (RT-115).
Each payload is built here and read back by the standard reader (gzip, zipfile, werkzeug,
Pillow) to prove the value is really there."""

from __future__ import annotations

import gzip
import io
import re
import struct
import zipfile

from werkzeug.formparser import parse_form_data

from proxy.extract import Extraction, extract
from tests.unit.extract.extract_helpers import joined, multipart, request

FILES = "https://api.openai.com/v1/files"
NINO = "JG103729A"  # valid-format, made up


def words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z0-9]+", text))


def _extraction(data: bytes, filename: str, ctype: str) -> Extraction:
    body, content_type = multipart([("file", filename, ctype, data)])
    return extract(request(FILES, body, content_type))


def _upload(data: bytes, filename: str, ctype: str) -> str:
    return joined(_extraction(data, filename, ctype))


def _places(data: bytes, filename: str, ctype: str) -> str:
    return " ".join(segment.where for segment in _extraction(data, filename, ctype).segments)


# -- RT-112 addendum: gzip FNAME of an uploaded .gz file, zip extra fields ------------------


def test_gz_file_name_field_is_read() -> None:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=f"claimant_{NINO}.txt", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(b"Quarterly update, nothing personal.")
    data = buf.getvalue()
    assert NINO.encode() in data[10:40]  # the header's FNAME (gzip.open never shows it)
    assert gzip.decompress(data) == b"Quarterly update, nothing personal."
    assert NINO in re.split(r"[_.\s]", _upload(data, "notes.txt.gz", "application/gzip"))


def test_plain_gz_file_gives_no_header_text() -> None:
    data = gzip.compress(b"Quarterly update, nothing personal.", mtime=0)
    assert "<gzip header>" not in _places(data, "notes.txt.gz", "application/gzip")


def _zip_with_extra(extra: bytes, content: str = "Quarterly update.") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("notes.txt")
        info.extra = extra
        zf.writestr(info, content)
    return buf.getvalue()


def test_zip_extra_field_text_is_read() -> None:
    line = f"Claimant NI {NINO}".encode()
    data = _zip_with_extra(struct.pack("<HH", 0xCAFE, len(line)) + line)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        (info,) = zf.infolist()
        assert line in info.extra  # what zipfile (and zipinfo -v) reads
        assert zf.read(info) == b"Quarterly update."
    assert NINO in words(_upload(data, "pack.zip", "application/zip"))


def test_zip_local_header_extra_field_is_read_too() -> None:
    """Streaming readers see the local header's extra field, which may differ from the
    central directory's copy: the value only in the local one."""
    line = f"NI {NINO}".encode()
    data = bytearray(_zip_with_extra(struct.pack("<HH", 0xCAFE, len(line)) + b"x" * len(line)))
    local = data.index(b"x" * len(line))  # the local header's copy comes first
    data[local : local + len(line)] = line
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        (info,) = zf.infolist()
        assert line not in info.extra and zf.read(info) == b"Quarterly update."
    assert NINO in words(_upload(bytes(data), "pack.zip", "application/zip"))


def test_ordinary_zip_extra_fields_give_no_text() -> None:
    """Info-ZIP's extended timestamp and uid/gid fields are binary."""
    timestamp = struct.pack("<HHBI", 0x5455, 5, 1, 1_700_000_000)
    unix = struct.pack("<HHBBIBI", 0x7875, 11, 1, 4, 1000, 4, 1000)
    data = _zip_with_extra(timestamp + unix)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.infolist()[0].extra == timestamp + unix
    assert ".extra" not in _places(data, "pack.zip", "application/zip")


# -- RT-95: the multipart boundary string -----------------------------------------------------


def _form(boundary: str) -> tuple[bytes, str]:
    return multipart([("purpose", None, None, b"assistants"),
                      ("file", "a.txt", "text/plain", b"quarterly update")], boundary=boundary)  # fmt: skip


def test_a_value_glued_inside_the_boundary_is_set_apart() -> None:
    body, ctype = _form(f"NI{NINO}x")
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": ctype, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}  # fmt: skip
    _, form, files = parse_form_data(environ)  # werkzeug reads the body with this boundary
    assert form["purpose"] == "assistants" and files["file"].read() == b"quarterly update"
    assert NINO.encode() in body and NINO in ctype
    assert NINO in words(joined(extract(request(FILES, body, ctype))))


def test_ordinary_boundaries_are_read_as_they_are() -> None:
    for boundary in ("----WebKitFormBoundary7MA4YWxkTrZu0gW", "3d6b6a416f9b5a8e2c7d4f1b0a9e8c7d",
                     "===============4729474749127491843=="):  # fmt: skip
        segments = extract(request(FILES, *_form(boundary))).segments
        (seen,) = [s.text for s in segments if s.where.endswith(".boundary")]
        assert seen == boundary


# -- RT-115: XBM / XPM, images that are C source text ----------------------------------------


def _xbm(line: str) -> bytes:
    from PIL import Image

    from tests.images import render

    picture = Image.open(io.BytesIO(render([line], (760, 230))))
    buf = io.BytesIO()
    picture.convert("1").save(buf, "XBM")
    return buf.getvalue()


def test_an_xbm_image_goes_to_ocr_as_a_picture() -> None:
    from PIL import Image

    from proxy.ocr.engine import OcrEngine, ocr_available
    from proxy.ocr.settings import OcrSettings

    data = _xbm(f"Claimant NI number {NINO}")
    assert data.startswith(b"#define") and NINO.encode() not in data
    assert Image.open(io.BytesIO(data)).size == (760, 230)  # Pillow reads it back
    extraction = extract(
        request("https://files.oaiusercontent.com/f", data, "image/x-xbitmap", "PUT")
    )
    assert extraction.uninspectable == ["image:upload"]  # a picture, until OCR reads it
    (sent,) = extraction.images
    assert Image.open(io.BytesIO(sent.data)).format == "PNG"
    source = [s.text for s in extraction.segments if s.where.endswith("<source>")]
    assert source and "0x" not in source[0] and "_width 760" in source[0]
    if ocr_available():
        assert NINO in OcrEngine(OcrSettings()).read(sent.data).replace(" ", "")


def test_c_source_with_a_width_define_is_text() -> None:
    data = b"#define buffer_width 80\nint main(void) { return 0; }\n"
    extraction = extract(request("https://files.oaiusercontent.com/f", data, "text/plain", "PUT"))
    assert extraction.segments and not extraction.images
