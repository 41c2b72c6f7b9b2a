"""Office Open XML packages (docx, xlsx, pptx): every part that can hold text a reader shows.

The package is found the way OPC readers (python-docx, openpyxl, python-pptx) find it: the
main part is the target of the ``officeDocument`` relationship in ``_rels/.rels``, and its
content type says what the package is, whatever the part names. Then *every* part is read,
whatever its name or extension: XML parts for all their character data and the attributes
that hold display text (sheet names, alt text, titles), sheets with shared strings resolved
and formulas kept (with the literals a formula concatenates joined), other parts (an
``altChunk`` HTML/RTF/text import, embedded files) as files of their own; media are
uninspectable. Relationship files are read for their external targets (hyperlinks).
Only ``[Content_Types].xml`` is skipped (it holds part names and MIME types).
"""

from __future__ import annotations

import html
import itertools
import re
import zipfile
from xml.parsers import expat

from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.archive import (
    Archive,
    XmlText,
    embedded,
    local_name,
    names_and_comments,
    natural,
)
from proxy.extract.files.displayed import (
    BUILTIN_DATE_FORMATS,
    DisplayedWordText,
    has_literal_text,
    integral_number,
    is_date_format,
    render_date_serial,
    render_number_format,
)
from proxy.extract.files.kind import Probe
from proxy.extract.files.layout import BOX_ELEMENTS, BoxLayout

_OFFICE_DOCUMENT = "/officeDocument"
_TYPES = {
    "wordprocessingml": "docx",
    "spreadsheetml": "xlsx",
    "presentationml": "pptx",
}
_BY_NAME = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
#: ``string``: a VML ``v:textpath`` (Word's Design > Watermark, WordArt) draws its text
_DISPLAY_ATTRIBUTES = frozenset({"name", "title", "descr", "tooltip", "alt", "caption", "string"})
# Parts that only style the document: read fast, for their character data only
# (numbering.xml and settings.xml are read in full: list labels and document variables).
_STYLING = re.compile(
    r"(^|/)(theme/|styles(WithEffects)?\.xml$|fontTable\.xml$|webSettings\.xml$|"
    r"calcChain\.xml$|presProps\.xml$|viewProps\.xml$|tableStyles\.xml$|"
    r"printerSettings/)"
)
#: slide layouts and masters: placeholder boxes a slide's own boxes replace
_TEMPLATES = re.compile(r"(^|/)(slideLayouts|slideMasters|notesMasters|handoutMasters)/")
_TAG = re.compile(r"<[^<>]*>")  # linear: a "<" scans only to the next "<" or ">"
_LITERAL = re.compile(
    r'"((?:[^"]|"")*)"|(?<![A-Za-z_$])(\d+(?:\.\d+)?)(?![A-Za-z_(])'
    r"|(?<![A-Za-z_.])(?i:(?:uni)?char)\(\s*(\d{1,7})\s*\)"
)


def _xml_attributes(data: bytes, element: str) -> list[dict[str, str]]:
    """Attributes of every ``element`` in a small XML part (relationships, content types)."""
    found: list[dict[str, str]] = []
    parser = expat.ParserCreate(namespace_separator="}")

    def start(name: str, attrs: dict[str, str]) -> None:
        if local_name(name) == element:
            found.append(attrs)

    def refuse(*_args: object) -> None:
        raise ValueError("DTD")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError):
        return []
    return found


def _member(probe: Probe, name: str, limit: int = 1 << 20) -> bytes:
    zf = probe.zip
    if zf is None:
        return b""
    try:
        info = zf.getinfo(name)
        if info.flag_bits & 0x1 or info.file_size > limit:
            return b""
        with zf.open(info) as fh:
            return fh.read(limit)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        return b""
    except Exception:  # zlib.error and friends: the reader proper reports the damage
        return b""


def main_part(probe: Probe) -> str | None:
    """The package's main part name, from ``_rels/.rels`` (``officeDocument``)."""
    for rel in _xml_attributes(_member(probe, "_rels/.rels"), "Relationship"):
        if rel.get("Type", "").endswith(_OFFICE_DOCUMENT) and rel.get("TargetMode") != "External":
            return rel.get("Target", "").lstrip("/")
    return None


