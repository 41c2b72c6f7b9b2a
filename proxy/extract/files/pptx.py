"""PowerPoint presentations (.pptx, .ppsx): an OOXML package whose main part is ``ppt/presentation.xml``, read by
:func:`proxy.extract.files.ooxml.read_package`."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import open_archive
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.files.ooxml import read_package


@register
class Pptx(FileKind):
    name = "pptx"
    priority = 22

    def matches(self, probe: Probe) -> bool:
        return "ppt/presentation.xml" in probe.zip_names

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        archive = open_archive(col, probe, where, depth)
        if archive is not None:
            read_package(archive)
