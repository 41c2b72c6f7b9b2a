"""VBA macro source (an .xlsm's or .docm's ``vbaProject.bin``, a legacy .doc/.xls ``Macros``
storage): each module's source is stored MS-OVBA-compressed (a flag byte before every eight
tokens, copy tokens for repeats), so no value in it is in the bytes whole (red team RT-145).
Read with ``oletools``' olevba (maintained, BSD: the reader analysts use on macros), which
parses the ``VBA/dir`` stream for the module streams and their source offsets and
decompresses each module. Called by the OLE kind for a compound file holding a VBA project."""

from __future__ import annotations

import warnings

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError


def vba_roots(paths: list[list[str]]) -> list[str]:
    """The storages holding a VBA project (a ``VBA/dir`` stream): "" for a vbaProject.bin,
    ``Macros/`` for a .doc, ``_VBA_PROJECT_CUR/`` for an .xls."""
    return [
        "".join(f"{name}/" for name in path[:-2])
        for path in paths
        if len(path) >= 2 and path[-2].upper() == "VBA" and path[-1].lower() == "dir"
    ]


def read_vba(col: Collector, ole: object, roots: list[str], where: str) -> None:
    """Every module's decompressed source, as text of its own; a project or module that
    does not parse or decompress is a damaged document (fail closed: olevba's
    ``extract_macros`` logs such a module and skips it, so its ``VBA_Project`` is used
    directly, not relaxed). The decompressed sources (MS-OVBA copy tokens reach ~683:1, and
    many module records may name one stream) count against ``max_archive_bytes`` together:
    past it is ``too_large``, checked after each module and before the next is decompressed."""
    with warnings.catch_warnings():  # pyparsing's deprecation notices about olevba's grammar
        warnings.simplefilter("ignore")
        from oletools.olevba import VBA_Project  # ~0.3 s to import: only for a file with macros

    total = 0
    for root in roots:
        col.budget.check_time()
        sources: list[tuple[str, str | bytes]] = []
        try:
            project = VBA_Project(ole, root, f"{root}PROJECT", f"{root}VBA/dir", relaxed=False)
            project.parse_project_stream()
            for stream, _filename, source in project.parse_modules():  # one decompressed a step
                total += len(source)
                if total > col.settings.max_archive_bytes:
                    raise ExtractionError("too_large", "VBA source inflates over max_archive_bytes")
                col.budget.check_time()
                sources.append((stream, source))
        except ExtractionError:
            raise
        except Exception:  # olevba raises assorted errors on a damaged project
            col.damaged("VBA project does not decompress")
        for stream, source in sources:
            text = source.decode("cp1252", "replace") if isinstance(source, bytes) else source
            col.text(text, f"{where}!{stream}<vba>")
