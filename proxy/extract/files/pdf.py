"""PDF → text with pypdf, bounded by ``max_pdf_pages`` and the request's time budget (checked
between pages; the addon also time-boxes the whole extraction, so a pathological page cannot
hold a request). Document metadata (title, author, subject, keywords) is kept.

Uninspectable: encrypted PDFs that do not open with the empty password, corrupt PDFs, and
PDFs with pages but no text layer (scans: images of text).
"""

from __future__ import annotations

import io
import logging

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register

# pypdf warns about every malformed object: noise for the proxy log (and never useful there).
logging.getLogger("pypdf").setLevel(logging.ERROR)


@register
class Pdf(FileKind):
    name = "pdf"
    priority = 10

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(b"%PDF-") or b"%PDF-" in probe.data[:1024]

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        extract_pdf(col, probe.data, where)


def extract_pdf(col: Collector, data: bytes, where: str) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError, ValueError):
                opened = 0
            if not opened:
                col.media("encrypted", where)
                return
        pages = len(reader.pages)
        if pages > col.settings.max_pdf_pages:
            raise ExtractionError("too_large", "PDF has more than max_pdf_pages")
        meta = reader.metadata or {}
        for key in ("/Title", "/Author", "/Subject", "/Keywords"):
            value = meta.get(key)
            if isinstance(value, str):
                col.text(value, f"{where}<pdf{key.lower().replace('/', '.')}>")
        found = False
        for index, page in enumerate(reader.pages):
            col.budget.check_time()
            text = page.extract_text() or ""
            if text.strip():
                found = True
                col.text(text, f"{where}<page {index + 1}>")
        if pages and not found:
            col.media("image", f"{where}<pdf without text>")
    except ExtractionError:
        raise
    except Exception:  # pypdf raises many types on malformed input: all mean "cannot read"
        col.media("corrupt_file", where)
