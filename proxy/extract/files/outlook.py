"""Outlook's own formats (red team RT-128): the compressed RTF body (MS-OXRTFCP, "LZFu": a
.msg's ``__substg1.0_10090102`` stream, MAPI ``PR_RTF_COMPRESSED``: how Outlook stores HTML
and rich-text mail), decompressed with ``compressed_rtf`` (maintained, MIT) and read as RTF;
and TNEF (``winmail.dat``, ``application/ms-tnef``: what Outlook sends other mail clients),
its attributes walked, attachment data read as files, the MAPI property blocks read for
their strings and for compressed RTF bodies inside them.

TNEF is our own walk (MS-OXTNEF 2.1: signature, key, then level / id / length / data /
checksum records: twenty lines) rather than ``tnefparse`` (unreleased since 2021): we need
every attribute's bytes, not its object model, and the walk fails closed on a record that
runs past the end."""

from __future__ import annotations

import struct

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register

_LZFU_TYPES = (b"LZFu", b"MELA")  # compressed, uncompressed
_TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"
_ATT_ATTACH_DATA = 0x0006800F
_ATT_ATTACH_TITLE = 0x00018010
_ATT_MAPI_PROPS = 0x00069003
_ATT_ATTACHMENT = 0x00069005  # an attachment's MAPI properties


def _lzfu_size(data: bytes, start: int = 0) -> int:
    """The size of the compressed-RTF block at ``start`` (its header's COMPSIZE + 4), or 0
    if no well-formed header is there."""
    if len(data) < start + 16 or data[start + 8 : start + 12] not in _LZFU_TYPES:
        return 0
    size = struct.unpack_from("<I", data, start)[0] + 4
    return size if 16 <= size <= len(data) - start else 0


@register
class CompressedRtf(FileKind):
    name = "compressed_rtf"
    priority = 32

    def matches(self, probe: Probe) -> bool:
        return _lzfu_size(probe.data) > 0

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        read_compressed_rtf(col, probe.data[: _lzfu_size(probe.data)], where, depth)


def read_compressed_rtf(col: Collector, block: bytes, where: str, depth: int) -> None:
    """One compressed-RTF block, decompressed (its CRC checked) and read as the RTF it is."""
    from compressed_rtf import decompress

    raw_size = struct.unpack_from("<I", block, 4)[0]
    if raw_size > col.settings.max_archive_bytes:
        raise ExtractionError("too_large", "compressed RTF inflates over max_archive_bytes")
    col.budget.check_time()
    try:
        rtf = decompress(block)
    except Exception:  # compressed_rtf raises a bare Exception on a bad CRC or header
        col.damaged("compressed RTF does not decompress")
    if len(rtf) > col.settings.max_archive_bytes:
        raise ExtractionError("too_large", "compressed RTF inflates over max_archive_bytes")
    col.file(rtf, f"{where}<rtf>", "application/rtf", "body.rtf", depth + 1)


def _compressed_rtf_inside(col: Collector, data: bytes, where: str, depth: int) -> None:
    """Compressed-RTF blocks inside a MAPI property block (``PR_RTF_COMPRESSED`` is one
    binary value among many), found by their header."""
    found = 0
    for magic in _LZFU_TYPES:
        at = data.find(magic, 8)
        while at >= 0:
            size = _lzfu_size(data, at - 8)
            if size:
                found += 1
                if found > col.settings.max_archive_members:
                    raise ExtractionError("too_large", "more than max_archive_members bodies")
                read_compressed_rtf(col, data[at - 8 : at - 8 + size], f"{where}#{found}", depth)
            at = data.find(magic, at + 1)


@register
class Tnef(FileKind):
    name = "tnef"
    priority = 34

    def matches(self, probe: Probe) -> bool:
        return probe.data.startswith(_TNEF_SIGNATURE) and len(probe.data) >= 6

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        data = probe.data
        at, index, title = 6, 0, ""  # signature (4), legacy key (2)
        while at < len(data):
            col.budget.check_time()
            if at + 9 > len(data):
                col.damaged("TNEF attribute header runs past the end")
            attribute, length = struct.unpack_from("<II", data, at + 1)
            start = at + 9
            if start + length + 2 > len(data):
                col.damaged("TNEF attribute runs past the end")
            value = data[start : start + length]
            at = start + length + 2  # the value, then its 16-bit checksum
            index += 1
            if index > col.settings.max_archive_members:
                raise ExtractionError("too_large", "TNEF has more than max_archive_members")
            place = f"{where}!attr{index}"
            if attribute == _ATT_ATTACH_TITLE:
                title = value.rstrip(b"\x00").decode("cp1252", errors="replace")
                col.text(title, place)
            elif attribute == _ATT_ATTACH_DATA:
                col.file(value, place, "", title, depth + 1)
            else:
                if attribute in (_ATT_MAPI_PROPS, _ATT_ATTACHMENT):
                    _compressed_rtf_inside(col, value, place, depth)
                col.file(value, place, "", "", depth + 1)
