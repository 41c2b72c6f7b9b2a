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

import hashlib
import io
import itertools
import logging
import re
import unicodedata
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
        _xfa(col, reader, where, depth)
        _document_parts(col, reader, where, depth)
        scanned = 0
        checked: dict[int, bool] = {}  # font object → its ToUnicode map is a decoy
        pictures: set[object] = set()  # image objects already sent to OCR (a logo on every page)
        for index, page in enumerate(reader.pages):
            col.budget.check_time()
            at = f"{where}<page {index + 1}>"
            _check_streams(page)
            text = page.extract_text() or ""
            _annotations(col, page, at, depth)
            if text.strip():
                if _forged(text) or _decoy_fonts(page, checked):
                    col.unreadable("PDF text with a forged ToUnicode map")
                col.text(text, at)
                layout = _layout_view(page, reader)
                if layout and "".join(layout.split()) != "".join(text.split()):
                    col.text(layout, f"{at}<layout>")  # as the page shows it (RT-99)
                _pictures_beside_text(col, page, f"{at}<picture>", pictures)
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


_PLACE = (b"Tm", b"Td", b"TD")
#: a TJ number above this (thousandths of an em) moves the pen back over drawn glyphs:
#: ordinary kerning stays far below it, drawing the second half of a line first needs it
_TJ_BACKWARDS = 500


def _layout_view(page: Any, reader: Any) -> str:
    """The page's text in layout order when its content stream draws text out of that order
    (glyphs placed one by one, shuffled, right to left, lines interleaved, a TJ array kerned
    back over itself), else "". Each shown string (each string of a TJ array too) is placed
    with pypdf's layout-mode text state (real glyph widths, Tc/Tw/Tz, TJ offsets, cm); only
    pages that place text more than once per line, or move back inside a TJ, pay that."""
    from pypdf.generic import ArrayObject, ContentStream

    try:
        contents = page.get("/Contents")
        if contents is None or "/Resources" not in page:
            return ""
        operations = ContentStream(contents.get_object(), reader, "bytes").operations
        placements = sum(1 for _args, op in operations if op in _PLACE)
        backwards = any(
            op == b"TJ"
            and args
            and isinstance(args[0], ArrayObject)
            and any(isinstance(v, (int, float)) and v > _TJ_BACKWARDS for v in args[0])
            for args, op in operations
        )
        if placements < 2 and not backwards:
            return ""  # text placed a line at a time: stream order is layout order
        placed = _placed_strings(page, operations)
    except Exception:
        return ""
    return _layout_text(placed) if _out_of_order(placed) else ""


def _placed_strings(
    page: Any, operations: list[Any]
) -> list[tuple[float, float, float, float, str]]:
    """Every shown string as (y, x, end x, font height, text), in drawing order, from
    pypdf's layout-mode text state machine (``recurse_to_target_op``: q/Q, cm, BT/ET, the
    text state and positioning operators, each TJ string at its own offset)."""
    from pypdf._text_extraction._layout_mode._fixed_width_page import (
        recurse_to_target_op,
        set_font_operation,
    )
    from pypdf._text_extraction._layout_mode._text_state_manager import TextStateManager

    fonts = page._layout_mode_fonts()
    state = TextStateManager()
    shown: list[Any] = []
    ops = iter(operations)
    for operands, op in ops:
        if op in (b"BT", b"q"):
            _groups, tjs = recurse_to_target_op(
                ops, state, b"ET" if op == b"BT" else b"Q", fonts, False
            )
            shown.extend(tjs)
        elif op == b"Tf":
            set_font_operation(state, fonts, operands)
        else:
            state.set_state_param(op, operands)
        if len(shown) > _MAX_PLACED:
            break
    placed = []
    for tj in shown[:_MAX_PLACED]:
        text = tj.text
        if text and text.strip() and tj.font.interpretable:
            height = float(tj.font_height) or 1.0
            placed.append((float(tj.ty), float(tj.tx), float(tj.displaced_tx), height, text))
    return placed


def _out_of_order(placed: list[tuple[float, float, float, float, str]]) -> bool:
    """Drawn out of reading order: a string placed left of the one drawn before it on the
    same line, or lines switched far more often than there are lines (interleaved)."""
    switches = 0
    lines = set()
    for (y0, x0, _e0, size, _), (y1, x1, _e1, _s, _t) in itertools.pairwise(placed):
        lines.add(round(y1 / max(size, 1.0)))
        if abs(y1 - y0) <= max(size, 1.0) * 0.5:
            if x1 < x0 - size * 0.25:
                return True
        else:
            switches += 1
    return switches > 2 * len(lines) + 2


_MAX_PLACED = 200_000  # shown strings per page recorded for the layout view


