"""Round E content residuals: media judged by structure, not by printable share (RT-100:
FLV / ASF / MPEG-PS / QuickTime boxes padded with neutral metadata); every PNG chunk's text
(RT-37: a private ancillary chunk); multipart part headers besides name and filename (RT-95:
``X-Note``, Content-Type and Content-Disposition parameters). Each payload is built here and
read back (the container walked as a demuxer does, Pillow and a CRC check for PNG, werkzeug's
multipart parser for the part headers)."""

from __future__ import annotations

import base64
import io
import os
import struct
import zlib

import pytest
from PIL import Image
from werkzeug.sansio.multipart import Epilogue, Field, File, MultipartDecoder, NeedData

from detectors.engine import ScanEngine
from proxy.extract import extract
from proxy.extract.files.media import audio_video_kind
from tests.unit.extract.extract_helpers import request

NINO = "JG103729A"
NEUTRAL = b"Quarterly team update recorded at the Leeds office. " * 40
GEMINI = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def flv(meta_text: bytes = NEUTRAL) -> bytes:
    def tag(kind: int, body: bytes) -> bytes:
        return (
            bytes([kind])
            + len(body).to_bytes(3, "big")
            + bytes(7)
            + body
            + (11 + len(body)).to_bytes(4, "big")
        )

    meta = b"\x02\x00\x0aonMetaData\x08\x00\x00\x00\x01\x00\x0bdescription\x02"
    meta += struct.pack(">H", len(meta_text)) + meta_text + b"\x00\x00\x09"
    header = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"
    return header + tag(0x12, meta) + b"".join(tag(0x09, os.urandom(400)) for _ in range(10))


def asf() -> bytes:
    text = ("Quarterly team update, Leeds office. " * 30).encode("utf-16-le")
    description = bytes.fromhex("3326B2758E66CF11A6D900AA0062CE6C")
    description += struct.pack("<Q", 34 + len(text)) + struct.pack("<HHHHH", len(text), 0, 0, 0, 0)
    body = struct.pack("<I", 1) + b"\x01\x02" + description + text
    header = bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C") + struct.pack("<Q", 24 + len(body))
    data = bytes.fromhex("3626B2758E66CF11A6D900AA0062CE6C") + struct.pack("<Q", 50 + 3000)
    return header + body + data + os.urandom(3026)


def mpeg_ps() -> bytes:
    pack = b"\x00\x00\x01\xba\x44\x00\x04\x00\x04\x01\x01\x89\xc3\xf8"
    user_data = b"\x00\x00\x01\xb2" + NEUTRAL
    return b"".join(
        pack + (user_data if i == 0 else b"") + b"\x00\x00\x01\xe0\x07\xec" + os.urandom(2024)
        for i in range(3)
    )


def quicktime_without_ftyp() -> bytes:
    def box(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", 8 + len(body)) + kind + body

    return box(b"wide", b"") + box(b"mdat", os.urandom(4000)) + box(b"moov", b"udta" + NEUTRAL)


def walk_flv(data: bytes) -> list[int]:
    """Tag types, each tag's back-pointer checked: what an FLV demuxer walks."""
    pos, kinds = int.from_bytes(data[5:9], "big") + 4, []
    while pos < len(data):
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        assert int.from_bytes(data[pos + 11 + size : pos + 15 + size], "big") == 11 + size
        kinds.append(data[pos])
        pos += 15 + size
    return kinds


def printable_share(data: bytes) -> float:
    return sum(32 <= b < 127 for b in data) / len(data)


CONTAINERS = {"flv": flv, "asf": asf, "mpeg-ps": mpeg_ps, "quicktime": quicktime_without_ftyp}


@pytest.mark.parametrize("kind", sorted(CONTAINERS))
def test_padded_containers_are_media_whatever_their_printable_share(kind: str) -> None:
    data = CONTAINERS[kind]()
    if kind == "flv":
        assert walk_flv(data) == [0x12] + [0x09] * 10
    assert printable_share(data) > 0.10  # the padding that beat the printable-share rule
    assert audio_video_kind(data) == "video"
    body = {"contents": [{"parts": [{"inlineData": {"mimeType": "video/mp4",
            "data": base64.b64encode(data).decode()}}, {"text": "Transcribe this."}]}]}  # fmt: skip
    extraction = extract(request(GEMINI, body))
    assert extraction.uninspectable == ["video:contents[0].parts[0].inlineData"]


def test_a_padded_containers_metadata_is_still_scanned(engine) -> None:
    data = flv(b"Claimant NI number " + NINO.encode() + b" " + NEUTRAL)
    extraction = extract(request("https://files.oaiusercontent.com/f", data, "video/x-flv", "PUT"))
    assert extraction.uninspectable
    assert (
        "PERSONAL_DATA" in engine.scan("\n\n".join(s.text for s in extraction.segments)).categories
    )


@pytest.mark.parametrize(
    "data",
    [b"FLV\x01" + os.urandom(3000), b"\x00\x00\x01\xba" + os.urandom(3000),
     bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C") + os.urandom(3000),
     b"\x00\x00\x10\x00mdat" + os.urandom(100)],
    ids=["flv magic", "ps magic", "asf guid", "box too long"],
)  # fmt: skip
def test_a_magic_number_in_front_of_random_bytes_is_not_a_container(data: bytes) -> None:
    assert audio_video_kind(data) is None


def png_with_chunk(kind: bytes, body: bytes) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, "PNG")
    png = buf.getvalue()
    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return png[:33] + chunk + png[33:]  # after IHDR (8-byte signature + 25-byte IHDR)


