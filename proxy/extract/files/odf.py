"""OpenDocument files (odt, ods, odp): ``content.xml``, ``styles.xml`` (headers and footers)
and ``meta.xml``; pictures are uninspectable, embedded objects read recursively."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import (
    Archive,
    XmlText,
    embedded,
    names_and_comments,
    natural,
    open_archive,
)
from proxy.extract.files.kind import FileKind, Probe, register


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
            text = XmlText(archive.col, None)
            archive.parse(info, text.start, text.end, text.chars)
            text.emit(archive.at(name))
