"""Images, audio and video: what may be *uninspectable* (the policy's ``uninspectable``
action decides, monitor by default; OCR of images is issue 20's).

Only true media qualify, decided from the bytes, never from a declared type or a filename:
an image must decode as one with Pillow (bounded by ``Image.MAX_IMAGE_PIXELS``: a bigger
image is a decompression bomb, ``too_large``); audio and video must carry their container's
structure. Bytes that read as text are text (that kind is asked first), and anything else
goes on to the other kinds (printable strings in the end). The printable strings of audio
and video (ID3 tags, container metadata) are scanned as well.
"""

from __future__ import annotations

import contextlib
import io
import re
import struct
import warnings

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.binary import strings
from proxy.extract.files.kind import FileKind, Probe, register

MAX_IMAGE_PIXELS = 64_000_000  # 8000 x 8000

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",  # .ico
    b"8BPS",  # .psd
    b"BM",
)
_MPEG_SYNC = (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xfa", b"\xff\xe3")


def image_decodes(data: bytes) -> bool:
    """True when Pillow decodes ``data`` as an image (the first frame is loaded)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise ExtractionError("too_large", "image over the pixel limit")
                image.draft("RGB", (256, 256))  # JPEG: decode at reduced size
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ExtractionError("too_large", "image over the pixel limit") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, struct.error):
        return False
    except Exception:  # Pillow's plugins raise assorted errors on crafted input: not an image
        return False
    return True


def _looks_like_image(head: bytes) -> bool:
    return (
        head.startswith(_IMAGE_MAGIC)
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[4:12] in (b"ftypheic", b"ftypheix", b"ftypavif", b"ftypmif1"))
    )


def audio_video_kind(data: bytes) -> str | None:
    """audio | video when ``data`` starts as an audio or video container or stream does, else
    None. Bytes that read as text were taken by the text kinds before this is asked (a media
    magic number in front of text does not make it media), and images by the image kind."""
    head = data[:16]
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"AVI "):
        size = struct.unpack("<I", head[4:8])[0]
        if size + 8 >= len(data) * 0.9 and data[12:16] in (b"fmt ", b"LIST", b"JUNK", b"bext"):
            return "audio" if head[8:12] == b"WAVE" else "video"
        return None
    if head.startswith(b"ID3") and len(data) > 10:
        flags_ok = data[3] in (2, 3, 4) and all(b < 0x80 for b in data[6:10])
        if not flags_ok:
            return None
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        after = data[10 + size : 10 + size + 4096]
        return "audio" if any(sync in after for sync in _MPEG_SYNC) or not after else None
    if head.startswith(_MPEG_SYNC):
        return "audio"  # MPEG audio frames (MP3 without an ID3 tag)
    if head[:2] in (b"\xff\xf1", b"\xff\xf9"):
        return "audio"  # AAC ADTS frames
    if head.startswith((b"caff", b"#!AMR", b".snd", b"FORM")) or head[:4] == b"MThd":
        return "audio"  # Core Audio, AMR, Sun/NeXT au, AIFF, MIDI
    if len(data) >= 188 * 3 and all(data[i] == 0x47 for i in range(0, 188 * 3, 188)):
        return "video"  # MPEG transport stream (a sync byte every 188 bytes)
    if head.startswith(b"fLaC"):
        return "audio" if data[4] & 0x7F == 0 else None  # STREAMINFO block first
    if head.startswith(b"OggS"):
        return "audio"
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video"  # EBML (matroska / webm)
    if head[4:8] == b"ftyp":  # ISO-BMFF (mp4, mov, m4a, 3gp, dash): every brand not an image
        return "audio" if head[8:11] in (b"M4A", b"M4B", b"M4P") else "video"
    return _container_by_structure(data)


_ASF_HEADER = bytes.fromhex("3026B2758E66CF11A6D900AA0062CE6C")
_ASF_DATA = bytes.fromhex("3626B2758E66CF11A6D900AA0062CE6C")
_FLV_TAGS = (8, 9, 18)  # audio, video, script data
#: ISO-BMFF / QuickTime top-level boxes a file may start with when it has no ``ftyp``
#: (older QuickTime files, DASH/CMAF segments)
_BMFF_FIRST = frozenset(
    {b"moov", b"mdat", b"wide", b"free", b"skip", b"styp", b"moof", b"sidx", b"pnot"}
)
_BMFF_BOXES = _BMFF_FIRST | {b"ftyp", b"uuid", b"udta", b"meta", b"emsg", b"prft", b"mfra"}


def _container_by_structure(data: bytes) -> str | None:
    """Containers recognised by their structure, whatever share of them is printable
    (RT-100: neutral metadata padding must not make a video read as a text-bearing
    binary): FLV (header, then tags whose back-pointers chain), ASF/WMV (header object
    whose size lands on the data object), MPEG program streams (a pack header followed by
    another start code), MPEG video elementary streams, ISO-BMFF boxes without ``ftyp``."""
    head = data[:16]
    if head[:4] == b"FLV\x01" and len(data) >= 13:
        offset = int.from_bytes(data[5:9], "big")
        if (
            offset >= 9
            and data[offset : offset + 4] == b"\x00\x00\x00\x00"
            and _flv_tags(data, offset + 4)
        ):
            return "video"
        return None
    if head == _ASF_HEADER and len(data) >= 30:
        size = int.from_bytes(data[16:24], "little")
        if 30 <= size <= len(data) and (size == len(data) or data[size : size + 16] == _ASF_DATA):
            return "video"
        return None
    if head[:4] == b"\x00\x00\x01\xba":
        if len(data) > 14 and data[4] >> 6 == 1:  # MPEG-2 pack header: 14 bytes + stuffing
            after = 14 + (data[13] & 7)
        elif len(data) > 12 and data[4] >> 4 == 2:  # MPEG-1 pack header: 12 bytes
            after = 12
        else:
            return None
        return "video" if data[after : after + 3] == b"\x00\x00\x01" else None
    if head[:4] == b"\x00\x00\x01\xb3" and len(data) >= 12:  # MPEG-1/2 video sequence header
        return "video" if data[4:7] != b"\x00\x00\x00" and b"\x00\x00\x01" in data[8:4096] else None
    if head[4:8] in _BMFF_FIRST:
        return "video" if _bmff_boxes(data) else None
    return None


def _flv_tags(data: bytes, pos: int) -> bool:
    """At least one FLV tag (or two, when the file has room) whose type is known and whose
    PreviousTagSize field equals its length: a real tag chain, not a magic number in front."""
    seen = 0
    while seen < 2 and pos + 11 <= len(data):
        if data[pos] not in _FLV_TAGS:
            return False
        size = int.from_bytes(data[pos + 1 : pos + 4], "big")
        end = pos + 11 + size
        if end + 4 > len(data) or int.from_bytes(data[end : end + 4], "big") != 11 + size:
            return False
        seen += 1
        pos = end + 4
    return seen >= 1


def _bmff_boxes(data: bytes) -> bool:
    """Two known top-level boxes in a row (or one that fills the file), each size in range."""
    pos = seen = 0
    while seen < 2 and pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        if data[pos + 4 : pos + 8] not in _BMFF_BOXES:
            return False
        if size == 1 and pos + 16 <= len(data):
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        if size < 8 or pos + size > len(data):
            return False
        seen += 1
        pos += size
        if pos == len(data):
            return True
    return seen >= 2


@register
class ImageKind(FileKind):
    name = "image"
    priority = 50

    def matches(self, probe: Probe) -> bool:
        return _looks_like_image(probe.head) and image_decodes(probe.data)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.media("image", where, probe.data)  # kept for OCR in the scan worker
        col.text("\n".join(image_metadata(probe.data)), f"{where}<metadata>")
        if probe.data.startswith(b"\x89PNG\r\n\x1a\n"):
            _png_chunks(col, probe.data, where)
        for view, data in other_views(probe.data):
            col.media("image", f"{where}<{view}>", data)  # OCR reads the first frame only
            col.budget.check_time()


_NETPBM = re.compile(rb"P[1-7][ \t\r\n]")


@register
class NetpbmKind(FileKind):
    """Netpbm rasters (PBM/PGM/PPM/PAM: what SANE's ``scanimage`` writes by default): an
    ASCII header then pixel bytes that may well decode as cp1252 "text", so this is asked
    before the text kinds (RT-115). Pillow must decode it; the picture goes to OCR as PNG."""

    name = "netpbm"
    priority = 36

    def matches(self, probe: Probe) -> bool:
        return _NETPBM.match(probe.head) is not None and image_decodes(probe.data)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        from PIL import Image

        with Image.open(io.BytesIO(probe.data)) as image:
            picture = _png(image.convert("L" if image.mode in ("1", "L", "I", "I;16") else "RGB"))
        col.media("image", where, picture)
        for view, data in other_views(probe.data):
            col.media("image", f"{where}<{view}>", data)
            col.budget.check_time()


#: the text image formats Pillow opens: XBM (C source, ``#define name_width 760``) and XPM
#: (``/* XPM */``, C source too); X11 tools, icon sets and code interpreters read them
_TEXT_IMAGE = re.compile(rb"\s*(?:#define[ \t]+\S*_width[ \t]|/\* XPM \*/)")
#: an XBM's bitmap bytes (``0x00, 0xff, ...``): dropped from its text, which keeps the rest
_XBM_BYTES = re.compile(r"(?:0[xX][0-9a-fA-F]{1,4}\s*,?\s*)+")


@register
class TextImageKind(FileKind):
    """XBM and XPM images: C source text that Pillow draws as a picture (red team RT-115: a
    NINO line as an XBM was read as text and never seen). The picture goes to OCR as PNG;
    the source is read as text as well (its names and comments), XBM without its bitmap
    bytes. Asked before the text kinds; a file that does not decode is left to them."""

    name = "text_image"
    priority = 38

    def matches(self, probe: Probe) -> bool:
        return _TEXT_IMAGE.match(probe.data[:256]) is not None and image_decodes(probe.data)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        from PIL import Image

        with Image.open(io.BytesIO(probe.data)) as image:
            picture = _png(image.convert("L" if image.mode in ("1", "L") else "RGB"))
        col.media("image", where, picture)
        source = probe.data.decode("latin-1")
        col.text(_XBM_BYTES.sub(" ", source), f"{where}<source>")


#: PNG chunks that hold pixels or image structure, or text Pillow already reads
_PNG_READ_ELSEWHERE = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"fdAT", b"tEXt", b"zTXt", b"iTXt"}
)
_PNG_MAX_CHUNKS = 10_000
_PNG_MAX_INFLATE = 256 * 1024  # bytes inflated from one zlib-compressed private chunk


def _png_chunks(col: Collector, data: bytes, where: str) -> None:
    """The printable text of every other PNG chunk (RT-37): private and unknown ancillary
    chunks (``ruSt``, ``prVt``) and registered ones alike reach the provider's storage with
    the file, and ``pngcheck -t`` / a script prints them. A chunk that is a zlib stream is
    read inflated too (bounded)."""
    import zlib

    pos, count = 8, 0
    while pos + 12 <= len(data) and count < _PNG_MAX_CHUNKS:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        count += 1
        if kind in _PNG_READ_ELSEWHERE or not body:
            continue
        at = f"{where}<png {kind.decode('latin-1')}>"
        strings(col, body, at)
        if body[:1] == b"\x78" or b"\x00\x00\x78" in body[:80]:
            start = 0 if body[:1] == b"\x78" else body.find(b"\x00\x00\x78") + 2
            try:
                inflated = zlib.decompressobj().decompress(body[start:], _PNG_MAX_INFLATE)
            except zlib.error:
                continue
            strings(col, inflated, f"{at}<inflated>")
        col.budget.check_time()


#: frames (GIF/APNG/WebP animation, TIFF pages) beyond the first read for OCR; an image with
#: more keeps an unread marker for its rest (``extraction.uninspectable`` decides)
MAX_EXTRA_FRAMES = 15


def other_views(data: bytes) -> list[tuple[str, bytes | None]]:
    """What the first-frame, alpha-dropping OCR read of an image misses, each as its own PNG:
    later frames and pages, and an image with transparency composited on white and on black
    (a chat UI shows it on its background; text drawn only in the alpha channel is black on
    black once alpha is dropped). ``(view, None)`` marks frames past the bound."""
    from PIL import Image

    views: list[tuple[str, bytes | None]] = []
    with Image.open(io.BytesIO(data)) as image:
        frames = getattr(image, "n_frames", 1) or 1
        for index in range(frames):
            if index > MAX_EXTRA_FRAMES:
                views.append((f"frames {index + 1}-{frames} unread", None))
                break
            image.seek(index)
            frame = image.convert("RGBA") if image.mode != "RGB" else image.convert("RGB")
            if index:
                views.append((f"frame {index + 1}", _png(frame.convert("RGB"))))
            if frame.mode == "RGBA":
                low, high = frame.getchannel("A").getextrema()
                if low < 128 <= high:  # some of it is transparent: what a viewer composites
                    for name, colour in (("on white", (255, 255, 255)), ("on black", (0, 0, 0))):
                        ground = Image.new("RGB", frame.size, colour)
                        ground.paste(frame, mask=frame.getchannel("A"))
                        views.append((f"frame {index + 1} {name}", _png(ground)))
    return views


def _png(image: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")  # type: ignore[attr-defined]
    return buf.getvalue()


#: EXIF tags that hold text a viewer shows (ImageDescription, Make, Model, Software, Artist,
#: Copyright, UserComment, the Windows XP title/comment/author/keywords/subject)
_EXIF_TEXT = (
    0x010E,
    0x010F,
    0x0110,
    0x0131,
    0x013B,
    0x8298,
    0x9286,
    0x9C9B,
    0x9C9C,
    0x9C9D,
    0x9C9E,
    0x9C9F,
)
_EXIF_IFD = 0x8769


def image_metadata(data: bytes) -> list[str]:
    """Text an image carries besides its pixels, as Pillow reads it: PNG tEXt/zTXt/iTXt
    chunks, JPEG and GIF comments, EXIF text tags (also in WebP/PNG eXIf), XMP packets."""
    from PIL import Image

    out: list[str] = []
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "PNG":
                image.load()  # text chunks after the image data are read with it
            info = dict(image.info)
            text = getattr(image, "text", None)
            if isinstance(text, dict):
                info.update(text)
            exif = image.getexif()
    except Exception:  # Pillow raises assorted errors on crafted input: nothing more to read
        return out
    for key, value in info.items():
        if key in ("exif", "icc_profile", "transparency", "dpi", "gamma"):
            continue
        if key in ("xmp", "XML:com.adobe.xmp"):
            out.append(_xmp_text(value))
        elif isinstance(value, str):
            out.append(value)
        elif isinstance(value, bytes) and key == "comment":
            out.append(value.decode("utf-8", "replace"))
    tags = dict(exif.items())
    with contextlib.suppress(Exception):  # a damaged EXIF IFD: the main IFD still counts
        tags.update(exif.get_ifd(_EXIF_IFD))
    for tag in _EXIF_TEXT:
        value = tags.get(tag)
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, bytes):
            out.append(_exif_bytes(tag, value))
    return [item.strip("\x00 ") for item in out if item and item.strip("\x00 ")]


def _exif_bytes(tag: int, value: bytes) -> str:
    if tag >= 0x9C9B:  # XP* tags: UTF-16LE
        return value.decode("utf-16-le", "replace")
    if tag == 0x9286 and value[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00", b"\x00" * 8):
        codec = "utf-16-le" if value[:8] == b"UNICODE\x00" else "latin-1"
        return value[8:].decode(codec, "replace")
    return value.decode("utf-8", "replace")


def _xmp_text(value: object) -> str:
    """An XMP packet's character data and attribute values (expat; no DTD)."""
    from xml.parsers import expat

    raw = value.encode("utf-8") if isinstance(value, str) else value
    if not isinstance(raw, bytes):
        return ""
    parts: list[str] = []
    parser = expat.ParserCreate()
    parser.StartElementHandler = lambda _n, attrs: parts.extend(attrs.values())
    parser.CharacterDataHandler = parts.append

    def refuse(*_args: object) -> None:
        raise ValueError("DTD")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(raw, True)
    except (expat.ExpatError, ValueError):
        return raw.decode("utf-8", "replace")
    return " ".join(p.strip() for p in parts if p.strip())


@register
class AudioVideoKind(FileKind):
    name = "audio_video"
    priority = 51

    def matches(self, probe: Probe) -> bool:
        return audio_video_kind(probe.data) is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.media(audio_video_kind(probe.data) or "audio", where)
        strings(col, probe.data, where)