def chunks(data: bytes) -> dict[bytes, bytes]:
    """Every chunk, its CRC checked: what a PNG reader walks."""
    pos, out = 8, {}
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        assert int.from_bytes(data[pos + 8 + length : pos + 12 + length], "big") == zlib.crc32(
            kind + body
        )
        out[kind] = body
        pos += 12 + length
    return out


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "zlib"])
def test_text_in_a_private_png_chunk_is_read(engine, compressed: bool) -> None:
    text = b"Claimant NI number " + NINO.encode()
    data = png_with_chunk(b"ruSt", zlib.compress(text) if compressed else text)
    assert Image.open(io.BytesIO(data)).size == (40, 20)  # still a PNG Pillow opens
    stored = chunks(data)[b"ruSt"]
    assert (zlib.decompress(stored) if compressed else stored) == text
    extraction = extract(request("https://files.oaiusercontent.com/f", data, "image/png", "PUT"))
    assert any(NINO in s.text and "<png ruSt>" in s.where for s in extraction.segments)
    assert (
        "PERSONAL_DATA" in engine.scan("\n\n".join(s.text for s in extraction.segments)).categories
    )


def test_a_plain_png_gives_no_chunk_text() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buf, "PNG", dpi=(72, 72))
    extraction = extract(
        request("https://files.oaiusercontent.com/f", buf.getvalue(), "image/png", "PUT")
    )
    assert not any("<png " in s.where for s in extraction.segments)


B = "bNd4ry9"
PART_HEADERS = {
    "custom header": 'name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\nX-Note: NI {n}',
    "content-type parameter": 'name="file"; filename="a.txt"\r\nContent-Type: text/plain; note="NI {n}"',
    "disposition parameter": 'name="file"; filename="a.txt"; note="NI {n}"\r\nContent-Type: text/plain',
}


@pytest.mark.parametrize("case", sorted(PART_HEADERS))
def test_multipart_part_headers_are_read(engine, case: str) -> None:
    head = "Content-Disposition: form-data; " + PART_HEADERS[case].format(n=NINO)
    body = (
        f'--{B}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        f"--{B}\r\n{head}\r\n\r\nquarterly update\r\n--{B}--\r\n"
    ).encode()
    decoder = MultipartDecoder(B.encode())
    decoder.receive_data(body)
    decoder.receive_data(None)
    events = []
    while not isinstance(event := decoder.next_event(), Epilogue | NeedData):
        if isinstance(event, Field | File):
            events.append(event)
    assert NINO in str(events[-1].headers)  # what werkzeug hands the server with the file
    extraction = extract(request("https://api.openai.com/v1/files", body,
                                 f"multipart/form-data; boundary={B}"))  # fmt: skip
    assert any(NINO in s.text and s.where == "multipart.file.headers" for s in extraction.segments)
    assert (
        "PERSONAL_DATA" in engine.scan("\n\n".join(s.text for s in extraction.segments)).categories
    )


def test_ordinary_part_headers_add_nothing() -> None:
    body = (
        f'--{B}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nquarterly update\r\n--{B}--\r\n"
    ).encode()
    extraction = extract(request("https://api.openai.com/v1/files", body,
                                 f"multipart/form-data; boundary={B}"))  # fmt: skip
    assert not any(s.where.endswith(".headers") for s in extraction.segments)


