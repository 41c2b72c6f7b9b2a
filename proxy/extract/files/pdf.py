"""PDF → text with pypdf, bounded by ``max_pdf_pages`` and the request's time budget (checked
between pages; pypdf's own decompression limits make an oversized page ``too_large``).

Read: every page's text, the document information dictionary (every string entry), the XMP
metadata packet, form field names and values (AcroForm), and annotations (comments, free
text, link targets). Fail closed:

- a PDF that does not open or whose page does not parse → ``unparseable`` (unless the bytes
  read as text: then it is text that happens to contain ``%PDF-``);
- an encrypted PDF that does not open with the empty password → blocked (``uninspectable``);
- a page that draws text (``Tj``/``TJ``) but yields none, or whose text is a forged ToUnicode
  map (every glyph the same character) → blocked (``uninspectable``): what the reader shows
  is not what we could read (issue 20's OCR will read such pages);
- pages that draw but have no text (a scan, or text drawn as outlines) → an uninspectable
  image (the policy decides; OCR is issue 20's).
"""

from __future__ import annotations

import io
import itertools
import logging
import re
from typing import Any
from xml.parsers import expat

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.kind import FileKind, Probe, register

# pypdf warns about every malformed object: noise for the proxy log (and never useful there).
logging.getLogger("pypdf").setLevel(logging.ERROR)

# A text-showing operator whose string operand has a non-blank character: a literal string,
# a hex string with a code other than 20 (space), or a TJ array holding either.
_STRING = rb"\([ \t\r\n]*[^ \t\r\n)][^)]*\)|<[0-9A-Fa-f\s]*?(?:[013-9A-Fa-f][0-9A-Fa-f]|2[1-9A-Fa-f])[0-9A-Fa-f\s]*>"
_TEXT_OPERATOR = re.compile(
    rb"(?:" + _STRING + rb")\s*(?:Tj|'|\")|\[[^\]]*(?:" + _STRING + rb")[^\]]*\]\s*TJ"
)
_FORGERY_MIN = 16  # this many glyphs that all read as one character is a forged map


@register
class Pdf(FileKind):
    name = "pdf"
    priority = 10

    def matches(self, probe: Probe) -> bool:
        if not (probe.head.startswith(b"%PDF-") or b"%PDF-" in probe.data[:1024]):
            return False
        probe.pdf_reader = _open(probe.data)  # type: ignore[attr-defined]  # read() reuses it
        return probe.pdf_reader is not None or not probe.is_text  # type: ignore[attr-defined]

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        extract_pdf(col, probe.data, where, getattr(probe, "pdf_reader", None), depth)
        appended = _appended_archive(probe)
        if appended:  # a PDF + zip polyglot: zip readers (python-docx) open the zip
            col.file(appended, f"{where}<appended>", "", probe.filename, depth + 1)


def _appended_archive(probe: Probe) -> bytes:
    """A zip (a docx, xlsx, plain zip) appended after the PDF's last ``%%EOF``: zip readers
    find it by its end-of-central-directory record, whatever is in front. b"" when none."""
    if not probe.looks_like_zip:
        return b""
    data = probe.data
    end = data.rfind(b"%%EOF")
    start = data.find(b"PK\x03\x04", end if end >= 0 else 0)
    return data[start:] if start >= 0 else b""


