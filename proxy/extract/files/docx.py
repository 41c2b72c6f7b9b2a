"""Word documents (.docx, .docm, .dotx): an OOXML package whose main part is ``word/document.xml``, read by
:func:`proxy.extract.files.ooxml.read_package`."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import open_archive
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.files.ooxml import read_package


@register
class Docx(FileKind):
    name = "docx"
    priority = 20

    def matches(self, probe: Probe) -> bool:
        return "word/document.xml" in probe.zip_names

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        archive = open_archive(col, probe, where, depth)
        if archive is not None:
            read_package(archive)
