"""The file-kind contract and its registry: what a kind declares and how it registers.

A kind says whether a :class:`Probe` (a file's bytes, declared type and name) is of its
kind (:meth:`FileKind.matches`) and reads it into the collector (:meth:`FileKind.read`).
Kinds are asked in ``priority`` order (lowest first); the first that matches reads. What a
file is comes from what it is: a kind that claims by magic number also checks that the bytes
really are that format (a zip opens, an image decodes), and bytes that read as text are text
whatever their first bytes or declared type say.
"""

from __future__ import annotations

import io
import zipfile
from functools import cached_property
from typing import ClassVar

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError

_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_END = b"PK\x05\x06"
_ZIP_TAIL = 65_536 + 22  # the end-of-central-directory record sits in the last 64 KiB + 22


class Probe:
    """One file as offered for reading: its bytes, what it claims to be, cached views."""

    def __init__(
        self, data: bytes, content_type: str = "", filename: str = "", max_members: int = 10_000
    ) -> None:
        self.data = data
        self.content_type = content_type
        self.filename = filename
        self.max_members = max_members

    @cached_property
    def head(self) -> bytes:
        return self.data[:16]

    @cached_property
    def mime(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @cached_property
    def ext(self) -> str:
        name = self.filename
        return name.rsplit(".", 1)[-1].lower() if "." in name else name.lower()

    @cached_property
    def looks_like_zip(self) -> bool:
        """A local-file header at the start, or an end-of-central-directory record near the
        end (zip readers, python-docx included, find a zip by its end: a prefix does not
        hide one)."""
        return self.data.startswith(_ZIP_LOCAL) or _ZIP_END in self.data[-_ZIP_TAIL:]

    @cached_property
    def zip(self) -> zipfile.ZipFile | None:
        """The file opened as a zip (central directory read), or None if it is not one.
        More central-directory entries than ``max_members`` is ``too_large`` (a zip bomb)."""
        if not self.looks_like_zip:
            return None
        if self.data.count(b"PK\x01\x02") > self.max_members:
            raise ExtractionError("too_large", "archive has more than max_archive_members")
        try:
            zf = zipfile.ZipFile(io.BytesIO(self.data))
            zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError):
            return None
        return zf

    @property
    def is_zip(self) -> bool:
        return self.zip is not None

    @cached_property
    def zip_names(self) -> frozenset[str]:
        zf = self.zip
        return frozenset(zf.namelist()) if zf is not None else frozenset()

    @cached_property
    def is_text(self) -> bool:
        """The bytes read as text: a BOM, or UTF-8 (or a legacy 8-bit charset) with almost
        no control characters and no NUL."""
        return is_text(self.data)


def is_text(data: bytes) -> bool:
    if data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = data[:8192]
    if not sample or b"\x00" in sample:
        return False
    bad = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return bad / len(sample) < 0.02


class FileKind:
    """One kind of file. Subclasses set ``name`` and ``priority``, implement ``matches`` and
    ``read``, and are decorated with :func:`register`."""

    name: ClassVar[str] = "file"
    priority: ClassVar[int] = 500
    # decoded base64 of this kind, found in a JSON string, is scanned as text (not as a file)
    text_like: ClassVar[bool] = False
    # decoded base64 of this kind carries nothing readable and is skipped
    opaque: ClassVar[bool] = False

    def matches(self, probe: Probe) -> bool:
        raise NotImplementedError

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        raise NotImplementedError


_KINDS: list[FileKind] = []


def register[K: type[FileKind]](cls: K) -> K:
    """Class decorator: add an instance of ``cls`` to the registry (kept in priority order)."""
    if not any(type(kind) is cls for kind in _KINDS):
        _KINDS.append(cls())
        _KINDS.sort(key=lambda kind: kind.priority)
    return cls


def registered() -> list[FileKind]:
    """The registered kinds, in priority order (import the kind modules first: see reader)."""
    return list(_KINDS)
