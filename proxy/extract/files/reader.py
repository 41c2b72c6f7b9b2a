"""The file reader the collector uses: loads every file-kind module of this package, sniffs
a file's kind from its bytes (then its declared type and name) and lets that kind read it."""

from __future__ import annotations

import importlib
import pkgutil

import proxy.extract.files as package
from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, registered
from proxy.extract.values import mostly_printable

_INFRASTRUCTURE = frozenset({"kind", "reader"})
_loaded: list[FileKind] = []


def kinds() -> list[FileKind]:
    """Every registered file kind, in priority order (modules imported on first use)."""
    if not _loaded:
        for module in pkgutil.iter_modules(package.__path__):
            if module.name not in _INFRASTRUCTURE and not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")
        _loaded.extend(registered())
    return _loaded


def sniff(probe: Probe) -> FileKind:
    for kind in kinds():
        if kind.matches(probe):
            return kind
    raise LookupError("no file kind matched: the binary kind must match everything")


class FileReader:
    """The :class:`~proxy.extract.collector.FileReader` backed by the file-kind registry."""

    def read(
        self, col: Collector, data: bytes, where: str, content_type: str, filename: str, depth: int
    ) -> None:
        """Write ``data``'s text (or an uninspectable marker) into ``col``."""
        if not data:
            return
        if depth > col.settings.max_nesting:
            raise ExtractionError("too_large", "files nested too deeply")
        col.budget.check_time()
        probe = Probe(data, content_type, filename, col.settings.max_archive_members)
        sniff(probe).read(col, probe, where, depth)

    def read_embedded(self, col: Collector, data: bytes, where: str, depth: int) -> bool:
        """Decoded base64 from inside prompt text: a document, archive or media file is read
        (its kind decides); text and opaque bytes are left to the normaliser's decoded views.
        True if it was read as a file."""
        probe = Probe(data, "", "", col.settings.max_archive_members)
        kind = sniff(probe)
        if kind.text_like or kind.opaque or _utf16(data):
            return False
        col.file(data, where, "", "", depth)  # (through the collector: its depth is tracked)
        return True

    def read_blob(
        self, col: Collector, data: bytes, where: str, content_type: str, depth: int
    ) -> None:
        """Decoded base64 from a JSON string: text is scanned, documents and media are read
        as files, anything else (signatures, ciphertext) carries no text and is skipped."""
        probe = Probe(data, content_type, "", col.settings.max_archive_members)
        kind = sniff(probe)
        wide = _utf16(data)
        if kind.text_like or wide:
            try:
                text = data.decode(wide or "utf-8")
            except UnicodeDecodeError:  # legacy Windows text, as the text kind reads it
                text = data.decode("cp1252", errors="replace")
            if mostly_printable(text):
                col.text(text, where)
            return
        if kind.opaque and not content_type:
            return  # signatures, ciphertext in protocol fields: no text, nothing claimed
        # a declared file or media type: read (an unknown binary that says nothing is blocked)
        self.read(col, data, where, content_type, "", depth)


def _utf16(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` for BOM-less UTF-16 text (ASCII-range characters leave
    every other byte zero), else None."""
    if len(data) < 16 or len(data) % 2:
        return None
    half = len(data) // 2
    if data[1::2].count(0) >= half * 0.9 and data[0::2].count(0) == 0:
        return "utf-16-le"
    if data[0::2].count(0) >= half * 0.9 and data[1::2].count(0) == 0:
        return "utf-16-be"
    return None


FILES = FileReader()
