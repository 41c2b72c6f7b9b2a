"""PowerPoint presentations (.pptx, .ppsx): an OOXML package whose main part (``_rels/.rels``) is of this type, read by
:func:`proxy.extract.files.ooxml.read_package`."""

from __future__ import annotations

from proxy.extract.collector import Collector
from proxy.extract.files.archive import open_archive
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.files.ooxml import main_part, package_kind, read_package


@register
class Pptx(FileKind):
    name = "pptx"
    priority = 22

    def matches(self, probe: Probe) -> bool:
        return package_kind(probe) == "pptx"

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        read_package(open_archive(col, probe, where, depth), main_part(probe))
