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


def has_markup(text: str) -> bool:
    """Character references or tags: worth reading as HTML too."""
    return ("&" in text or "<" in text) and _MARKUP.search(text) is not None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.extra: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")
        for name, value in attrs:
            if value and name in _TEXT_ATTRIBUTES:
                self.extra.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_comment(self, data: str) -> None:
        self.extra.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = re.sub(r"\n\s*\n+", "\n", "".join(parser.parts)).strip()
    return "\n".join([text, *parser.extra]).strip()
