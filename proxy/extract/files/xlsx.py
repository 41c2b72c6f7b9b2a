"""Excel workbooks (.xlsx, .xlsm): an OOXML package whose main part is ``xl/workbook.xml``, read by
:func:`proxy.extract.files.ooxml.read_package`."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import open_archive
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.files.ooxml import read_package


@register
class Xlsx(FileKind):
    name = "xlsx"
    priority = 21

    def matches(self, probe: Probe) -> bool:
        return "xl/workbook.xml" in probe.zip_names

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        archive = open_archive(col, probe, where, depth)
        if archive is not None:
            read_package(archive)
