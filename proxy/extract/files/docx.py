"""Word documents (.docx, .docm, .dotx): an OOXML package whose main part (``_rels/.rels``) is of this type, read by
:func:`proxy.extract.files.ooxml.read_package`."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import open_archive
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.files.ooxml import main_part, package_kind, read_package


@register
class Docx(FileKind):
    name = "docx"
    priority = 20

    def matches(self, probe: Probe) -> bool:
        return package_kind(probe) == "docx"

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        read_package(open_archive(col, probe, where, depth), main_part(probe))
