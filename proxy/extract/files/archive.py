"""Bounded reading of zip-based files, shared by the zip, OOXML and OpenDocument kinds.

Stdlib only (``zipfile`` + ``xml.parsers.expat``), streaming and bounded: member count and
total declared inflated size are checked before anything is read (``max_archive_members``,
``max_archive_bytes``), so a zip bomb is refused up front; reads never exceed a member's
declared size (zipfile enforces it, and checks the CRC). XML is parsed as a stream with expat
(no tree kept in memory); a DOCTYPE or entity declaration refuses the part (OOXML/ODF never
contain one: it is an XML bomb or XXE attempt). Embedded files are read recursively, up to
``max_nesting``; embedded images are reported as uninspectable.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable
from xml.parsers import expat

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import Probe

_MEDIA = re.compile(r"(^|/)media/")
_RASTER = re.compile(r"(?i)\.(png|jpe?g|gif|bmp|tiff?|webp)$")
_EMBEDDED = re.compile(r"(^|/)(embeddings|Object \d+|ObjectReplacements)/")
BLOCKS = frozenset(
    {"p", "h", "tr", "row", "si", "list-item", "table-row", "line-break", "br", "cr"}
)
TABS = frozenset({"tab", "tc", "table-cell"})
#: table cells: their paragraphs end with a space, so a row reads as one line (a record)
CELLS = frozenset({"tc", "table-cell"})
ROWS = frozenset({"tr", "row", "table-row"})
OOXML_TEXT = frozenset({"t", "delText", "instrText", "v"})  # w:t, a:t, c:v (charts)
#: elements whose text a reader runs on into the next (runs, ODF spans and links): every
#: other element that holds text ends with a line break (``dc:title`` then ``dc:creator``)
INLINE = OOXML_TEXT | frozenset({"span", "a", "s", "ruby-base", "ruby-text", "meta"})
_CHUNK = 64 * 1024
#: Word elements whose ``w:val`` Word shows: a list level's label text, a document variable
#: (a DOCVARIABLE field prints it), a content control's title and tag
VALUE_SHOWN = frozenset({"lvlText", "docVar", "alias", "tag"})
#: Word elements after which the displayed text differs from the XML text (deleted, moved,
#: field-instruction, hidden, symbol): a part holding one is also read as displayed
NOT_AS_SHOWN = frozenset(
    {"delText", "instrText", "delInstrText", "moveFrom", "vanish", "specVanish", "webHidden", "sym"}
)


_LOCAL_NAMES: dict[str, str] = {}


def local_name(name: str) -> str:
    """``uri}local`` → ``local`` (cached: a document repeats a handful of names)."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rsplit("}", 1)[-1]
        if len(_LOCAL_NAMES) < 4096:
            _LOCAL_NAMES[name] = local
    return local


def natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


# bytes never valid in XML 1.0 (C0 controls but tab, LF, CR): dropped before parsing
_XML_INVALID = bytes(b for b in range(32) if b not in (9, 10, 13))
_DAMAGED = (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError, ValueError)


class _Reject(Exception):
    pass


def _reject(*_args: object) -> None:
    raise _Reject


