"""Zip-based files: docx, xlsx, pptx (Office Open XML), odt/ods/odp (OpenDocument), and plain
zip archives. Stdlib only (``zipfile`` + ``xml.parsers.expat``), streaming and bounded:

- member count and total declared inflated size are checked before anything is read
  (``max_archive_members``, ``max_archive_bytes``), so a zip bomb is refused up front; reads
  never exceed a member's declared size (zipfile enforces it, and checks the CRC);
- XML is parsed as a stream with expat (no tree kept in memory); a DOCTYPE or entity
  declaration refuses the part (OOXML/ODF never contain one: it is an XML bomb or XXE attempt);
- embedded files (``word/embeddings/...``) are extracted recursively, up to ``max_nesting``;
  embedded images are reported as uninspectable;
- encrypted members and corrupt archives are uninspectable (the policy decides).

Text kept: docx body, headers, footers, foot/endnotes, comments, tracked deletions, text
boxes (``mc:Fallback`` duplicates skipped); xlsx cell values with shared strings resolved,
comments, drawings, chart labels and pivot caches; pptx slides, notes, comments, SmartArt;
document properties (``docProps/*.xml``, including sensitivity labels in ``custom.xml``).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from xml.parsers import expat

from proxy.extract.base import Collector, ExtractionError

# OOXML parts that hold no user text (styles, themes, settings, relationships).
_OOXML_SKIP = re.compile(
    r"(^|/)(_rels/|\[Content_Types\]\.xml$|theme/|styles(WithEffects)?\.xml$|fontTable\.xml$|"
    r"settings\.xml$|webSettings\.xml$|numbering\.xml$|calcChain\.xml$|presProps\.xml$|"
    r"viewProps\.xml$|tableStyles\.xml$|slideMasters/|slideLayouts/|notesMasters/|"
    r"handoutMasters/|printerSettings/|.*\.rels$)"
)
_MEDIA = re.compile(r"(^|/)media/")
_EMBEDDED = re.compile(r"(^|/)(embeddings|Object \d+|ObjectReplacements)/")
_BLOCKS = frozenset(
    {"p", "h", "tr", "row", "si", "list-item", "table-row", "line-break", "br", "cr"}
)
_TABS = frozenset({"tab", "tc", "table-cell"})
_OOXML_TEXT = frozenset({"t", "delText", "instrText", "v"})  # w:t, a:t, c:v (charts)
_MC_FALLBACK = "Fallback"
_CHUNK = 64 * 1024


_LOCAL_NAMES: dict[str, str] = {}


def _local(name: str) -> str:
    """``uri}local`` → ``local`` (cached: a document repeats a handful of names)."""
    local = _LOCAL_NAMES.get(name)
    if local is None:
        local = name.rsplit("}", 1)[-1]
        if len(_LOCAL_NAMES) < 4096:
            _LOCAL_NAMES[name] = local
    return local


def _natural(name: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


class _Reject(Exception):
    pass


def _reject(*_args: object) -> None:
    raise _Reject


class _Archive:
    """One opened archive, with its byte budget."""

    def __init__(self, col: Collector, zf: zipfile.ZipFile, where: str, depth: int) -> None:
        self.col = col
        self.zf = zf
        self.where = where
        self.depth = depth
        self.inflated = 0

    def at(self, name: str) -> str:
        return f"{self.where}!{name}"

    def read(self, info: zipfile.ZipInfo) -> bytes | None:
        if info.flag_bits & 0x1:
            self.col.media("encrypted", self.at(info.filename))
            return None
        self._count(info.file_size)
        try:
            with self.zf.open(info) as fh:
                return fh.read(info.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError):
            self.col.media("corrupt_file", self.at(info.filename))
            return None

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
        """Stream one XML member through expat; False if it was unreadable."""
        if info.flag_bits & 0x1:
            self.col.media("encrypted", self.at(info.filename))
            return False
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        parser.StartDoctypeDeclHandler = _reject
        parser.EntityDeclHandler = _reject
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(_CHUNK):
                    self._count(len(chunk))
                    self.col.budget.check_time()
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Reject as exc:
            raise ExtractionError("unparseable", "DTD in an office document part") from exc
        except (expat.ExpatError, zipfile.BadZipFile, NotImplementedError, OSError, EOFError):
            self.col.media("corrupt_file", self.at(info.filename))
            return False
        return True


class _Text:
    """Accumulates the text of one XML part, bounded by the request's character budget."""

    def __init__(self, col: Collector, only: frozenset[str] | None) -> None:
        self.col = col
        self.only = only  # capture character data only inside these elements (None: all)
        self.parts: list[str] = []
        self.size = 0
        self.inside = 0
        self.skip = 0

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.col.budget.remaining_chars:
            raise ExtractionError("too_large", "extracted text over max_text_chars")
        self.parts.append(text)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == _MC_FALLBACK or self.skip:
            self.skip += 1
            return
        if self.only is not None and local in self.only:
            self.inside += 1
        if local in _TABS:
            self.add("\t")

    def end(self, name: str) -> None:
        local = _local(name)
        if self.skip:
            self.skip -= 1
            return
        if self.only is not None and local in self.only:
            self.inside -= 1
        if local in _BLOCKS:
            self.add("\n")

    def chars(self, data: str) -> None:
        if not self.skip and (self.only is None or self.inside > 0):
            self.add(data)

    def emit(self, where: str) -> None:
        self.col.text("".join(self.parts).strip(), where)


