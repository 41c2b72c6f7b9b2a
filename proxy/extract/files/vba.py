"""VBA macro source (an .xlsm's or .docm's ``vbaProject.bin``, a legacy .doc/.xls ``Macros``
storage): each module's source is stored MS-OVBA-compressed (a flag byte before every eight
tokens, copy tokens for repeats), so no value in it is in the bytes whole (red team RT-145).
Read with ``oletools``' olevba (maintained, BSD: the reader analysts use on macros), which
parses the ``VBA/dir`` stream for the module streams and their source offsets and
decompresses each module. Called by the OLE kind for a compound file holding a VBA project."""

from __future__ import annotations

import struct
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
            bound = total + _inflated_bound(ole, project, root)
            if bound > col.settings.max_archive_bytes:
                raise ExtractionError("too_large", "VBA source inflates over max_archive_bytes")
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


def _inflated_bound(ole: object, project: object, root: str) -> int:
    """An upper bound of what every module record's source decompresses to, from the chunk
    headers alone (cheap), so a single module bomb (~683:1) is refused before olevba builds
    it. The module records (stream name 0x001A, source offset 0x0031, end 0x002B) are read
    from the rest of olevba's decompressed ``dir`` stream; olevba itself then parses them."""
    dir_stream = project.dir_stream  # type: ignore[attr-defined]
    rest = dir_stream.getvalue()[dir_stream.tell() :]
    at = 4 + 2  # PROJECTMODULES: its id is already read; size, module count
    name, offset, bound = None, 0, 0
    while at + 6 <= len(rest):
        record, size = struct.unpack_from("<HI", rest, at)
        data = rest[at + 6 : at + 6 + size]
        at += 6 + size
        if record == 0x001A:
            name = project.decode_bytes(data)  # type: ignore[attr-defined]
        elif record == 0x0031 and size == 4:
            offset = struct.unpack("<I", data)[0]
        elif record == 0x002B and name is not None:
            try:
                code = ole.openstream(f"{root}VBA/{name}").read()  # type: ignore[attr-defined]
            except Exception:  # a missing stream: olevba fails on it (damaged)
                code = b""
            bound += _chunks_bound(code[offset:])
            name, offset = None, 0
    return bound


def _chunks_bound(container: bytes) -> int:
    """Most bytes an MS-OVBA container inflates to in olevba: a raw chunk is 4096 bytes; a
    compressed chunk reaches at most ~8 KB before its copy tokens shrink to 10 bytes apiece
    (a lenient decoder does not stop at 4096), so 8194 + 8 per compressed byte."""
    at, bound = 1, 0
    while at + 2 <= len(container):
        header = struct.unpack_from("<H", container, at)[0]
        size = (header & 0x0FFF) + 3
        bound += 8194 + 8 * size if header & 0x8000 else 4096
        at += size
    return bound