def _open(data: bytes) -> Any:
    """A pypdf reader of ``data`` (its cross-reference table read), or None. Text that merely
    mentions ``%PDF-`` does not open."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if not reader.is_encrypted:
            len(reader.pages)
    except Exception:  # pypdf raises many types on malformed input
        return None
    return reader


def extract_pdf(
    col: Collector, data: bytes, where: str, reader: Any = None, depth: int = 0
) -> None:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        reader = reader or PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (PyPdfError, NotImplementedError, ValueError):
                opened = 0
            if not opened:
                col.unreadable("encrypted PDF")
        pages = len(reader.pages)
        if pages > col.settings.max_pdf_pages:
            raise ExtractionError("too_large", "PDF has more than max_pdf_pages")
        _metadata(col, reader, where)
        _form_fields(col, reader, where)
        _document_parts(col, reader, where, depth)
        scanned = 0
        for index, page in enumerate(reader.pages):
            col.budget.check_time()
            at = f"{where}<page {index + 1}>"
            _check_streams(page)
            text = page.extract_text() or ""
            _annotations(col, page, at)
            if text.strip():
                if _forged(text):
                    col.unreadable("PDF text with a forged ToUnicode map")
                col.text(text, at)
                layout = _layout_view(page, reader)
                if layout and "".join(layout.split()) != "".join(text.split()):
                    col.text(layout, f"{at}<layout>")  # as the page shows it (RT-99)
            elif _draws_text(page):
                col.unreadable("PDF page draws text that does not extract")
            elif _draws_anything(page):
                # a scan, or text drawn as outlines: its pictures go to OCR; a page with no
                # picture to read (outlines) keeps its marker, so the policy decides
                scanned += 1
                _page_images(col, page, f"{at}<no text layer>", scanned <= MAX_SCANNED_PAGES)
    except ExtractionError:
        raise
    except LimitReachedError as exc:
        raise ExtractionError("too_large", "PDF object over the reader's limits") from exc
    except Exception as exc:  # pypdf raises many types on malformed input
        raise ExtractionError(
            "unparseable", f"damaged document: PDF ({type(exc).__name__})"
        ) from exc


_SHOW = (b"Tj", b"TJ", b"'", b'"')
_PLACE = (b"Tm", b"Td", b"TD")


def _layout_view(page: Any, reader: Any) -> str:
    """The page's text in layout order when its content stream draws text out of that order
    (glyphs placed one by one, shuffled, right to left, lines interleaved), else "". pypdf
    joins the strings of one line into one piece, so the page's operations are replayed with
    the font re-selected after every text-showing operator (pypdf then hands each string over
    with its own text matrix); only pages that place text more than once per line pay that."""
    from pypdf.generic import ContentStream, NameObject

    try:
        content = page.get_contents()
        if content is None or "/Resources" not in page:
            return ""
        operations = content.operations
        if sum(1 for _args, op in operations if op in _PLACE) < 2:
            return ""  # text placed a line at a time: stream order is layout order
        replay = []
        font = None
        for operands, op in operations:
            replay.append((operands, op))
            if op == b"Tf":
                font = operands
            elif op in _SHOW and font is not None:
                replay.append((font, b"Tf"))  # pypdf hands the string over on Tf
        stream = ContentStream(None, reader)
        stream.operations = replay
        stream[NameObject("/Resources")] = page["/Resources"]
        placed: list[tuple[float, float, float, str]] = []
        page._extract_text(stream, reader, content_key=None, visitor_text=_placer(placed))
    except Exception:
        return ""
    return _layout_text(placed) if _out_of_order(placed) else ""


def _out_of_order(placed: list[tuple[float, float, float, str]]) -> bool:
    """Drawn out of reading order: a string placed left of the one drawn before it on the
    same line, or lines switched far more often than there are lines (interleaved)."""
    switches = 0
    lines = set()
    for (y0, x0, size, _), (y1, x1, _s, _t) in itertools.pairwise(placed):
        lines.add(round(y1 / max(size, 1.0)))
        if abs(y1 - y0) <= max(size, 1.0) * 0.5:
            if x1 < x0 - size * 0.25:
                return True
        else:
            switches += 1
    return switches > 2 * len(lines) + 2


def _placer(placed: list[tuple[float, float, float, str]]) -> Any:
    """A pypdf ``visitor_text`` that records each shown string with its page position
    (y, x, font size), so a page can be read in the order it is laid out, not drawn."""

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
        if text and text.strip() and len(placed) < _MAX_PLACED:
            try:
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                scale = abs(tm[0] * cm[0]) or 1.0
            except (TypeError, IndexError):
                return
            placed.append((float(y), float(x), float(size or 1) * scale, text))

    return visit


_MAX_PLACED = 200_000  # shown strings per page recorded for the layout view


def _layout_text(placed: list[tuple[float, float, float, str]]) -> str:
    """The strings of a page in reading order: lines top to bottom (baselines within half a
    font size are one line), each left to right; a gap wider than half a font size past the
    previous string's estimated end (0.6 em a character, as Courier) is a space.
    Content streams may draw glyphs in any order (shuffled, right to left, the second half
    first) that a viewer, and the page image a model is given, shows in place."""
    if len(placed) < 2:
        return ""
    lines: list[list[tuple[float, float, float, str]]] = []
    for item in sorted(placed, key=lambda p: -p[0]):
        if lines and abs(lines[-1][0][0] - item[0]) <= max(item[2], 1.0) * 0.5:
            lines[-1].append(item)
        else:
            lines.append([item])
    out = []
    for line in lines:
        parts: list[str] = []
        end = None
        for _y, x, size, text in sorted(line, key=lambda p: p[1]):
            piece = text.replace("\n", " ").strip()
            if end is not None and x - end > size * 0.5:
                parts.append(" ")
            parts.append(piece)
            end = x + len(piece) * size * 0.6
        out.append("".join(parts).strip())
    return "\n".join(out)


#: Text-less pages whose images are kept for OCR; later ones stay uninspectable markers.
MAX_SCANNED_PAGES = 200  # ocr.max_pdf_pages (at most 200) picks how many are read


def _page_images(col: Collector, page: Any, where: str, keep: bool) -> None:
    """A text-less page: mark it as an image, with its picture bytes for OCR when ``keep``."""
    images = []
    if keep:
        try:
            images = [image.data for image in page.images if image.data]
        except Exception:  # pypdf raises many types on odd image streams: leave it marked
            images = []
    if not images:
        col.media("image", where)
    for data in images:
        col.media("image", where, data)
        col.budget.check_time()


def _forged(text: str) -> bool:
    glyphs = [ch for ch in text if not ch.isspace()]
    return len(glyphs) >= _FORGERY_MIN and len(set(glyphs)) <= 1


def _check_streams(page: Any) -> None:
    """A compressed content stream that decodes to nothing is damaged (pypdf, lenient, logs
    the error and carries on with an empty page): fail closed."""
    contents = page.get("/Contents")
    if contents is None:
        return
    contents = contents.get_object()
    for ref in contents if isinstance(contents, list) else [contents]:
        obj = ref.get_object()
        if obj.get("/Filter") is not None and getattr(obj, "_data", b"") and not obj.get_data():
            raise ExtractionError("unparseable", "damaged document: PDF content stream")


def _content_streams(page: Any) -> list[bytes]:
    streams = []
    _check_streams(page)
    contents = page.get_contents()
    if contents is not None:
        streams.append(contents.get_data())
    resources = page.get("/Resources")
    xobjects = resources.get_object().get("/XObject") if resources is not None else None
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Form":
                streams.append(obj.get_data())
    return streams


def _draws_text(page: Any) -> bool:
    return any(_TEXT_OPERATOR.search(stream) for stream in _content_streams(page))


def _draws_anything(page: Any) -> bool:
    return any(stream.strip() for stream in _content_streams(page))


def _string(value: Any) -> str | None:
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return None


def _metadata(col: Collector, reader: Any, where: str) -> None:
    info = reader.metadata or {}
    for key in info:
        value = _string(info.get(key))
        if value:
            col.text(value, f"{where}<pdf.{str(key).lstrip('/').lower()}>")
    root = reader.trailer.get("/Root")
    metadata = root.get_object().get("/Metadata") if root is not None else None
    if metadata is not None:
        col.text(_xml_text(metadata.get_object().get_data()), f"{where}<xmp>")


def _xml_text(data: bytes) -> str:
    """Every character data and attribute value of an XMP packet."""
    parts: list[str] = []
    parser = expat.ParserCreate()

    def start(_name: str, attrs: dict[str, str]) -> None:
        parts.extend(v for v in attrs.values() if v.strip())

    def refuse(*_args: object) -> None:
        raise ValueError("DTD")

    parser.StartElementHandler = start
    parser.CharacterDataHandler = parts.append
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError):
        return data.decode("utf-8", errors="replace")
    return "\n".join(p for p in (" ".join(parts)).split("\n") if p.strip())


def _document_parts(col: Collector, reader: Any, where: str, depth: int) -> None:
    """What a PDF reader shows beside the pages: embedded files (attachments, read as files
    of their own), the outline (bookmark titles), page labels, and every other string of
    the document catalog (``/Lang``, name trees, viewer preferences ...)."""
    for name, contents in (reader.attachments or {}).items():
        col.text(str(name), f"{where}<attachment>")
        for data in contents if isinstance(contents, list) else [contents]:
            if isinstance(data, bytes):
                col.file(data, f"{where}<attachment {name}>", "", str(name), depth + 1)
    titles: list[str] = []
    _outline_titles(reader.outline, titles, 0)
    col.text("\n".join(titles), f"{where}<outline>")
    try:
        labels = list(dict.fromkeys(reader.page_labels))
    except Exception:  # pypdf raises assorted errors on a malformed /PageLabels tree
        labels = []
    col.text("\n".join(label for label in labels if not label.isdigit()), f"{where}<labels>")
    root = reader.trailer.get("/Root")
    if root is not None:
        strings: list[str] = []
        _catalog_strings(root.get_object(), strings, set(), 0)
        col.text("\n".join(dict.fromkeys(strings)), f"{where}<catalog>")


_MAX_OBJECTS = 20_000  # catalog objects visited for strings (the time budget also applies)
_SKIPPED = frozenset({"/Pages", "/Metadata", "/AcroForm", "/Outlines", "/PageLabels"})  # read above


def _outline_titles(items: Any, out: list[str], level: int) -> None:
    if level > 32:
        return
    for item in items or []:
        if isinstance(item, list):
            _outline_titles(item, out, level + 1)
        else:
            title = getattr(item, "title", None)
            if title:
                out.append(str(title))


def _catalog_strings(obj: Any, out: list[str], seen: set[int], level: int) -> None:
    """String values under the catalog (not the page tree, read page by page), bounded."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if level > 32 or len(seen) > _MAX_OBJECTS or isinstance(obj, NameObject):
        return
    if isinstance(obj, IndirectObject):
        key = obj.idnum
        if key in seen:
            return
        seen.add(key)
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        for name, value in obj.items():
            if name not in _SKIPPED and name != "/Parent":
                _catalog_strings(value, out, seen, level + 1)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            _catalog_strings(value, out, seen, level + 1)
    elif isinstance(obj, str) and obj.strip():
        out.append(str(obj))
    elif isinstance(obj, bytes) and obj.strip():
        out.append(obj.decode("latin-1"))


def _form_fields(col: Collector, reader: Any, where: str) -> None:
    fields = reader.get_fields() or {}
    for name, field in fields.items():
        values = [str(name)]
        for key in ("/V", "/DV", "/TU"):
            value = field.get(key)
            if isinstance(value, list):
                values.extend(str(v) for v in value)
            elif value is not None:
                values.append(str(_string(value) or value))
        col.text("\n".join(values), f"{where}<form>")


def _annotations(col: Collector, page: Any, at: str) -> None:
    annots = page.get("/Annots")
    if annots is None:
        return
    parts: list[str] = []
    for ref in annots.get_object():
        annot = ref.get_object()
        for key in ("/Contents", "/T", "/Subj", "/RC", "/V", "/TU"):
            value = _string(annot.get(key)) if annot.get(key) is not None else None
            if value:
                parts.append(value)
        action = annot.get("/A")
        uri = _string(action.get_object().get("/URI")) if action is not None else None
        if uri:
            parts.append(uri)
    if parts:
        col.text("\n".join(parts), f"{at}<annotations>")