def _layout_text(placed: list[tuple[float, float, float, float, str]]) -> str:
    """The strings of a page in reading order: lines top to bottom (baselines within half a
    font size are one line), each left to right; a gap wider than a quarter of the font
    size past the previous string's end is a space. Content streams may draw glyphs in any
    order (shuffled, right to left, the second half first) that a viewer, and the page image
    a model is given, shows in place."""
    if len(placed) < 2:
        return ""
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for item in sorted(placed, key=lambda p: -p[0]):
        if lines and abs(lines[-1][0][0] - item[0]) <= max(item[3], 1.0) * 0.5:
            lines[-1].append(item)
        else:
            lines.append([item])
    out = []
    for line in lines:
        parts: list[str] = []
        end = None
        for _y, x, x_end, size, text in sorted(line, key=lambda p: p[1]):
            piece = text.replace("\n", " ")
            if end is not None and x - end > size * 0.25 and not piece.startswith(" "):
                parts.append(" ")
            parts.append(piece)
            end = max(x_end, x)
        out.append(" ".join("".join(parts).split()))
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


def _decoy_fonts(page: Any, checked: dict[int, bool]) -> bool:
    """True when a font of the page (or of a Form XObject it draws) carries a ToUnicode map
    that lies about the glyphs the font draws (RT-77): the text layer then reads as decoy
    text while the page shows other characters, so it is not read as if it were true."""
    from pypdf.generic import DictionaryObject

    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject):
        return False
    fonts = list(_fonts(resources))
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    if isinstance(xobjects, DictionaryObject):
        for ref in list(xobjects.values())[:64]:
            form = ref.get_object()
            inner = form.get("/Resources") if isinstance(form, DictionaryObject) else None
            inner = inner.get_object() if inner is not None else None
            if isinstance(inner, DictionaryObject):
                fonts.extend(_fonts(inner))
    for font in fonts:
        key = id(font) if font.indirect_reference is None else font.indirect_reference.idnum
        if key not in checked:
            checked[key] = _decoy_map(font)
        if checked[key]:
            return True
    return False


def _fonts(resources: Any) -> Any:
    from pypdf.generic import DictionaryObject

    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else None
    if isinstance(fonts, DictionaryObject):
        for ref in list(fonts.values())[:256]:
            font = ref.get_object()
            if isinstance(font, DictionaryObject) and "/ToUnicode" in font:
                yield font


#: a ToUnicode entry this long in ASCII letters is a word, not a glyph (the longest Latin
#: ligatures, ffi / ffl, are three)
_DECOY_WORD = re.compile(r"[A-Za-z]{4}|[A-Za-z]+ +[A-Za-z]")
_DECOY_MIN = 2  # entries that map one glyph to a word
_DISAGREE_MIN = 4  # glyphs whose ToUnicode character is not the one their glyph name names


def _decoy_map(font: Any) -> bool:
    """A forged ToUnicode map: glyphs mapped to whole words (one code, one decoy word), or
    a map that disagrees with the font's own encoding (``/Differences`` names the glyph
    ``/J`` and the map says ``x``) for several glyphs and a third of those it names."""
    from pypdf._cmap import get_encoding
    from pypdf._codecs.adobe_glyphs import adobe_glyphs
    from pypdf.generic import ArrayObject, DictionaryObject

    try:
        _encoding, mapped = get_encoding(font)
    except Exception:  # a map pypdf cannot read: the page text says what it reads
        return False
    values = [v for v in mapped.values() if isinstance(v, str)]
    if sum(1 for value in values if _DECOY_WORD.search(value)) >= _DECOY_MIN:
        return True
    encoding = font.get("/Encoding")
    encoding = encoding.get_object() if encoding is not None else None
    differences = encoding.get("/Differences") if isinstance(encoding, DictionaryObject) else None
    differences = differences.get_object() if differences is not None else None
    if not isinstance(differences, ArrayObject):
        return False
    compared = disagree = 0
    code = 0
    for item in differences[:512]:
        if isinstance(item, int):
            code = int(item)
            continue
        named = adobe_glyphs.get(str(item))
        shown = mapped.get(chr(code))
        code += 1
        if not named or not isinstance(shown, str) or not shown.strip() or not named.strip():
            continue
        compared += 1
        if unicodedata.normalize("NFKC", shown) != unicodedata.normalize("NFKC", named):
            disagree += 1
    return disagree >= _DISAGREE_MIN and disagree * 3 >= compared


#: pictures smaller than this cannot show a legible line of text (rules, bullets, icons)
_MIN_PICTURE_SIDE = 12
_MIN_PICTURE_AREA = 2_400


def _pictures_beside_text(col: Collector, page: Any, where: str, seen: set[object]) -> None:
    """The pictures of a page that also has a text layer go to OCR (RT-41): a viewer, and the
    page image a model is given, shows what they draw; the text layer says nothing of it. Each
    picture (by its bytes) once per document; pictures too small to hold a line of text are skipped.
    OCR's own bounds (``ocr.max_images_per_request``, its time budget) then apply: an image
    past them stays uninspectable, as in a docx."""
    from PIL import Image

    try:
        images = list(page.images)
    except Exception:  # pypdf raises many types on odd image streams: the policy decides
        col.media("image", where)
        return
    for image in images:
        key = hashlib.sha256(image.data).digest() if image.data else b""
        if key in seen or not image.data:
            continue
        seen.add(key)
        try:
            with Image.open(io.BytesIO(image.data)) as picture:
                width, height = picture.size
        except Exception:  # Pillow cannot even read its header: the policy decides
            col.media("image", where)
            continue
        if min(width, height) < _MIN_PICTURE_SIDE or width * height < _MIN_PICTURE_AREA:
            continue
        col.media("image", where, image.data)
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


