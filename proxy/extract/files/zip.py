"""Plain zip archives: every member read as a file of its own (recursively, bounded by the
archive limits and ``max_nesting``). An encrypted member (ZipCrypto or AES) is blocked
(``uninspectable``, whatever the ``uninspectable`` setting); a damaged archive (bad CRC,
corrupt deflate, a zip that does not open) is ``unparseable``."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import names_and_comments, natural, open_archive
from proxy.extract.files.kind import FileKind, Probe, register


@register
class Zip(FileKind):
    name = "zip"
    priority = 29  # after the zip-based document kinds

    def matches(self, probe: Probe) -> bool:
        return probe.is_zip

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        archive = open_archive(col, probe, where, depth)
        names_and_comments(archive)
        for info in sorted(archive.infos, key=lambda i: natural(i.filename)):
            content = archive.read(info)
            if content:
                col.file(content, archive.at(info.filename), "", info.filename, depth + 1)


@register
class DamagedZip(FileKind):
    """Starts like a zip but does not open as one, and is not text: fail closed. (This is also
    what a middle or first block of a chunked upload of a large archive looks like.)"""

    name = "damaged_zip"
    priority = 31

    def matches(self, probe: Probe) -> bool:
        return probe.data.startswith(b"PK\x03\x04") and not probe.is_text

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        col.damaged("zip archive does not open")