def extract_zip(col: Collector, data: bytes, where: str, depth: int) -> None:
    settings = col.settings
    if data.count(b"PK\x01\x02") > settings.max_archive_members:
        raise ExtractionError("too_large", "archive has more than max_archive_members")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [info for info in zf.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError):
        col.media("corrupt_file", where)  # also a partial upload chunk of a larger file
        return
    if len(infos) > settings.max_archive_members:
        raise ExtractionError("too_large", "archive has more than max_archive_members")
    if sum(info.file_size for info in infos) > settings.max_archive_bytes:
        raise ExtractionError("too_large", "archive inflates over max_archive_bytes")
    archive = _Archive(col, zf, where, depth)
    names = {info.filename for info in infos}
    if (
        "word/document.xml" in names
        or "xl/workbook.xml" in names
        or "ppt/presentation.xml" in names
    ):
        _ooxml(archive, infos)
    elif "content.xml" in names and _is_odf(archive, infos):
        _odf(archive, infos)
    else:
        for info in sorted(infos, key=lambda i: _natural(i.filename)):
            content = archive.read(info)
            if content:
                col.file(content, archive.at(info.filename), "", info.filename, depth + 1)


def _is_odf(archive: _Archive, infos: list[zipfile.ZipInfo]) -> bool:
    for info in infos:
        if info.filename == "mimetype":
            return (archive.read(info) or b"").startswith(b"application/vnd.oasis.opendocument")
    return False


def _embedded(archive: _Archive, info: zipfile.ZipInfo) -> bool:
    """Media and embedded objects: True if ``info`` was one (and has been handled)."""
    name = info.filename
    if _MEDIA.search(name):
        archive.col.media("image", archive.at(name))
        return True
    if _EMBEDDED.search(name):
        content = archive.read(info)
        if content:
            archive.col.file(content, archive.at(name), "", name, archive.depth + 1)
        return True
    return False


