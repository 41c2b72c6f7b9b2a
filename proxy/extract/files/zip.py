"""Plain zip archives: every member read as a file of its own (recursively, bounded by the
archive limits and ``max_nesting``); encrypted or corrupt members are uninspectable."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import natural, open_archive
from proxy.extract.files.kind import FileKind, Probe, register


@register
class Zip(FileKind):
    name = "zip"
    priority = 29  # after the zip-based document kinds

    def matches(self, probe: Probe) -> bool:
        return probe.is_zip

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        archive = open_archive(col, probe, where, depth)
        if archive is None:
            return
        for info in sorted(archive.infos, key=lambda i: natural(i.filename)):
            content = archive.read(info)
            if content:
                col.file(content, archive.at(info.filename), "", info.filename, depth + 1)
