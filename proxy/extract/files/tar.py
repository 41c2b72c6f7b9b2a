"""Tar archives (``.tar``, and the inside of ``.tgz`` / ``.tar.xz`` once the compressed kind
has inflated it): every member read as a file of its own, as ``tar -x`` would write it.

Read with the standard library's ``tarfile`` (ustar, GNU and pax, V7 headers by checksum),
bounded by ``max_archive_members`` and ``max_archive_bytes``; nesting is bounded by the file
reader's ``max_nesting``. What ``tar -tv`` shows besides the contents is read as text: member
names, link targets, owner and group names, pax header values. The header's numeric fields
(mode, size, mtime: octal digits) are never read as text, so a clean archive's timestamps are
not a phone number (red team RT-130). Members after zero blocks are read (as ``tar -i``
does), and bytes no member covers are read as a file of their own, so nothing can hide
between or after the listed members. A tar header that does not parse further on is
``unparseable``.
"""

from __future__ import annotations

import io
import tarfile

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register

_BLOCK = tarfile.BLOCKSIZE
#: pax keys whose values are numbers or already read (the name, the link target)
_PAX_NUMERIC = frozenset({"mtime", "atime", "ctime", "size", "uid", "gid", "path", "linkpath"})


def _first_header(data: bytes) -> tarfile.TarInfo | None:
    """The first 512-byte block as a tar header (its checksum checked), or None."""
    if len(data) < _BLOCK:
        return None
    try:
        return tarfile.TarInfo.frombuf(data[:_BLOCK], "utf-8", "surrogateescape")
    except (tarfile.HeaderError, ValueError):
        return None


def _padded(size: int) -> int:
    return -(-size // _BLOCK) * _BLOCK


@register
class Tar(FileKind):
    name = "tar"
    priority = 33  # after the zip kinds, before sqlite, media, compressed and text kinds

    def matches(self, probe: Probe) -> bool:
        return _first_header(probe.data) is not None

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = probe.data
        try:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:", ignore_zeros=True) as archive:
                listed, covered = _members(col, archive, data, where, depth)
        except (tarfile.TarError, OSError, ValueError, EOFError):
            col.damaged("tar archive does not parse")
        col.text("\n".join(listed), f"{where}.names")
        rest = _uncovered(data, covered)
        if rest:
            col.file(rest, f"{where}<outside members>", "", "", depth + 1)


def _members(
    col: Collector, archive: tarfile.TarFile, data: bytes, where: str, depth: int
) -> tuple[list[str], list[tuple[int, int]]]:
    """Read every member's contents as a file; return what is shown of the members and the
    byte ranges their headers and data cover."""
    settings = col.settings
    listed: list[str] = []
    covered: list[tuple[int, int]] = []
    members = inflated = 0
    while (member := archive.next()) is not None:
        members += 1
        if members > settings.max_archive_members:
            raise ExtractionError("too_large", "archive has more than max_archive_members")
        col.budget.check_time()
        listed.extend(_shown(member))
        end = member.offset_data + (_padded(member.size) if member.isreg() else 0)
        covered.append((member.offset, end))
        if not member.isreg() or not member.size:
            continue
        inflated += member.size
        if inflated > settings.max_archive_bytes:
            raise ExtractionError("too_large", "archive inflates over max_archive_bytes")
        content = data[member.offset_data : member.offset_data + member.size]
        if len(content) < member.size:
            col.damaged("tar member is truncated")
        col.file(content, f"{where}!{member.name}", "", member.name, depth + 1)
    return listed, covered


def _shown(member: tarfile.TarInfo) -> list[str]:
    """What ``tar -tv`` and archive managers show of a member besides its contents."""
    shown = [member.name]
    if member.linkname:
        shown.append(member.linkname)
    shown.extend(name for name in (member.uname, member.gname) if name)
    shown.extend(
        f"{key} {value}"
        for key, value in member.pax_headers.items()
        if key not in _PAX_NUMERIC and isinstance(value, str) and value
    )
    return shown


def _uncovered(data: bytes, covered: list[tuple[int, int]]) -> bytes:
    """The bytes of ``data`` outside every member's headers and data, zero padding dropped
    (the end-of-archive blocks and a blocking factor's padding are zeros)."""
    pieces, pos = [], 0
    for start, end in sorted(covered):
        if start > pos:
            pieces.append(data[pos:start])
        pos = max(pos, end)
    pieces.append(data[pos:])
    return b"".join(piece.strip(b"\x00") for piece in pieces)