def _xfa(col: Collector, reader: Any, where: str, depth: int) -> None:
    """An XFA form's packets (``/AcroForm /XFA``: one stream, or name / stream pairs): the
    ``datasets`` packet holds what was typed into a dynamic form (Adobe LiveCycle), which
    Acrobat shows in its fields (RT-135). Each packet is read as an XML file."""
    from pypdf.generic import ArrayObject, StreamObject

    root = reader.trailer.get("/Root")
    form = root.get_object().get("/AcroForm") if root is not None else None
    xfa = form.get_object().get("/XFA") if form is not None else None
    xfa = xfa.get_object() if xfa is not None else None
    packets = list(xfa) if isinstance(xfa, ArrayObject) else [xfa]
    for index, packet in enumerate(packets):
        packet = packet.get_object() if packet is not None else None  # noqa: PLW2901
        if isinstance(packet, StreamObject):
            col.budget.check_time()
            data = packet.get_data()
            col.file(data, f"{where}<xfa {index}>", "application/xml", "xfa.xml", depth + 1)


def _attached_files(col: Collector, annot: Any, at: str, depth: int) -> None:
    """A FileAttachment annotation's embedded file (``/FS /EF /F`` or ``/UF``: the paperclip
    on a page, RT-135), read as a file of its own."""
    if annot.get("/Subtype") != "/FileAttachment" or annot.get("/FS") is None:
        return
    spec = annot["/FS"].get_object()
    if not hasattr(spec, "get"):
        return
    name = _string(spec.get("/UF")) or _string(spec.get("/F")) or ""
    col.text(name, f"{at}<attachment>")
    embedded = spec.get("/EF")
    embedded = embedded.get_object() if embedded is not None else None
    if not hasattr(embedded, "get"):
        return
    seen: set[int] = set()
    for key in ("/F", "/UF"):
        ref = embedded.get(key)
        if ref is None or getattr(ref, "idnum", None) in seen:
            continue
        seen.add(getattr(ref, "idnum", -1))
        col.budget.check_time()
        col.file(ref.get_object().get_data(), f"{at}<attachment {name}>", "", name, depth + 1)


def _annotations(col: Collector, page: Any, at: str, depth: int = 0) -> None:
    annots = page.get("/Annots")
    if annots is None:
        return
    parts: list[str] = []
    for ref in annots.get_object():
        annot = ref.get_object()
        _attached_files(col, annot, at, depth)
        for key in ("/Contents", "/T", "/Subj", "/RC", "/V", "/TU"):
            value = _string(annot.get(key)) if annot.get(key) is not None else None
            if value:
                parts.append(value)
        action = annot.get("/A")
        uri = _string(action.get_object().get("/URI")) if action is not None else None
        if uri:
            parts.append(uri)
        parts.extend(_appearance_text(col, page, annot))
    if parts:
        col.text("\n".join(parts), f"{at}<annotations>")


_APPEARANCES = ("/N", "/R", "/D")  # normal, rollover, down: what a viewer draws (RT-105)
_MAX_APPEARANCES = 2_000  # appearance streams read per page (the time budget also applies)


def _appearance_text(col: Collector, page: Any, annot: Any) -> list[str]:
    """The text an annotation's appearance streams draw (FreeText, Stamp, a filled form
    field: viewers draw ``/AP``, not ``/Contents`` or ``/V``; flattened forms look exactly
    like this). Each stream is a Form XObject, read with its own resources, else the
    page's (what viewers fall back to)."""
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    appearance = annot.get("/AP")
    appearance = appearance.get_object() if appearance is not None else None
    if not isinstance(appearance, DictionaryObject):
        return []
    streams = []
    for key in _APPEARANCES:
        entry = appearance.get(key)
        entry = entry.get_object() if entry is not None else None
        if isinstance(entry, StreamObject):
            streams.append(entry)
        elif isinstance(entry, DictionaryObject):  # one stream per state (/On, /Off ...)
            streams.extend(
                state.get_object()
                for state in entry.values()
                if isinstance(state.get_object(), StreamObject)
            )
    out = []
    for stream in streams[:_MAX_APPEARANCES]:
        col.budget.check_time()
        if "/Resources" not in stream and "/Resources" in page:
            stream[NameObject("/Resources")] = page["/Resources"]
        text = page._extract_text(stream, page.pdf, content_key=None) or ""
        if text.strip():
            out.append(text)
    return out
