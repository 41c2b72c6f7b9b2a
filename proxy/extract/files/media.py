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
    return None


@register
class ImageKind(FileKind):
    name = "image"
    priority = 50

    def matches(self, probe: Probe) -> bool:
        return _looks_like_image(probe.head) and image_decodes(probe.data)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.media("image", where, probe.data)  # kept for OCR in the scan worker
        col.text("\n".join(image_metadata(probe.data)), f"{where}<metadata>")
        for view, data in other_views(probe.data):
            col.media("image", f"{where}<{view}>", data)  # OCR reads the first frame only
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