def package_kind(probe: Probe) -> str | None:
    """docx | xlsx | pptx for an OOXML package (by the main part's content type, or its
    conventional name), None for anything else."""
    cached = getattr(probe, "_ooxml_kind", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    kind: str | None = None
    if probe.is_zip:
        main = main_part(probe)
        if main:
            for override in _xml_attributes(_member(probe, "[Content_Types].xml"), "Override"):
                if override.get("PartName", "").lstrip("/") == main:
                    ctype = override.get("ContentType", "")
                    kind = next((k for marker, k in _TYPES.items() if marker in ctype), None)
            if kind is None:
                kind = _BY_NAME.get(main) or next(
                    (
                        k
                        for prefix, k in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx"))
                        if main.startswith(prefix)
                    ),
                    None,
                )
        if kind is None:
            kind = next((k for name, k in _BY_NAME.items() if name in probe.zip_names), None)
    probe._ooxml_kind = kind  # type: ignore[attr-defined]
    return kind


def _is_xml(head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") or head.startswith((b"\xff\xfe<", b"\xfe\xff\x00<"))


def read_package(archive: Archive, main: str | None = None) -> None:
    infos = archive.infos
    names_and_comments(archive)  # zipfile shows them; python-docx and Word do not
    shared: list[str] = []
    used: set[int] = set()  # shared strings some cell shows
    shared_name = ""
    by_name = {info.filename: info for info in infos}
    for name, info in by_name.items():
        if name.endswith("sharedStrings.xml"):
            shared, shared_name = _shared_strings(archive, info), name
            break
    styles = next(
        (
            info
            for name, info in by_name.items()
            if name.startswith("xl/") and name.endswith("styles.xml")
        ),
        None,
    )
    formats = _cell_formats(archive, styles) if styles else []
    alignments = _cell_alignments(archive, styles) if styles else []
    # main document first, then the rest in natural order
    firsts = {main or "", "word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"}
    ordered = sorted(infos, key=lambda i: (i.filename not in firsts, natural(i.filename)))
    for info in ordered:
        name = info.filename
        if name == "[Content_Types].xml" or name.startswith("docProps/thumbnail"):
            continue  # part names and types; a picture of the first page we read as text
        if embedded(archive, info):
            continue
        if name.endswith(".rels"):
            _external_targets(archive, info)
            continue
        if "/worksheets/" in f"/{name}" or "/dialogsheets/" in f"/{name}":
            _sheet(archive, info, shared, used, formats, alignments)
            continue
        if _STYLING.search(name):
            _tag_stripped(archive, info)
            continue
        if name.endswith("sharedStrings.xml"):
            continue
        if name.startswith("xl/pivotCache/"):
            _attribute_values(archive, info, "v")
        content_head = _head(archive, info)
        if _is_xml(content_head):
            _xml_part(archive, info)
        else:  # altChunk imports (HTML, RTF, text), binary parts: read as files
            content = archive.read(info)
            if content:
                archive.col.file(content, archive.at(name), "", name, archive.depth + 1)
    unused = [text for index, text in enumerate(shared) if index not in used and text]
    if unused:  # strings in the table that no cell shows: still sent
        archive.col.text("\n".join(unused), archive.at(shared_name))


def _xml_part(archive: Archive, info: zipfile.ZipInfo) -> None:
    """An XML part: all its character data and display attributes; for a part that holds
    deleted, hidden, field-code or symbol text, also its text as Word displays it."""
    text = XmlText(archive.col, None, _DISPLAY_ATTRIBUTES)
    boxes = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        if local_name(name) in BOX_ELEMENTS:
            boxes[0] += 1
        text.start(name, attrs)

    archive.parse(info, start, text.end, text.chars)
    text.emit(archive.at(info.filename))
    if boxes[0] >= 2 and not _TEMPLATES.search(
        info.filename
    ):  # positioned text boxes: also read those side by side joined (RT-99)
        layout = BoxLayout()
        archive.parse(info, layout.start, layout.end, layout.chars)
        archive.col.text(layout.view(), archive.at(f"{info.filename}<side by side>"))
    if text.not_as_shown:  # a second pass, for the parts that need it only
        shown = DisplayedWordText(archive.col)
        archive.parse(info, shown.start, shown.end, shown.chars)
        if shown.differs:
            shown.emit(archive.at(f"{info.filename}<displayed>"))


def _tag_stripped(archive: Archive, info: zipfile.ZipInfo) -> None:
    """Styling parts (styles, themes, fonts, numbering, settings, masters' layouts): their
    character data, found fast with tags stripped (python-docx's template has ~800 KB of
    latent-style XML that yields a few hundred characters)."""
    raw = archive.read(info).decode("utf-8", errors="replace")
    text = html.unescape(_TAG.sub(" ", raw))
    archive.col.text(" ".join(text.split()), archive.at(info.filename))


def _head(archive: Archive, info: zipfile.ZipInfo) -> bytes:
    archive._check_encrypted(info)
    try:
        with archive.zf.open(info) as fh:
            return fh.read(64)
    except Exception as exc:
        archive.col.damaged(f"archive member does not inflate ({type(exc).__name__})")


def _external_targets(archive: Archive, info: zipfile.ZipInfo) -> None:
    """Hyperlinks and other external targets of a relationship part (readers show them)."""
    data = archive.read(info)
    targets = [
        rel.get("Target", "")
        for rel in _xml_attributes(data, "Relationship")
        if rel.get("TargetMode") == "External"
    ]
    if targets:
        archive.col.text("\n".join(targets), archive.at(info.filename))


def formula_literals(formula: str) -> str:
    """The string and number literals of a formula, joined in order: what ``="JG10"&"3729A"``
    or ``=CONCAT("943",476,"5919")`` evaluates to when it only concatenates literals;
    ``CHAR(74)`` / ``UNICHAR(74)`` are their characters."""
    parts = []
    for match in _LITERAL.finditer(formula):
        quoted, number, code = match.groups()
        if quoted is not None:
            parts.append(quoted.replace('""', '"'))
        elif number is not None:
            parts.append(number)
        elif 0x20 <= int(code) <= 0x10FFFF and not 0xD800 <= int(code) <= 0xDFFF:
            parts.append(chr(int(code)))  # CHAR(74) / UNICHAR(74): "J"
    return "".join(parts)


def _shared_strings(archive: Archive, info: zipfile.ZipInfo) -> list[str]:
    """``xl/sharedStrings.xml``: the text of each ``<si>`` (phonetic guides left out)."""
    strings: list[str] = []
    current: list[str] = []
    depth = {"t": 0, "rPh": 0}
    budget = archive.col.budget
    size = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local in depth:
            depth[local] += 1

    def end(name: str) -> None:
        local = local_name(name)
        if local in depth:
            depth[local] -= 1
        elif local == "si":
            strings.append("".join(current))
            current.clear()

    def chars(data: str) -> None:
        nonlocal size
        if depth["t"] > 0 and not depth["rPh"]:
            size += len(data)
            if size > budget.remaining_chars:
                raise ExtractionError("too_large", "extracted text over max_text_chars")
            current.append(data)

    archive.parse(info, start, end, chars)
    return strings


def _cell_formats(archive: Archive, info: zipfile.ZipInfo) -> list[str | None]:
    """``xl/styles.xml``: per cell style index (``<c s=…>``), its number format code when that
    format shows literal text of its own, else None."""
    codes: dict[str, str] = {}
    formats: list[str | None] = []
    in_cell_xfs = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "numFmt":
            code = attrs.get("formatCode", "")
            if has_literal_text(code) or is_date_format(code):
                codes[attrs.get("numFmtId", "")] = DATE_FORMAT if is_date_format(code) else code
        elif local == "cellXfs":
            in_cell_xfs[0] = True
        elif local == "xf" and in_cell_xfs[0] and len(formats) < 65536:
            number_format = attrs.get("numFmtId", "")
            builtin_date = number_format in BUILTIN_DATE_FORMATS and number_format not in codes
            formats.append(DATE_FORMAT if builtin_date else codes.get(number_format))

    def end(name: str) -> None:
        if local_name(name) == "cellXfs":
            in_cell_xfs[0] = False

    archive.parse(info, start, end, lambda _data: None)
    return formats if any(formats) else []


def _cell_alignments(archive: Archive, info: zipfile.ZipInfo) -> list[str]:
    """``xl/styles.xml``: per cell style index, its horizontal alignment ("" for general)."""
    alignments: list[str] = []
    in_cell_xfs = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local == "cellXfs":
            in_cell_xfs[0] = True
        elif in_cell_xfs[0] and local == "xf" and len(alignments) < 65536:
            alignments.append("")
        elif in_cell_xfs[0] and local == "alignment" and alignments:
            alignments[-1] = attrs.get("horizontal", "")

    def end(name: str) -> None:
        if local_name(name) == "cellXfs":
            in_cell_xfs[0] = False

    archive.parse(info, start, end, lambda _data: None)
    return alignments if any(alignments) else []


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_SPANNING = frozenset({"fill", "justify", "distributed", "centerContinuous"})


def _column(ref: str | None, previous: int) -> int:
    letters = "".join(ch for ch in (ref or "") if ch.isalpha()).upper()
    if not letters:
        return previous + 1
    index = 0
    for ch in letters[:3]:
        index = index * 26 + ord(ch) - 64
    return index


def _meeting_cells(row: list[tuple[int, str, bool, str]]) -> list[str]:
    """Adjacent cells of one row whose texts meet at their shared edge (RT-99): the left one
    shown at its right edge (aligned right, or a number with general alignment), the right
    one at its left edge (aligned left, or text with general alignment). To the eye that is
    one string; each pair is glued."""
    out = []
    for (col0, text0, number0, align0), (col1, text1, number1, align1) in itertools.pairwise(row):
        if col1 != col0 + 1:
            continue
        # a number shown right through general alignment meets only text that continues
        # it (digits: "943476" | "5919"); an ordinary id | name row adds nothing
        right_edge = (
            align0 == "right"
            or align0 in _SPANNING
            or ((not align0 or align0 == "general") and number0 and text1[:1].isdigit())
        )
        left_edge = (
            align1 == "left"
            or align1 in _SPANNING
            or ((not align1 or align1 == "general") and not number1)
        )
        if right_edge and left_edge:
            out.append(text0[-40:] + text1[:40])
    return out


def _sheet(
    archive: Archive,
    info: zipfile.ZipInfo,
    shared: list[str],
    used: set[int],
    formats: list[str | None] | None = None,
    alignments: list[str] | None = None,
) -> None:
    """One worksheet: cell values (shared strings resolved) and formulas, row by row; then
    the text outside the cells (page headers and footers, data-validation lists and their
    messages, conditional-format formulas, hyperlink labels), one element a line."""
    text = XmlText(archive.col, None)
    cell: dict[str, object] = {
        "type": None,
        "style": None,
        "value": [],
        "formula": [],
        "capture": None,
        "column": 0,
    }
    outside: list[str] = []  # character data and display attributes outside the cells
    in_cell = [False]
    row: list[tuple[int, str, bool, str]] = []  # (column, shown text, is a number, alignment)
    meeting: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if attrs and not in_cell[0]:
            for key in _SHEET_ATTRIBUTES:
                if attrs.get(key):
                    outside.append(attrs[key] + "\n")
        if local == "c":
            in_cell[0] = True
            cell["column"] = _column(attrs.get("r"), row[-1][0] if row else 0)
            cell["type"] = attrs.get("t")
            cell["style"] = attrs.get("s")
            cell["value"] = []
            cell["formula"] = []
        elif local in ("v", "t"):  # <v> value, <is><t> inline string
            cell["capture"] = "value"
        elif local == "f":
            cell["capture"] = "formula"

    def end(name: str) -> None:
        local = local_name(name)
        if local in ("v", "t", "f"):
            cell["capture"] = None
        elif not in_cell[0] and outside and not outside[-1].endswith("\n"):
            outside.append("\n")
        if local == "c":
            in_cell[0] = False
            raw = "".join(cell["value"])  # type: ignore[arg-type]
            value = raw
            if cell["type"] == "b":
                value = ""
            elif cell["type"] == "s":
                try:
                    value = shared[int(raw)]
                    used.add(int(raw))
                except (ValueError, IndexError):
                    value = raw
            formula = "".join(cell["formula"])  # type: ignore[arg-type]
            if value:
                text.add(value)
                text.add("\t")
                shown = _formatted(formats, cell["style"], value)
                if shown and shown != value:  # what the cell displays through its format
                    text.add(f"{shown}\t")
                number = cell["type"] in (None, "n") and bool(_NUMBER.fullmatch(value))
                integral = integral_number(value) if number else None
                if integral and integral != shown:  # 9.434765919E9 shows 9434765919 (RT-129)
                    text.add(f"{integral}\t")
                style = cell["style"]
                index = int(style) if isinstance(style, str) and style.isdigit() else 0
                align = alignments[index] if alignments and index < len(alignments) else ""
                row.append((cell["column"], shown or value, number, align))  # type: ignore[arg-type]
            if formula:
                literals = formula_literals(formula)
                text.add(f"={formula}\t")
                if literals and literals != value:
                    text.add(f"{literals}\t")
        elif local == "row":
            text.add("\n")
            if len(row) > 1:
                meeting.extend(_meeting_cells(row))
            row.clear()

    def chars(data: str) -> None:
        capture = cell["capture"]
        if capture:
            cell[capture].append(data)  # type: ignore[index, union-attr]
        elif not in_cell[0] and data.strip():
            outside.append(data)

    archive.parse(info, start, end, chars)
    if outside:
        text.add("\n")
        for piece in outside:
            text.add(piece)
            if "&" in piece:  # a page header or footer as printed: its codes left out (RT-131)
                printed = header_footer_text(piece)
                if printed != piece:
                    text.add(f"\n{printed}\n")
    text.emit(archive.at(info.filename))
    archive.col.text("\n".join(meeting), archive.at(f"{info.filename}<cells that meet>"))


#: Excel header/footer codes (ECMA-376 §18.3.1.39): sections &L &C &R, a font &"name,style",
#: a size &14, a colour &KFF0000 / &K01+049, fields &P &N &D &T &F &A &Z &G, styles &B &I &U
#: &E &S &X &Y &H &O; && is a literal ampersand
_HEADER_CODE = re.compile(r'&(?:"[^"]*"|K[0-9A-Fa-f]{6}|K\d\d[+-]\d{3}|\d{1,3}|[A-Za-z]|&)')


def header_footer_text(code: str) -> str:
    """A page header or footer as Excel prints it: each section on a line of its own, the
    formatting and field codes left out."""

    def shown(match: re.Match[str]) -> str:
        code_ = match.group()
        if code_ == "&&":
            return "&"
        return "\n" if code_ in ("&L", "&C", "&R") else ""

    return _HEADER_CODE.sub(shown, code)


def _formatted(formats: list[str | None] | None, style: object, value: str) -> str | None:
    if not formats or not isinstance(style, str) or not style.isdigit():
        return None
    index = int(style)
    code = formats[index] if index < len(formats) else None
    if code == DATE_FORMAT:  # a day serial shown as a date (a date of birth: RT-129)
        return render_date_serial(value)
    return render_number_format(code, value) if code else None


#: the format list's mark for a date format (its cells show a day serial as a date)
DATE_FORMAT = "\x00date"


#: attributes a spreadsheet app shows outside the cells (hyperlink labels and tips, input and
#: error messages of data validation)
_SHEET_ATTRIBUTES = ("display", "tooltip", "prompt", "promptTitle", "error", "errorTitle")


def _attribute_values(archive: Archive, info: zipfile.ZipInfo, attribute: str) -> None:
    """Pivot caches keep a copy of the source data in ``v=`` attributes."""
    text = XmlText(archive.col, frozenset())

    def start(name: str, attrs: dict[str, str]) -> None:
        value = attrs.get(attribute) or attrs.get("name")
        if value:
            text.add(value)
            text.add("\n")

    archive.parse(info, start, lambda _name: None, lambda _data: None)
    text.emit(archive.at(info.filename))
