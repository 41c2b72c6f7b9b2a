"""Style sheets read once each: at every ``</style>`` the markup parser reads the rules of the
CSS seen since the last one and merges them into what earlier sheets said (hidden selectors,
``::before`` / ``::after`` text), instead of re-reading all the CSS seen so far (256 KB of
``<style>.a{display:none}</style>`` repeated took 51 s). Both sides: the text is exactly what
reading everything at each ``</style>`` gives (checked against that reference here), and a
document of thousands of sheets reads each character of its CSS a bounded number of times."""

from __future__ import annotations

import random

import pytest

from proxy.extract import markup
from proxy.extract.markup import _Text, hiding_selectors, html_text, pseudo_content


class _ReadEverything(_Text):
    """The reference: all the CSS seen so far read again at every ``</style>``."""

    def _read_new_css(self) -> None:
        self.pseudo = pseudo_content("".join(self.css))
        self.hidden_selectors = hiding_selectors("".join(self.css))


def _text(parser: _Text, html: str) -> tuple:
    parser.feed(html)
    parser.close()
    return parser.parts, parser.shown, parser.extra, parser.hid, parser.pseudo


MULTI_SHEET = (
    "<style>.h{display:none} .n::before{content:'JG10'}</style>"
    '<p>one <span class="h">hidden</span> <i class="n">3729A</i></p>'
    "<style>.n::before{content:'AB12'} #q{visibility:hidden} .k{col</style>"
    '<p id="q">gone</p><p class="k">seen</p>'
    "<style>or:red} .k{font-size:0}</style>"  # a rule opened in the sheet before
    '<p class="k">now hidden</p><i class="n">x</i><b class="h">still hidden</b>'
    "<style>.m::after{content:'TAIL'}</style><em class='m'>m</em>"
)


def test_several_sheets_give_what_reading_everything_gives() -> None:
    got = _text(_Text(), MULTI_SHEET)
    assert got == _text(_ReadEverything(), MULTI_SHEET)
    _, shown, _, hid, pseudo = got
    assert hid and "hidden" not in "".join(shown) and "now hidden" not in "".join(shown)
    assert "seen" in "".join(shown) and pseudo[".n"] == {"before": "AB12"}


_PIECES = [".a{display:none}", ".b::after{content:'Z9'}", "#c{visibility:hidden}", ".d{co",
           "lor:red}", "}", "{", " p .e{font-size:0}", "/* x */", ".f", "{display:none}",
           "x" * 600, "y" * 4600]  # fmt: skip


@pytest.mark.parametrize("seed", range(16))
def test_random_sheets_give_what_reading_everything_gives(seed: int) -> None:
    rng = random.Random(seed)
    html = ""
    for _ in range(rng.randint(1, 12)):
        css = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 5)))
        tag = rng.choice(["a", "b", "c", "d", "e", "f"])
        html += f'<style>{css}</style><p class="{tag}" id="{tag}"><i>{tag} text</i></p>'
    assert _text(_Text(), html) == _text(_ReadEverything(), html), html


def test_many_sheets_are_each_read_once(monkeypatch) -> None:
    read: list[int] = []
    real = markup._css_rules_from

    def counting(css: str):
        read.append(len(css))
        return real(css)

    monkeypatch.setattr(markup, "_css_rules_from", counting)
    sheet = "<style>.a{display:none}</style>"
    html = sheet * 8192 + '<p class="a">hidden</p><p>shown</p>'  # 256 KB
    text = html_text(html)
    assert "shown" in text
    css_size = len(".a{display:none}") * 8192
    assert len(read) == 8192
    assert sum(read) <= 2 * css_size  # each character once (plus a rule's tail), not n²/2
