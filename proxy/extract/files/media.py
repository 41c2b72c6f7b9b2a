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
    """audio | video when ``data`` has a real container structure, else None."""
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
        return "audio" if data.count(head[:2]) >= 3 else None
    if head.startswith(b"fLaC"):
        return "audio" if data[4] & 0x7F == 0 else None  # STREAMINFO block first
    if head.startswith(b"OggS"):
        return "audio" if data[4] == 0 and data.count(b"OggS") >= 2 else None
    if head.startswith(b"\x1aE\xdf\xa3"):
        return "video"  # EBML (matroska / webm)
    if head[4:8] == b"ftyp":
        box = struct.unpack(">I", head[:4])[0]
        nxt = data[box + 4 : box + 8] if 8 <= box < len(data) else b""
        if nxt.isalpha() or nxt in (b"moov", b"mdat", b"free", b"wide", b"skip"):
            return "audio" if head[8:11] == b"M4A" else "video"
    return None


@register
class ImageKind(FileKind):
    name = "image"
    priority = 50

    def matches(self, probe: Probe) -> bool:
        return _looks_like_image(probe.head) and image_decodes(probe.data)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.media("image", where, probe.data)  # kept for OCR in the scan worker


@register
class AudioVideoKind(FileKind):
    name = "audio_video"
    priority = 51

    def matches(self, probe: Probe) -> bool:
        return audio_video_kind(probe.data) is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.media(audio_video_kind(probe.data) or "audio", where)
        strings(col, probe.data, where)
