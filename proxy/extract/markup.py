"""HTML → the text a browser (or a model reading the page) shows: character references
decoded (``&#74;&#71;`` → ``JG``), tags between characters dropped (``J<b></b>G`` → ``JG``),
block elements as line breaks, and the attributes that carry display text (alt, title,
value, placeholder, aria-label, meta content). Uses the standard library's HTML parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_MARKUP = re.compile(
    r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,10});|</?[A-Za-z][^<>]{0,200}>"
)
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "option",
        "title",
    ]
)
_TEXT_ATTRIBUTES = frozenset({"alt", "title", "value", "placeholder", "aria-label", "content"})
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    ]
)
#: elements whose content a browser does not show as text (or shows struck out)
_NOT_SHOWN = frozenset({"template", "script", "style", "del", "s", "strike", "noscript"})
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0(?![.\d]*[1-9])"
    r"|(?<![\w-])(?:left|top|text-indent)\s*:\s*-\d{3,}",  # off-screen (left:-9999px)
    re.I,
)


def has_markup(text: str) -> bool:
    """Character references or tags: worth reading as HTML too."""
    return ("&" in text or "<" in text) and _MARKUP.search(text) is not None


class _Text(HTMLParser):
    """All the text (``parts``), and the text a browser shows (``shown``: hidden elements,
    templates, scripts and struck-out text left out, so a value split by them reads whole)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.shown: list[str] = []
        self.extra: list[str] = []
        self.open: list[tuple[str, bool]] = []  # open elements, and whether each hides
        self.hiding = 0
        self.hid = False  # some text was left out of ``shown``
        self.css: list[str] = []  # style sheets: generated content (``content:``)
        self.pseudo: dict[str, dict[str, str]] = {}  # simple selector → ::before / ::after text
        self.afters: dict[int, str] = {}  # open-element depth → its ::after text
        self.hidden_selectors: frozenset[str] = frozenset()  # style-sheet rules that hide
        self.css_read = 0  # how many pieces of ``css`` the rules were read from
        self.css_rest = ""  # where a rule may still be open across a ``</style>``

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")
            self.shown.append("\n")
        hides = tag in _NOT_SHOWN
        for name, value in attrs:
            if value and name in _TEXT_ATTRIBUTES:
                self.extra.append(value)
            if name == "hidden" or (name == "style" and value and _HIDING_STYLE.search(value)):
                hides = True
        if self.hidden_selectors and not hides:  # hidden by a style-sheet rule (RT-131)
            hides = tag in self.hidden_selectors or any(
                (name == "id" and "#" + value in self.hidden_selectors)
                or (
                    name == "class" and any("." + c in self.hidden_selectors for c in value.split())
                )
                for name, value in attrs
                if value
            )
        if tag not in _VOID:
            self.open.append((tag, hides))
            self.hiding += hides
        if self.pseudo:  # CSS generated content drawn around this element (RT-69)
            classes = dict(attrs).get("class") or ""
            keys = [tag, *("." + c for c in classes.split()), "#" + (dict(attrs).get("id") or "")]
            drawn = [self.pseudo[k] for k in keys if k in self.pseudo]
            before = "".join(d.get("before", "") for d in drawn)
            after = "".join(d.get("after", "") for d in drawn)
            if before:
                self.handle_data(before)
            if after and tag not in _VOID:
                self.afters[len(self.open)] = after

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")
            self.shown.append("\n")
        if tag == "style" and self.css:
            self._read_new_css()
        if any(name == tag for name, _ in self.open):
            while self.open:
                after = self.afters.pop(len(self.open), "")
                if after:
                    self.handle_data(after)
                name, hides = self.open.pop()
                self.hiding -= hides
                if name == tag:
                    break

    def _read_new_css(self) -> None:
        """The style-sheet rules read from the CSS seen since the last ``</style>`` only
        (a document of many sheets is read once, not once per sheet), merged into what the
        earlier sheets said: the same as reading all the CSS seen so far (a later rule
        overrides an earlier one), because a rule left open at the last ``</style>`` is
        read again with what follows (:func:`_css_rules_from`)."""
        new = "".join(self.css[self.css_read :])
        self.css_read = len(self.css)
        rules, self.css_rest = _css_rules_from(self.css_rest + new)
        _add_pseudo_content(self.pseudo, rules)
        hiding = _hiding_selectors(rules)
        if hiding - self.hidden_selectors:
            self.hidden_selectors |= hiding

    def handle_data(self, data: str) -> None:
        if self.open and self.open[-1][0] == "style":
            self.css.append(data)
        self.parts.append(data)
        if self.hiding:
            self.hid = self.hid or bool(data.strip())
        else:
            self.shown.append(data)

    def handle_comment(self, data: str) -> None:
        self.extra.append(data)


_CSS_RULE = re.compile(r"([^{}]{1,500})\{([^{}]{0,4000})\}")
_CSS_CONTENT = re.compile(r"""(?<![\w-])content\s*:\s*(?:"([^"]{0,400})"|'([^']{0,400})')""", re.I)
_PSEUDO = re.compile(r"::?(before|after)\b", re.I)
#: the longest text one ``_CSS_RULE`` match spans
_CSS_RULE_MAX = 500 + 1 + 4000 + 1


