"""Files → text: plain text and source code, CSV, JSON, Markdown, HTML, docx/xlsx/pptx and
OpenDocument (:mod:`proxy.extract.office`), PDF (:mod:`proxy.extract.pdf`), zip archives and
gzip files (members extracted recursively, bounded), legacy binary Office files and unknown
binaries (printable strings). Images, audio, video and encrypted files are *uninspectable*:
recorded for the policy to decide, never silently passed as "clean".

The kind is sniffed from the bytes first (magic numbers), then the declared type / filename.
"""

from __future__ import annotations

import gzip
import re
import zlib

from proxy.extract.base import Collector, ExtractionError, decode_text, header_param, loads

TEXT_KINDS = frozenset({"text", "json"})

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
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

_STRINGS = re.compile(rb"[\x20-\x7e\t]{6,}|(?:[\x20-\x7e]\x00){6,}")


def sniff(data: bytes, content_type: str = "", filename: str = "") -> str:
    """The kind of file ``data`` is: pdf | zip | ole | gzip | image | audio | video | archive |
    json | text | binary."""
    head = data[:16]
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_OLE_MAGIC):
        return "ole"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
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
    mime = content_type.split(";", 1)[0].strip().lower()
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else filename.lower()
    if mime.startswith("image/") and mime != "image/svg+xml":
        return "image"
    if mime.startswith("audio/"):
        return "audio"
    if mime.startswith("video/"):
        return "video"
    if "json" in mime or ext in ("json", "jsonl", "ndjson", "ipynb"):
        return "json"
    if _is_text(data):
        return "text"
    return "binary"


def _is_text(data: bytes) -> bool:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:8192]
    if b"\x00" in sample:
        return False
    return _control_ratio(sample) < 0.02


def _control_ratio(sample: bytes) -> float:
    if not sample:
        return 0.0
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bad / len(sample)


def extract_file(
    col: Collector,
    data: bytes,
    where: str,
    content_type: str = "",
    filename: str = "",
    depth: int = 0,
) -> None:
    """Write ``data``'s text (or an uninspectable marker) into ``col``."""
    if not data:
        return
    if depth > col.settings.max_nesting:
        raise ExtractionError("too_large", "files nested too deeply")
    col.budget.check_time()
    kind = sniff(data, content_type, filename)
    if kind == "pdf":
        from proxy.extract.pdf import extract_pdf

        extract_pdf(col, data, where)
    elif kind == "zip":
        from proxy.extract.office import extract_zip

        extract_zip(col, data, where, depth)
    elif kind == "gzip":
        _extract_gzip(col, data, where, filename, depth)
    elif kind in ("image", "audio", "video", "archive"):
        col.media(kind, where)
    elif kind == "ole":
        _extract_ole(col, data, where)
    elif kind == "json":
        text = decode_text(data, header_param(content_type, "charset"))
        try:
            value = loads(text)
        except (ValueError, RecursionError):
            lines = [line for line in text.splitlines() if line.strip()]
            try:
                value = [loads(line) for line in lines]
            except (ValueError, RecursionError):
                col.text(text, where)  # not JSON after all: scan it as text
                return
        col.value(value, where, depth + 1)
    elif kind == "text":
        charset = header_param(content_type, "charset")
        if not charset:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                charset = "cp1252"  # legacy Windows text
        col.text(decode_text(data, charset), where)
    else:
        _strings(col, data, where)


def _extract_gzip(col: Collector, data: bytes, where: str, filename: str, depth: int) -> None:
    limit = col.budget.max_bytes
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = bytearray()
    buf = data
    try:
        while not d.eof:
            chunk = d.decompress(buf, 256 * 1024)
            buf = d.unconsumed_tail
            out += chunk
            if len(out) > limit:
                raise ExtractionError("too_large", "gzip file inflates over the size limit")
            if not chunk and not buf:
                break
    except (zlib.error, gzip.BadGzipFile):
        col.media("corrupt_file", where)
        return
    inner = filename[:-3] if filename.lower().endswith(".gz") else ""
    extract_file(col, bytes(out), f"{where}!gunzip", "", inner, depth + 1)


def _extract_ole(col: Collector, data: bytes, where: str) -> None:
    """Legacy .doc/.xls/.ppt (OLE compound files): their text is stored as runs of cp1252 or
    UTF-16LE, so printable strings recover it. OLE is also the wrapper of an *encrypted*
    OOXML file, whose content cannot be read."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        col.media("encrypted", where)
        return
    _strings(col, data, where)


def _strings(col: Collector, data: bytes, where: str) -> None:
    """Printable runs (ASCII and UTF-16LE) of an unknown binary, like ``strings(1)``."""
    out: list[str] = []
    size = 0
    for match in _STRINGS.finditer(data):
        run = match.group()
        text = run.decode("utf-16-le", "replace") if run[1:2] == b"\x00" else run.decode("latin-1")
        out.append(text)
        size += len(text)
        if size > col.budget.remaining_chars:
            raise ExtractionError("too_large", "extracted text over max_text_chars")
    if out:
        col.text("\n".join(out), f"{where}<strings>")