def _ooxml(archive: _Archive, infos: list[zipfile.ZipInfo]) -> None:
    shared: list[str] = []
    by_name = {info.filename: info for info in infos}
    if "xl/sharedStrings.xml" in by_name:
        shared = _shared_strings(archive, by_name["xl/sharedStrings.xml"])
    # main document first, then the rest in natural order
    ordered = sorted(
        infos,
        key=lambda i: (
            i.filename not in ("word/document.xml", "xl/workbook.xml"),
            _natural(i.filename),
        ),
    )
    for info in ordered:
        name = info.filename
        if _embedded(archive, info) or not name.endswith(".xml") or _OOXML_SKIP.search(name):
            continue
        if name == "xl/sharedStrings.xml":
            continue
        if name.startswith("xl/worksheets/"):
            _sheet(archive, info, shared)
        elif name.startswith("xl/pivotCache/"):
            _attribute_values(archive, info, "v")
        elif name.startswith(("docProps/", "customXml/")) or "comments" in name.lower():
            text = _Text(archive.col, None)
            if archive.parse(info, text.start, text.end, text.chars):
                text.emit(archive.at(name))
        else:
            text = _Text(archive.col, _OOXML_TEXT)
            if archive.parse(info, text.start, text.end, text.chars):
                text.emit(archive.at(name))


def _shared_strings(archive: _Archive, info: zipfile.ZipInfo) -> list[str]:
    """``xl/sharedStrings.xml``: the text of each ``<si>`` (phonetic guides left out)."""
    strings: list[str] = []
    current: list[str] = []
    depth = {"t": 0, "rPh": 0}
    budget = archive.col.budget
    size = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local in depth:
            depth[local] += 1

    def end(name: str) -> None:
        local = _local(name)
        if local in depth:
            depth[local] -= 1
        elif local == "si":
            strings.append("".join(current))
            current.clear()

    def chars(data: str) -> None:
        nonlocal size
        if depth["t"] > 0 and not depth["rPh"]:
            size += len(data)
            if size > budget.remaining_chars:
                raise ExtractionError("too_large", "extracted text over max_text_chars")
            current.append(data)

    archive.parse(info, start, end, chars)
    return strings


def _sheet(archive: _Archive, info: zipfile.ZipInfo, shared: list[str]) -> None:
    text = _Text(archive.col, None)
    cell: dict[str, object] = {"type": None, "value": [], "capture": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "c":
            cell["type"] = attrs.get("t")
            cell["value"] = []
        elif local in ("v", "t"):  # <v> value, <is><t> inline string
            cell["capture"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local in ("v", "t"):
            cell["capture"] = False
        elif local == "c":
            raw = "".join(cell["value"])  # type: ignore[arg-type]
            value = raw
            if cell["type"] == "b":
                value = ""
            elif cell["type"] == "s":
                try:
                    value = shared[int(raw)]
                except (ValueError, IndexError):
                    value = ""
            if value:
                text.add(value)
                text.add("\t")
        elif local == "row":
            text.add("\n")

    def chars(data: str) -> None:
        if cell["capture"]:
            cell["value"].append(data)  # type: ignore[union-attr]

    if archive.parse(info, start, end, chars):
        text.emit(archive.at(info.filename))


def _attribute_values(archive: _Archive, info: zipfile.ZipInfo, attribute: str) -> None:
    """Pivot caches keep a copy of the source data in ``v=`` attributes."""
    text = _Text(archive.col, frozenset())

    def start(name: str, attrs: dict[str, str]) -> None:
        value = attrs.get(attribute) or attrs.get("name")
        if value:
            text.add(value)
            text.add("\n")

    if archive.parse(info, start, lambda _name: None, lambda _data: None):
        text.emit(archive.at(info.filename))


def _odf(archive: _Archive, infos: list[zipfile.ZipInfo]) -> None:
    order = {"content.xml": 0, "styles.xml": 1, "meta.xml": 2}
    for info in sorted(infos, key=lambda i: (order.get(i.filename, 9), _natural(i.filename))):
        name = info.filename
        if _embedded(archive, info) or name.startswith("Pictures/"):
            if name.startswith("Pictures/"):
                archive.col.media("image", archive.at(name))
            continue
        if name in ("content.xml", "styles.xml", "meta.xml"):
            text = _Text(archive.col, None)
            if archive.parse(info, text.start, text.end, text.chars):
                text.emit(archive.at(name))
