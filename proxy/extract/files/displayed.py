"""Office text as the application displays it, beside the XML text the part holds.

The XML text of a Word part runs on through things Word does not show in its final view:
tracked deletions (``w:delText``, ``w:moveFrom``), field instructions (``w:instrText``), hidden
runs (``w:vanish``); and it misses what Word draws from attributes (``w:sym`` symbol
characters). A value split by any of these (``JG10<w:delText>XXXX</w:delText>3729A``) reads
whole only in the displayed text, so :class:`DisplayedWordText` builds that too (fed the same
expat events as the part's :class:`~proxy.extract.files.archive.XmlText`) and gives it when
it differs. Both are scanned: the deleted or hidden text is still in the file a model reads.

A spreadsheet cell shows its number through its number format, and a format may carry
literal text (``"JG"0"A"`` shows 103729 as ``JG103729A``): :func:`render_number_format`
renders those formats (the digit placeholders filled as Excel fills them).
"""

from __future__ import annotations

import datetime
import decimal
import re

from proxy.extract.collector import Collector
from proxy.extract.files.archive import XmlText, local_name

#: elements whose character data Word's final view does not show
_NOT_SHOWN = frozenset({"delText", "instrText", "delInstrText"})
#: containers of text Word shows as moved away (the text reappears at the move target)
_MOVED_AWAY = frozenset({"moveFrom"})
#: run properties that hide the run
_HIDING = frozenset({"vanish", "specVanish", "webHidden"})
_OFF = frozenset({"0", "false", "off"})


class DisplayedWordText(XmlText):
    """The text of one Word part as Word's final view shows it (see the module docstring);
    :attr:`differs` says whether anything was left out or drawn from an attribute."""

    def __init__(self, col: Collector) -> None:
        super().__init__(col, None)
        self.differs = False
        self._skip = 0  # open elements whose text is not shown
        self._run = 0  # open w:r
        self._run_hidden = False
        self._in_rpr = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local in _NOT_SHOWN or local in _MOVED_AWAY:
            self._skip += 1
        elif local == "r":
            self._run += 1
            self._run_hidden = False
        elif local == "rPr":
            self._in_rpr += 1
        elif local in _HIDING and self._run and self._in_rpr:
            if _attr(attrs, "val") not in _OFF:
                self._run_hidden = True
                self.differs = True
        elif local == "sym" and not self._hidden():
            char = _symbol(_attr(attrs, "char"))
            if char:
                self.differs = True
                super().start(name, attrs)
                self.add(char)  # inline, as a run's text is
                return
        super().start(name, attrs)

    def end(self, name: str) -> None:
        local = local_name(name)
        if local in _NOT_SHOWN or local in _MOVED_AWAY:
            self._skip = max(self._skip - 1, 0)
        elif local == "r":
            self._run = max(self._run - 1, 0)
            self._run_hidden = False
        elif local == "rPr":
            self._in_rpr = max(self._in_rpr - 1, 0)
        super().end(name)

    def chars(self, data: str) -> None:
        if self._hidden():
            if data.strip():
                self.differs = True
            return
        super().chars(data)

    def _hidden(self) -> bool:
        return self._skip > 0 or (self._run > 0 and self._run_hidden)


def _attr(attrs: dict[str, str], local: str) -> str:
    """An attribute by its local name, whatever its namespace (``w:val``)."""
    for key, value in attrs.items():
        if key == local or key.endswith("}" + local):
            return value
    return ""


def _symbol(code: str) -> str:
    """``w:sym/@w:char`` (hex) as the character it draws; symbol fonts use U+F0xx for their
    8-bit codes."""
    try:
        value = int(code, 16)
    except ValueError:
        return ""
    if 0xF020 <= value <= 0xF0FF:
        value -= 0xF000
    if value < 0x20 or value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        return ""
    return chr(value)


# -- spreadsheet number formats -------------------------------------------------------------

#: one token of a number format: a quoted literal, an escaped character, a bracket (colour,
#: condition, ``[$JG-809]`` currency literal), a repeat/space padding code, or one character
_FORMAT_TOKEN = re.compile(r'"([^"]*)"|\\(.)|\[([^\]]*)\]|[_*](.)|(.)', re.S)
_DATE_CODES = frozenset("dDmMyYhHsS")


def has_literal_text(code: str) -> bool:
    """Whether a number format shows text of its own (quoted, escaped or a ``[$…]`` literal)."""
    return '"' in code or "\\" in code or "[$" in code


def render_number_format(code: str, value: str) -> str | None:
    """``value`` (a cell's stored text) as a format with literal text shows it, or None when
    the format is not one this renders (dates, fractions, no literal text)."""
    if not has_literal_text(code):
        return None
    sections = _sections(code)
    try:
        number = float(value)
    except ValueError:
        text_section = next((s for s in sections if "@" in s), None)
        return _render(text_section, None, value) if text_section else None
    if number < 0 and len(sections) > 1:
        section, number = sections[1], -number
    elif number == 0 and len(sections) > 2:
        section = sections[2]
    else:
        section = sections[0]
    return _render(section, number, value)