class Archive:
    """One opened archive, with its byte budget."""

    def __init__(
        self,
        col: Collector,
        zf: zipfile.ZipFile,
        where: str,
        depth: int,
        infos: list[zipfile.ZipInfo],
        data: bytes = b"",
    ) -> None:
        self.col = col
        self.data = data
        self.zf = zf
        self.where = where
        self.depth = depth
        self.infos = infos
        self.inflated = 0

    def at(self, name: str) -> str:
        return f"{self.where}!{name}"

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A member's bytes. Encrypted → blocked (``uninspectable``); a bad CRC, corrupt
        deflate or unsupported compression → ``unparseable`` (fail closed)."""
        self._check_encrypted(info)
        self._count(info.file_size)
        try:
            with self.zf.open(info) as fh:
                return fh.read(info.file_size + 1)
        except _DAMAGED as exc:
            self.col.damaged(f"archive member does not inflate ({type(exc).__name__})")

    def _check_encrypted(self, info: zipfile.ZipInfo) -> None:
        if info.flag_bits & 0x1:
            self.col.unreadable("encrypted archive member")

    def _count(self, size: int) -> None:
        self.inflated += size
        if self.inflated > self.col.settings.max_archive_bytes:
            raise ExtractionError("too_large", "archive inflates over max_archive_bytes")

    def parse(
        self,
        info: zipfile.ZipInfo,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None],
        chars: Callable[[str], None],
    ) -> bool:
        """Stream one XML member through expat. Control characters (not allowed in XML 1.0,
        ignored by Word) are dropped before parsing, so such a part is still read; an XML
        error, bad CRC or corrupt deflate → ``unparseable`` (fail closed)."""
        self._check_encrypted(info)
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        parser.StartDoctypeDeclHandler = _reject
        parser.EntityDeclHandler = _reject
        try:
            with self.zf.open(info) as fh:
                first = True
                wide = False
                while chunk := fh.read(_CHUNK):
                    self._count(len(chunk))
                    self.col.budget.check_time()
                    if first:
                        wide = chunk.startswith((b"\xff\xfe", b"\xfe\xff"))  # UTF-16 XML
                        first = False
                    parser.Parse(chunk if wide else chunk.translate(None, _XML_INVALID), False)
                parser.Parse(b"", True)
        except _Reject as exc:
            raise ExtractionError("unparseable", "DTD in an office document part") from exc
        except expat.ExpatError:
            self.col.damaged("malformed XML part")
        except _DAMAGED as exc:
            self.col.damaged(f"archive member does not inflate ({type(exc).__name__})")
        return True


class XmlText:
    """Accumulates the text of one XML part, bounded by the request's character budget."""

    def __init__(
        self, col: Collector, only: frozenset[str] | None, attributes: frozenset[str] = frozenset()
    ) -> None:
        self.col = col
        self.only = only  # capture character data only inside these elements (None: all)
        self.attributes = attributes  # attribute values kept too (sheet names, alt text)
        self._suffixes = tuple("}" + name for name in attributes)  # namespaced forms
        self.parts: list[str] = []
        self.size = 0
        self.inside = 0
        self.held_text: list[bool] = []  # per open element: did it hold character data?
        self.cells = 0  # table cells open
        self.not_as_shown = False  # saw an element of NOT_AS_SHOWN

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.col.budget.remaining_chars:
            raise ExtractionError("too_large", "extracted text over max_text_chars")
        self.parts.append(text)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        self.held_text.append(False)
        if local in NOT_AS_SHOWN:
            self.not_as_shown = True
        if self.only is not None and local in self.only:
            self.inside += 1
        if local in TABS:
            self.add("\t")
        if local in CELLS:
            self.cells += 1
        if attrs and self.attributes:
            for key, value in attrs.items():
                if value and (key in self.attributes or key.endswith(self._suffixes)):
                    self.add(value)
                    self.add("\n")
            if local in VALUE_SHOWN:  # w:lvlText, w:docVar, w:alias, w:tag: their w:val
                for key, value in attrs.items():
                    if value and (key == "val" or key.endswith("}val")):
                        self.add(value)
                        self.add("\n")

    def end(self, name: str) -> None:
        local = local_name(name)
        held = self.held_text.pop() if self.held_text else False
        if self.only is not None and local in self.only:
            self.inside -= 1
        if local in CELLS:
            self.cells = max(self.cells - 1, 0)
        if local in BLOCKS or (held and local not in INLINE):
            self.add(" " if self.cells and local not in ROWS else "\n")

    def chars(self, data: str) -> None:
        if self.only is None or self.inside > 0:
            self.add(data)
            if self.held_text:
                self.held_text[-1] = True

    def emit(self, where: str) -> None:
        self.col.text("".join(self.parts).strip(), where)


def open_archive(col: Collector, probe: Probe, where: str, depth: int) -> Archive:
    """``probe`` as a bounded :class:`Archive`; one that does not open is ``unparseable``.
    Too many members or too many declared bytes is ``too_large``."""
    settings = col.settings
    zf = probe.zip
    try:
        infos = [info for info in zf.infolist() if not info.is_dir()] if zf is not None else None
    except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError):
        infos = None
    if zf is None or infos is None:
        col.damaged("zip archive does not open")
    if len(infos) > settings.max_archive_members:
        raise ExtractionError("too_large", "archive has more than max_archive_members")
    if sum(info.file_size for info in infos) > settings.max_archive_bytes:
        raise ExtractionError("too_large", "archive inflates over max_archive_bytes")
    if hidden_local_entry(probe.data, zf):
        raise ExtractionError(
            "unparseable",
            "zip local entry outside the central directory (streaming readers see it)",
        )
    return Archive(col, zf, where, depth, infos, probe.data)