def _css_rules_from(css: str) -> tuple[list[tuple[str, str]], str]:
    """The rules (selectors, body) of ``css``, and the tail where a rule may open that
    more CSS would complete. A match is fixed by where it starts (no brace inside its
    selectors or body), so reading the tail plus the next sheet finds the matches that
    reading everything would, after the last one found here: none starts before the
    last rule's end, the last ``}`` or :data:`_CSS_RULE_MAX` before the end."""
    rules: list[tuple[str, str]] = []
    end = 0
    for match in _CSS_RULE.finditer(css):
        rules.append((match.group(1), match.group(2)))
        end = match.end()
    start = max(end, css.rfind("}") + 1, len(css) - _CSS_RULE_MAX)
    return rules, css[start:]


_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\n]?|\\(.)", re.S)
_SIMPLE = re.compile(r"(?:[\w-]*)([.#][\w-]+|^[A-Za-z][\w-]*)$")


def _css_string(value: str) -> str:
    """A CSS string's escapes decoded (``\\4A`` is ``J``, ``\\"`` is ``"``)."""

    def one(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ""
        return match.group(2)

    return _CSS_ESCAPE.sub(one, value) if "\\" in value else value


def pseudo_content(css: str) -> dict[str, dict[str, str]]:
    """``::before`` / ``::after`` text per simple selector (its last class, id or tag), so
    the parser draws it around the element as a browser does."""
    out: dict[str, dict[str, str]] = {}
    _add_pseudo_content(out, _CSS_RULE.findall(css))
    return out


def _add_pseudo_content(out: dict[str, dict[str, str]], rules: list[tuple[str, str]]) -> None:
    """:func:`pseudo_content` of ``rules`` added to ``out`` (a later rule wins)."""
    for selectors, body in rules:
        found = _CSS_CONTENT.search(body)
        if not found:
            continue
        value = _css_string(found.group(1) if found.group(1) is not None else found.group(2))
        for selector in selectors.split(","):
            pseudo = _PSEUDO.search(selector)
            base = (
                _SIMPLE.search(_PSEUDO.sub("", selector).strip().split(" ")[-1]) if pseudo else None
            )
            if pseudo and base and value:
                out.setdefault(base.group(1), {})[pseudo.group(1).lower()] = value


def hiding_selectors(css: str) -> frozenset[str]:
    """Simple selectors (the last class, id or tag of each selector) whose rule hides the
    element (``display:none``, ``visibility:hidden``, ``font-size:0``, off-screen), so the
    parser leaves their text out of what the browser shows (``.h{display:none}`` inside a
    NINO, RT-131). Rules for ``::before`` / ``::after`` hide only generated content."""
    return _hiding_selectors(_CSS_RULE.findall(css))


def _hiding_selectors(rules: list[tuple[str, str]]) -> frozenset[str]:
    """:func:`hiding_selectors` of ``rules`` (selectors, body)."""
    out: set[str] = set()
    for selectors, body in rules:
        if not _HIDING_STYLE.search(body):
            continue
        for selector in selectors.split(","):
            if _PSEUDO.search(selector) or not selector.strip():
                continue
            base = _SIMPLE.search(selector.strip().split(" ")[-1].split(">")[-1])
            if base:
                out.add(base.group(1))
    return frozenset(out)


def generated_content(css: str) -> list[str]:
    """The text a style sheet's ``content:`` declarations draw (RT-69): each string, and per
    element the ``::before`` text glued to the ``::after`` text (a browser draws both around
    the element's own, perhaps empty, content: ``.n::before{content:"JG10"}`` and
    ``.n::after{content:"3729A"}`` show ``JG103729A``)."""
    out: list[str] = []
    around: dict[str, dict[str, str]] = {}
    for selectors, body in _CSS_RULE.findall(css):
        found = _CSS_CONTENT.search(body)
        if not found:
            continue
        value = _css_string(found.group(1) if found.group(1) is not None else found.group(2))
        if not value.strip():
            continue
        out.append(value)
        for selector in selectors.split(","):
            pseudo = _PSEUDO.search(selector)
            if pseudo:
                base = " ".join(_PSEUDO.sub("", selector).split())
                around.setdefault(base, {})[pseudo.group(1).lower()] = value
    out.extend(p["before"] + p["after"] for p in around.values() if "before" in p and "after" in p)
    return out


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = re.sub(r"\n\s*\n+", "\n", "".join(parser.parts)).strip()
    if parser.hid:  # as the browser shows it, apart: recognisers do not cross a blank line
        text += "\n\n" + re.sub(r"\n\s*\n+", "\n", "".join(parser.shown)).strip() + "\n\n"
    generated = generated_content("".join(parser.css)) if parser.css else []
    return "\n".join([text, *parser.extra, *generated]).strip()