def _sections(code: str) -> list[str]:
    sections, current = [], []
    for match in _FORMAT_TOKEN.finditer(code):
        if match.group(5) == ";":
            sections.append("".join(current))
            current = []
        else:
            current.append(match.group(0))
    sections.append("".join(current))
    return sections


def _render(section: str, number: float | None, text: str) -> str | None:
    tokens: list[tuple[str, str]] = []  # (kind, text): lit | digit | point | at
    for match in _FORMAT_TOKEN.finditer(section):
        quoted, escaped, bracket, padding, char = match.groups()
        if quoted is not None:
            tokens.append(("lit", quoted))
        elif escaped is not None:
            tokens.append(("lit", escaped))
        elif bracket is not None:
            if bracket.startswith("$"):
                tokens.append(("lit", bracket[1:].split("-", 1)[0]))
        elif padding is not None:
            continue
        elif char in "0#?":
            tokens.append(("digit", char))
        elif char == ".":
            tokens.append(("point", "."))
        elif char == "@":
            tokens.append(("at", ""))
        elif char in _DATE_CODES or char in "/eE%":
            return None  # dates, fractions, scientific, percent: not rendered here
        elif char == ",":
            continue  # thousands separator / scaling: the digits are what matter
        else:
            tokens.append(("lit", char))
    if number is None:
        return "".join(t if kind == "lit" else text if kind == "at" else "" for kind, t in tokens)
    point = next((i for i, (kind, _) in enumerate(tokens) if kind == "point"), len(tokens))
    whole = [i for i in range(point) if tokens[i][0] == "digit"]
    decimals = [i for i in range(point, len(tokens)) if tokens[i][0] == "digit"]
    if not whole and not decimals:
        return None
    formatted = f"{number:.{len(decimals)}f}"
    int_digits, _, frac_digits = formatted.partition(".")
    if int_digits == "0" and not any(tokens[i][1] == "0" for i in whole):
        int_digits = ""  # "#" shows no lone zero
    filled = [t for _, t in tokens]
    # integer digits fill the placeholders from the right; extra digits go to the first
    digits = list(int_digits.zfill(sum(1 for i in whole if tokens[i][1] == "0")))
    for i in reversed(whole):
        filled[i] = digits.pop() if digits else ""
    if whole and digits:
        filled[whole[0]] = "".join(digits) + filled[whole[0]]
    for i, digit in zip(decimals, frac_digits, strict=False):
        filled[i] = digit
    return "".join(
        text if kind == "at" else "" if kind == "point" and not decimals else filled[i]
        for i, (kind, _) in enumerate(tokens)
    )


#: Excel's built-in date and date-time number formats (ECMA-376 §18.8.30: ids 14-22, 45-47)
BUILTIN_DATE_FORMATS = frozenset({"14", "15", "16", "17", "18", "19", "20", "21", "22", "45"})
#: a date code: d, m or y outside quotes, escapes and brackets ("0.00" and "#,##0" have none)
_DATE_CODE_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01 (after Excel's leap day bug)


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date (``dd/mm/yyyy``, ``d-mmm-yy``, ``yyyy-mm-dd``):
    the first section has a day, month or year letter outside literal text."""
    first = _DATE_CODE_NOISE.sub("", code.split(";", 1)[0])
    return any(letter in first for letter in "dDyY") or (
        ("m" in first or "M" in first) and not any(t in first for t in "hHsS")
    )


def render_date_serial(value: str) -> str | None:
    """A day serial (``25632``, ``25632.5``) as the dd/mm/yyyy date a date-formatted cell shows,
    or None when it is no serial of a date between 1900 and 9999."""
    try:
        serial = float(value)
    except ValueError:
        return None
    if not 1 <= serial < 2_958_466:
        return None
    days = int(serial)
    day = (
        datetime.date(1899, 12, 31) + datetime.timedelta(days=days)
        if days < 60  # before Excel's phantom 1900-02-29
        else _EXCEL_EPOCH + datetime.timedelta(days=days)
    )
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def integral_number(value: str) -> str | None:
    """A number stored in E-notation or with a fractional part that is an integer of at most
    15 digits (``9.434765919E9``, ``94347659.19E2``) as that integer, as a spreadsheet shows
    it; else None."""
    if "e" not in value and "E" not in value:  # a plain decimal: integral if its fraction is 0
        whole, dot, fraction = value.partition(".")
        if not dot or fraction.strip("0") or len(whole.lstrip("-")) > 15:
            return None
        return whole if whole not in ("", "-") else None
    try:
        number = decimal.Decimal(value)
    except decimal.InvalidOperation:
        return None
    if not number.is_finite() or number != number.to_integral_value() or abs(number) >= 10**15:
        return None
    return str(int(number))
