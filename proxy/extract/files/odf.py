"""OpenDocument files (odt, ods, odp): ``content.xml``, ``styles.xml`` (headers and footers)
and ``meta.xml``; pictures are uninspectable, embedded objects read recursively. A cell's
stored value (``office:value``, ``office:date-value``: what LibreOffice renders when the cell
has no ``text:p``) is read as shown (RT-129), and a part with hidden text (a span whose
style says ``text:display="none"``, ``text:hidden-text``, ``text:hidden-paragraph``) is also
read as displayed, the hidden text left out (RT-131)."""

from __future__ import annotations

import re
import zipfile

from proxy.extract.collector import Collector
from proxy.extract.files.archive import (
    Archive,
    XmlText,
    embedded,
    names_and_comments,
    natural,
    open_archive,
)
from proxy.extract.files.displayed import integral_number
from proxy.extract.files.kind import FileKind, Probe, register

_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ISO_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_HIDDEN_FIELDS = frozenset({"hidden-text", "hidden-paragraph"})


@register
class OpenDocument(FileKind):
    name = "odf"
    priority = 25

    def matches(self, probe: Probe) -> bool:
        if "content.xml" not in probe.zip_names or "mimetype" not in probe.zip_names:
            return False
        zf = probe.zip
        try:
            with zf.open("mimetype") as fh:  # type: ignore[union-attr]
                return fh.read(128).startswith(b"application/vnd.oasis.opendocument")
        except Exception:
            return False

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        read_odf(open_archive(col, probe, where, depth))


def read_odf(archive: Archive) -> None:
    infos = archive.infos
    names_and_comments(archive)
    order = {"content.xml": 0, "styles.xml": 1, "meta.xml": 2}
    for info in sorted(infos, key=lambda i: (order.get(i.filename, 9), natural(i.filename))):
        name = info.filename
        if embedded(archive, info) or name.startswith("Pictures/"):
            if name.startswith("Pictures/"):
                archive.col.media("image", archive.at(name))
            continue
        if name.endswith(".xml"):  # content, styles (headers, footers), meta, settings
            _part(archive, info)


def _part(archive: Archive, info: zipfile.ZipInfo) -> None:
    """One XML part: its text (with cell values as shown), and, when it hides text, its
    displayed text as well."""
    text = XmlText(archive.col, None)
    shown = XmlText(archive.col, None)
    hidden_styles: set[str] = set()
    style: list[str] = [""]
    hiding: list[bool] = []  # per open element: does it hide its content?
    hidden = [0]  # open elements that hide
    saw_hidden = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        text.start(name, attrs)
        shown.start(name, attrs)
        local = name.rsplit("}", 1)[-1]
        hides = False
        if attrs:
            if local == "style":
                style[0] = attrs.get(f"{_STYLE}name", "")
            elif local == "text-properties" and attrs.get(f"{_TEXT}display") == "none":
                hidden_styles.add(style[0])
            hides = attrs.get(f"{_TEXT}style-name", "\x00") in hidden_styles
            _cell_value(text, attrs)
            _cell_value(shown, attrs)
        hides = hides or local in _HIDDEN_FIELDS
        saw_hidden[0] = saw_hidden[0] or hides
        hiding.append(hides)
        hidden[0] += hides

    def end(name: str) -> None:
        text.end(name)
        shown.end(name)
        if hiding:
            hidden[0] -= hiding.pop()

    def chars(data: str) -> None:
        text.chars(data)
        if not hidden[0]:
            shown.chars(data)

    archive.parse(info, start, end, chars)
    text.emit(archive.at(info.filename))
    if saw_hidden[0]:
        shown.emit(archive.at(f"{info.filename}<displayed>"))


def _cell_value(text: XmlText, attrs: dict[str, str]) -> None:
    """A cell's stored value as a spreadsheet shows it: a number (E-notation as the integer it
    is), a date as dd/mm/yyyy."""
    value = attrs.get(f"{_OFFICE}value")
    if value:
        text.add(f"{integral_number(value) or value} ")
    date = attrs.get(f"{_OFFICE}date-value")
    match = _ISO_DATE.match(date) if date else None
    if match:
        text.add(f"{match.group(3)}/{match.group(2)}/{match.group(1)} ")
