"""gzip files: inflated (bounded by the body size limit) and read as the file inside."""

from __future__ import annotations

import gzip
import zlib

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register


@register
class Gzip(FileKind):
    name = "gzip"
    priority = 40

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"\x1f\x8b")

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        limit = col.budget.max_bytes
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = bytearray()
        buf = probe.data
        try:
            while not d.eof:
                chunk = d.decompress(buf, 256 * 1024)
                buf = d.unconsumed_tail
                out += chunk
                if len(out) > limit:
                    raise ExtractionError("too_large", "gzip file inflates over the size limit")
                if not chunk and not buf:
                    break
        except (zlib.error, gzip.BadGzipFile):
            col.media("corrupt_file", where)
            return
        filename = probe.filename
        inner = filename[:-3] if filename.lower().endswith(".gz") else ""
        col.file(bytes(out), f"{where}!gunzip", "", inner, depth + 1)
