"""Unknown binaries (the last resort): printable runs, ASCII and UTF-16LE, like
``strings(1)``. Legacy binary Office files (OLE compound documents: .doc, .xls, .ppt, .msg)
are opened through their directory and FAT with ``olefile`` (maintained, BSD), and each
stream is read as a file of its own: its printable runs, or its own kind when it is a file
(an Outlook attachment, an embedded docx package, an LZFu-compressed RTF body); VBA macro
source is decompressed (:mod:`proxy.extract.files.vba`); an OLE file that wraps an *encrypted*
OOXML package cannot be read, and one that does not open is ``unparseable``."""

from __future__ import annotations

import io
import re

import olefile

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.embedded_objects import ole_native
from proxy.extract.files.framing import framed_values
from proxy.extract.files.kind import FileKind, Probe, register
from proxy.extract.files.text import ebcdic_text
from proxy.extract.files.vba import read_vba, vba_roots
from proxy.extract.files.xls import WORKBOOK_STREAMS, read_xls

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: an unknown file is readable when its printable runs cover at least this share of it
_MIN_READABLE_SHARE = 0.10
_MIN_OPAQUE = 64  # bytes: shorter unknown binaries are judged by their strings alone
#: printable runs: UTF-32 (LE, BE), ASCII, UTF-16 (LE, BE); ``strings -e`` reads all of them
_STRINGS = re.compile(
    rb"(?:[\x20-\x7e\t\n]\x00\x00\x00){6,}|(?:\x00\x00\x00[\x20-\x7e\t\n]){6,}"
    rb"|[\x20-\x7e\t]{6,}|(?:[\x20-\x7e\t\n]\x00){6,}|(?:\x00[\x20-\x7e\t\n]){6,}"
)


def _run_text(run: bytes) -> str:
    if run[1:4] == b"\x00\x00\x00":
        return run.decode("utf-32-le", "replace")
    if run[:3] == b"\x00\x00\x00":
        return run.decode("utf-32-be", "replace")
    if run[1:2] == b"\x00":
        return run.decode("utf-16-le", "replace")
    if run[:1] == b"\x00":
        return run.decode("utf-16-be", "replace")
    return run.decode("latin-1")


def strings(col: Collector, data: bytes, where: str) -> int:
    """Printable runs (ASCII, UTF-16 and UTF-32 either way round) of an unknown binary, like
    ``strings(1)``: BOM-less UTF-16/32 text, and the text inside legacy binary files. Returns
    how many bytes of ``data`` the runs cover. An ASCII run that is a chain of length-framed
    values (:func:`framed_values`) is also read value by value."""
    out: list[str] = []
    framed: list[str] = []
    size = 0
    covered = 0
    for match in _STRINGS.finditer(data):
        run = match.group()
        text = _run_text(run)
        out.append(text)
        size += len(text)
        covered += match.end() - match.start()
        if len(run) >= 8 and run[1:2] != b"\x00" and run[:1] != b"\x00":
            values = framed_values(text)
            if values:
                framed.append("\n".join(values))
                size += len(framed[-1])
        if size > col.budget.remaining_chars:
            raise ExtractionError("too_large", "extracted text over max_text_chars")
    if out:
        col.text("\n".join(out), f"{where}<strings>")
    if framed:
        col.text("\n".join(framed), f"{where}<strings framed>")
    return covered


@register
class Ole(FileKind):
    name = "ole"
    priority = 30

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(_OLE_MAGIC)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        """Every stream through the FAT chains, in directory order, so a fragmented stream
        reads whole (red team RT-128); the FAT and directory sectors are never read as
        text (a FAT's run of consecutive sector numbers reads as UTF-32 ``0123456789``: every
        .doc over ~29 KB was blocked as a phone number)."""
        if is_encrypted_ooxml(probe.data):
            col.unreadable("encrypted Office document")
        try:
            ole = olefile.OleFileIO(io.BytesIO(probe.data))
        except Exception:  # olefile raises OSError and assorted errors on a damaged file
            col.damaged("OLE compound file does not open")
        with ole:
            try:
                paths = ole.listdir(streams=True, storages=True)
            except Exception:
                col.damaged("OLE directory does not read")
            if len(paths) > col.settings.max_archive_members:
                raise ExtractionError("too_large", "archive has more than max_archive_members")
            col.text("\n".join("/".join(path) for path in paths), f"{where}.names")
            total = 0
            for path in paths:
                col.budget.check_time()
                try:
                    if ole.get_type(path) != olefile.STGTY_STREAM:
                        continue
                    total += ole.get_size(path)
                    if total > col.settings.max_archive_bytes:
                        raise ExtractionError(
                            "too_large", "archive inflates over max_archive_bytes"
                        )
                    content = ole.openstream(path).read()
                except ExtractionError:
                    raise
                except Exception:
                    col.damaged("OLE stream does not read")
                name = "/".join(path)
                if path[-1] == "\x01Ole10Native" and ole_native(
                    col, content, f"{where}!{name}", depth + 1
                ):
                    continue  # a packaged file, read as itself (RT-134)
                col.file(content, f"{where}!{name}", "", path[-1], depth + 1)
            if any(len(path) == 1 and path[0] in WORKBOOK_STREAMS for path in paths):
                read_xls(col, probe.data, where)  # cells as Excel shows them (RT-129)
            roots = vba_roots(paths)
            if roots:  # macro source is stored compressed (RT-145)
                read_vba(col, ole, roots, where)


def _directory_entry(data: bytes, name: str) -> bool:
    """An OLE directory entry (128 bytes, at a 128-byte boundary after the 512-byte header)
    naming a stream ``name``: the UTF-16LE name, its length field, object type 2 (stream)."""
    needle = name.encode("utf-16-le") + b"\x00\x00"
    start = data.find(needle)
    while start >= 0:
        if start >= 512 and (start - 512) % 128 == 0:
            length = int.from_bytes(data[start + 64 : start + 66], "little")
            if length == len(needle) and data[start + 66] == 2:
                return True
        start = data.find(needle, start + 1)
    return False


def is_encrypted_ooxml(data: bytes) -> bool:
    """An OOXML package encrypted with a password (MS-OFFCRYPTO): an OLE file whose directory
    holds both an ``EncryptionInfo`` and an ``EncryptedPackage`` stream. A document that merely
    contains those words is not."""
    return _directory_entry(data, "EncryptedPackage") and _directory_entry(data, "EncryptionInfo")


@register
class Binary(FileKind):
    name = "binary"
    priority = 10_000  # matches everything: the last resort
    opaque = True

    def matches(self, probe: Probe) -> bool:
        return True

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        covered = strings(col, probe.data, where)
        ebcdic = ebcdic_text(probe.data)  # a mainframe export with EBCDIC line ends
        if ebcdic:
            col.text(ebcdic, f"{where}<ebcdic>")
            covered = len(probe.data)
        # A file of no known kind whose bytes are almost all unreadable (ciphertext, a
        # compressed or media stream we do not know) says nothing we could inspect: blocked.
        # Parts of a document or archive (``!`` in where: fonts, OLE objects) and websocket
        # frames are judged with their container instead.
        if (
            len(probe.data) >= _MIN_OPAQUE
            and covered < len(probe.data) * _MIN_READABLE_SHARE
            and "!" not in where
            and where != "message"
        ):
            col.unreadable("file of unknown kind with no readable text")
