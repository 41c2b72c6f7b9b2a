"""Images, audio, video and compressed archives we cannot open (7z, rar, bzip2, xz): known by
their magic numbers (or, failing that, a declared ``image/``, ``audio/``, ``video/`` type).
They are *uninspectable*: recorded for the policy to decide, never passed as "clean"."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.kind import FileKind, Probe, register

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",  # .ico
    b"8BPS",  # .psd
)
_AUDIO_MAGIC = (b"ID3", b"fLaC", b"OggS", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"#!AMR", b"MThd")
_VIDEO_MAGIC = (b"\x1aE\xdf\xa3",)  # matroska / webm
_ARCHIVE_MAGIC = (b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"BZh", b"\xfd7zXZ\x00")


def magic_kind(head: bytes) -> str | None:
    """image | audio | video | archive from the first 16 bytes, or None."""
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypavif", b"ftypmif1"):
        return "image"
    if head.startswith(_AUDIO_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WAVE"):
        return "audio"
    if head[4:8] == b"ftyp" or head.startswith(_VIDEO_MAGIC):
        return "video"  # mp4 / mov / m4a
    if head.startswith(_ARCHIVE_MAGIC):
        return "archive"
    return None


@register
class MediaByMagic(FileKind):
    name = "media"
    priority = 50

    def matches(self, probe: Probe) -> bool:
        return magic_kind(probe.head) is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.media(magic_kind(probe.head) or "binary", where)


@register
class MediaByType(FileKind):
    name = "declared_media"
    priority = 90

    def matches(self, probe: Probe) -> bool:
        mime = probe.mime
        return (mime.startswith("image/") and mime != "image/svg+xml") or mime.startswith(
            ("audio/", "video/")
        )

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.media(probe.mime.split("/", 1)[0], where)
