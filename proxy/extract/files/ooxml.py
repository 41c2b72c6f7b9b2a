"""Office Open XML packages (docx, xlsx, pptx): every part that can hold user text.

Text kept: docx body, headers, footers, foot/endnotes, comments, tracked deletions, text
boxes (``mc:Fallback`` duplicates skipped); xlsx cell values with shared strings resolved,
comments, drawings, chart labels and pivot caches; pptx slides, notes, comments, SmartArt;
document properties (``docProps/*.xml``, including sensitivity labels in ``custom.xml``).
Embedded files (``word/embeddings/...``) are read recursively; media are uninspectable.
"""

from __future__ import annotations

import re
import zipfile

from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.archive import OOXML_TEXT, Archive, XmlText, embedded, local_name, natural

# OOXML parts that hold no user text (styles, themes, settings, relationships).
_OOXML_SKIP = re.compile(
    r"(^|/)(_rels/|\[Content_Types\]\.xml$|theme/|styles(WithEffects)?\.xml$|fontTable\.xml$|"
    r"settings\.xml$|webSettings\.xml$|numbering\.xml$|calcChain\.xml$|presProps\.xml$|"
    r"viewProps\.xml$|tableStyles\.xml$|slideMasters/|slideLayouts/|notesMasters/|"
    r"handoutMasters/|printerSettings/|.*\.rels$)"
)


def read_package(archive: Archive) -> None:
    infos = archive.infos
    shared: list[str] = []
    by_name = {info.filename: info for info in infos}
    if "xl/sharedStrings.xml" in by_name:
        shared = _shared_strings(archive, by_name["xl/sharedStrings.xml"])
    # main document first, then the rest in natural order
    ordered = sorted(
        infos,
        key=lambda i: (
            i.filename not in ("word/document.xml", "xl/workbook.xml"),
            natural(i.filename),
        ),
    )
    for info in ordered:
        name = info.filename
        if embedded(archive, info) or not name.endswith(".xml") or _OOXML_SKIP.search(name):
            continue
        if name == "xl/sharedStrings.xml":
            continue
        if name.startswith("xl/worksheets/"):
            _sheet(archive, info, shared)
        elif name.startswith("xl/pivotCache/"):
            _attribute_values(archive, info, "v")
        elif name.startswith(("docProps/", "customXml/")) or "comments" in name.lower():
            text = XmlText(archive.col, None)
            if archive.parse(info, text.start, text.end, text.chars):
                text.emit(archive.at(name))
        else:
            text = XmlText(archive.col, OOXML_TEXT)
            if archive.parse(info, text.start, text.end, text.chars):
                text.emit(archive.at(name))


def _shared_strings(archive: Archive, info: zipfile.ZipInfo) -> list[str]:
    """``xl/sharedStrings.xml``: the text of each ``<si>`` (phonetic guides left out)."""
    strings: list[str] = []
    current: list[str] = []
    depth = {"t": 0, "rPh": 0}
    budget = archive.col.budget
    size = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local in depth:
            depth[local] += 1

    def end(name: str) -> None:
        local = local_name(name)
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


def _sheet(archive: Archive, info: zipfile.ZipInfo, shared: list[str]) -> None:
    text = XmlText(archive.col, None)
    cell: dict[str, object] = {"type": None, "value": [], "capture": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "c":
            cell["type"] = attrs.get("t")
            cell["value"] = []
        elif local in ("v", "t"):  # <v> value, <is><t> inline string
            cell["capture"] = True

    def end(name: str) -> None:
        local = local_name(name)
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


def _attribute_values(archive: Archive, info: zipfile.ZipInfo, attribute: str) -> None:
    """Pivot caches keep a copy of the source data in ``v=`` attributes."""
    text = XmlText(archive.col, frozenset())

    def start(name: str, attrs: dict[str, str]) -> None:
        value = attrs.get(attribute) or attrs.get("name")
        if value:
            text.add(value)
            text.add("\n")

    if archive.parse(info, start, lambda _name: None, lambda _data: None):
        text.emit(archive.at(info.filename))