_LOCAL = b"PK\x03\x04"


def hidden_local_entry(data: bytes, zf: zipfile.ZipFile) -> bool:
    """True if a local file header lies outside the members the central directory lists:
    before the first, between two, or after the last member's data. ``zipfile`` (and office
    readers) go by the central directory; streaming readers (Java ``ZipInputStream``,
    ``unzip-stream``) walk the local headers from the start and would read such an entry."""
    try:
        infos = sorted(zf.infolist(), key=lambda info: info.header_offset)
        start_dir = zf.start_dir  # type: ignore[attr-defined]
    except (AttributeError, zipfile.BadZipFile, OSError, ValueError):
        return False
    pos = 0  # zipfile's offsets are into the whole file (a prefix is counted in them)
    for info in infos:
        offset = info.header_offset
        if _LOCAL in data[pos:offset]:
            return True
        header = data[offset : offset + 30]
        if len(header) < 30 or header[:4] != _LOCAL:
            return False  # zipfile reports a damaged member when it is read
        name_len = int.from_bytes(header[26:28], "little")
        extra_len = int.from_bytes(header[28:30], "little")
        pos = max(pos, offset + 30 + name_len + extra_len + info.compress_size)
    return _LOCAL in data[pos:start_dir]


def names_and_comments(archive: Archive) -> None:
    """What ``zipfile`` shows of an archive besides its members' contents: the archive's
    comment, every member's name (directories included) and comment."""
    col, where, zf = archive.col, archive.where, archive.zf
    col.text(zip_comment(zf.comment), f"{where}.comment")
    try:
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        infos = archive.infos
    col.text("\n".join(info.filename for info in infos), f"{where}.names")
    comments = [zip_comment(info.comment) for info in infos if info.comment]
    col.text("\n".join(comments), f"{where}.comments")
    extras = [
        run
        for info in infos
        for raw in (info.extra, local_extra(archive.data, info))
        for run in extra_texts(raw)
    ]
    col.text("\n".join(extras), f"{where}.extra")


#: printable text in a zip extra field: 4+ characters (subfield ids and sizes are binary)
_EXTRA_TEXT = re.compile(r"[^\x00-\x1f\x7f-\x9f\ufffd]{4,}")


def extra_texts(raw: bytes) -> list[str]:
    """The printable text of a zip entry's extra field, every subfield whatever its id (red
    team RT-112: id 0xCAFE carrying a NINO line; ``zipinfo -v`` prints it, and the bytes
    reach the AI host). The subfields' payloads are read joined, without their id and size
    headers (Info-ZIP's ids are letters, ``UT``, ``ux``); known subfields are binary
    (timestamps, uids) and give nothing, Info-ZIP's Unicode path and comment their UTF-8
    text. Bytes that do not parse as subfields are read whole."""
    payloads, pos = [], 0
    while pos + 4 <= len(raw):
        size = int.from_bytes(raw[pos + 2 : pos + 4], "little")
        if pos + 4 + size > len(raw):
            break
        payloads.append(raw[pos + 4 : pos + 4 + size])
        pos += 4 + size
    payloads.append(raw[pos:])
    return _EXTRA_TEXT.findall(b"".join(payloads).decode("utf-8", "replace"))


def local_extra(data: bytes, info: zipfile.ZipInfo) -> bytes:
    """The extra field of ``info``'s local file header (it may differ from the central
    directory's copy; streaming readers see only this one)."""
    offset = info.header_offset
    header = data[offset : offset + 30]
    if len(header) < 30 or header[:4] != _LOCAL:
        return b""
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    start = offset + 30 + name_len
    return data[start : start + extra_len]


def zip_comment(raw: bytes) -> str:
    """A zip comment as text (UTF-8, else Latin-1: zip comments carry no encoding)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def embedded(archive: Archive, info: zipfile.ZipInfo) -> bool:
    """Media and embedded objects: True if ``info`` was one (and has been handled)."""
    name = info.filename
    if _MEDIA.search(name):
        data = archive.read(info) if _RASTER.search(name) else None
        archive.col.media("image", archive.at(name), data)  # raster images kept for OCR
        return True
    if _EMBEDDED.search(name):
        content = archive.read(info)
        if content:
            archive.col.file(content, archive.at(name), "", name, archive.depth + 1)
        return True
    return False