@pytest.mark.parametrize("mode", ["RGB", "L", "1"], ids=["ppm", "pgm", "pbm"])
def test_netpbm_scans_go_to_ocr_as_pictures(mode: str) -> None:
    """RT-115: ``scanimage`` writes PNM; its pixel bytes after the ASCII header can read as
    cp1252 text, so it was read as text and never OCR'd."""
    from tests.images import render

    picture = Image.open(io.BytesIO(render(["Claimant NI number JG 10 37 29 A"], (900, 200))))
    buf = io.BytesIO()
    picture.convert(mode).save(buf, "PPM")
    data = buf.getvalue()
    assert data[:2] in (b"P4", b"P5", b"P6")
    assert Image.open(io.BytesIO(data)).size == (900, 200)  # Pillow reads it back
    extraction = extract(
        request("https://files.oaiusercontent.com/f", data, "image/x-portable-pixmap", "PUT")
    )
    assert extraction.uninspectable == ["image:upload"]  # a picture, until OCR reads it
    assert len(extraction.images) == 1
    sent = Image.open(io.BytesIO(extraction.images[0].data))
    assert sent.format == "PNG" and sent.size == (900, 200)
    assert not extraction.segments  # not read as text


def test_text_starting_like_a_netpbm_header_is_text() -> None:
    data = b"P1 priorities for the quarter: hiring, budget, training.\n" * 3
    extraction = extract(request("https://files.oaiusercontent.com/f", data, "text/plain", "PUT"))
    assert extraction.segments and not extraction.images


EBCDIC_RECORD = "Claimant: Jane Smith, NI number JG103729A, DOB 04/07/1961, Leeds office."


@pytest.mark.parametrize("codec", ["cp500", "cp037", "cp1140"])
@pytest.mark.parametrize("line_end", ["", "\n", "\x85"], ids=["one line", "LF", "NEL"])
def test_an_ebcdic_text_file_is_read_in_ebcdic(engine, codec: str, line_end: str) -> None:
    """RT-113: a mainframe export, no charset declared; Python reads it back with its codec."""
    text = (EBCDIC_RECORD + line_end) * 4
    data = text.encode(codec)
    assert data.decode(codec) == text  # what ``open(..., encoding="cp500")`` reads
    assert NINO.encode() not in data
    extraction = extract(
        request("https://files.oaiusercontent.com/f", data, "application/octet-stream", "PUT")
    )
    assert any(NINO in s.text for s in extraction.segments if s.where.endswith("<ebcdic>"))
    assert (
        "PERSONAL_DATA" in engine.scan("\n\n".join(s.text for s in extraction.segments)).categories
    )


def test_ascii_and_latin_text_get_no_ebcdic_reading() -> None:
    for data in (
        b"Quarterly update for the team, Leeds office.\n" * 5,
        "Café menu: crème brûlée, pâté.".encode("cp1252") * 5,
    ):
        extraction = extract(
            request("https://files.oaiusercontent.com/f", data, "text/plain", "PUT")
        )
        assert not any(s.where.endswith("<ebcdic>") for s in extraction.segments)


CSS_SPLIT = (
    "<html><head><style>.n::before{content:\"JG10\"}\n.n::after { content: '3729A' }</style></head>"
    '<body><p>Claimant NI <span class="n"></span>, arrears letter.</p></body></html>'
)


def test_css_generated_content_in_two_rules_is_read_joined(engine) -> None:
    """RT-69: a browser draws ``::before`` and ``::after`` around the empty span."""
    from html.parser import HTMLParser

    class Spans(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.styles: list[str] = []
            self.texts: list[str] = []

        def handle_data(self, data: str) -> None:
            (self.styles if self.lasttag == "style" else self.texts).append(data)

    reader = Spans()
    reader.feed(CSS_SPLIT)
    assert NINO not in "".join(reader.texts)  # the page's own text
    assert "JG10" in reader.styles[0] and "3729A" in reader.styles[0]
    data = CSS_SPLIT.encode()
    extraction = extract(request("https://files.oaiusercontent.com/f", data, "text/html", "PUT"))
    assert any(NINO in s.text for s in extraction.segments)
    assert (
        "PERSONAL_DATA" in engine.scan("\n\n".join(s.text for s in extraction.segments)).categories
    )


def test_css_escaped_before_content_is_drawn_into_the_element(engine) -> None:
    """RT-69 addendum: ``\\4A \\47 ...`` escapes in ``::before`` in front of a span's own ``29A``."""
    html = (
        r'<html><head><style>.n::before{content:"\4A \47 \31 \30 \33 \37"}</style></head>'
        r'<body><p>Claimant NI <span class="n">29A</span>, arrears letter.</p></body></html>'
    )
    escapes = ["4A", "47", "31", "30", "33", "37"]
    assert all(f"\\{h}" in html for h in escapes)  # as written in the style sheet
    assert "".join(chr(int(h, 16)) for h in escapes) + "29A" == NINO  # what the browser draws
    data = html.encode()
    extraction = extract(request("https://files.oaiusercontent.com/f", data, "text/html", "PUT"))
    assert any(f"Claimant NI {NINO}" in s.text for s in extraction.segments)
    assert (
        "PERSONAL_DATA" in engine.scan("\n\n".join(s.text for s in extraction.segments)).categories
    )
