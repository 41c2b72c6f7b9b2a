"""Issue 5 end to end: the HTML block page, rendered by headless Chromium through the proxy.

A local page auto-submits a form with a NINO to chatgpt.com through `aidlp run`; Chromium
renders the 403 page, driven over the DevTools protocol (tests/e2e/cdp.py). Checks what a
user perceives, independent of fonts and of the Chromium build: the DOM (title, incident id,
lang, heading order), landmarks and accessible names from the accessibility tree, WCAG AA
contrast from the page's CSS and from the browser's computed styles, and an axe-core audit
run in the page (axe-core pinned in tests/e2e/a11y/package-lock.json, installed by `npm ci`).
Screenshots are kept in tests/artifacts/ (gitignored) for people, never as pixel oracles.
"""

from __future__ import annotations

import io
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.cdp import Browser, Page
from tests.e2e.harness import ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "tests" / "artifacts"
NINO = "AB 12 34 56 C"


# ---- pages ---------------------------------------------------------------------------------------


def form_page(tmp_path: Path, action: str, value: str) -> str:
    """A local page that POSTs a form (like a chat web UI would) as soon as it loads."""
    page = tmp_path / "submit.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>submit</title></head><body>'
        f'<form method="post" action="{action}"><input name="prompt" value="{value}"></form>'
        "<script>document.forms[0].submit()</script></body></html>"
    )
    return page.as_uri()


# ---- what the page must be -----------------------------------------------------------------------


class PageFacts(HTMLParser):
    """Title, lang, heading levels, styles and the incident id element of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.css = ""
        self.incident = ""
        self.text: list[str] = []
        self._stack: list[str] = []
        self._heading: list[str] | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag in ("script", "img", "link", "iframe", "object"):
            self.external.append(tag)
        self._stack.append(f"{tag}#{a.get('id') or ''}")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag]

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == self._heading[0]:
            self.headings.append((int(tag[1]), "".join(self._heading[1:]).strip()))
            self._heading = None
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        top = self._stack[-1] if self._stack else ""
        if top.startswith("title"):
            self.title += data
        elif top.startswith("style"):
            self.css += data
        elif top == "p#incident-id":
            self.incident += data.strip()
        if self._heading is not None:
            self._heading.append(data)
        if not top.startswith(("style", "title")):
            self.text.append(data)


def parse_page(html: str) -> PageFacts:
    facts = PageFacts()
    facts.feed(html)
    return facts


def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(fg: str, bg: str) -> float:
    lighter, darker = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def css_colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule that sets a text colour; a rule
    without its own background is taken against the body's."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^{}]*)\}", css)
    props = {
        sel.strip(): dict(
            (k.strip(), v.strip())
            for k, _, v in (d.partition(":") for d in body.split(";"))
            if v.strip()
        )
        for sel, body in rules
    }
    body_bg = props.get("body", {}).get("background-color", "#ffffff")
    pairs = []
    for sel, p in props.items():
        if "color" in p and re.fullmatch(r"#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?", p["color"]):
            bg = p.get("background-color", body_bg)
            pairs.append((sel, p["color"], bg))
    return pairs


def assert_accessible(facts: PageFacts) -> None:
    assert facts.lang == "en"
    levels = [level for level, _ in facts.headings]
    assert levels and levels[0] == 1 and levels.count(1) == 1, facts.headings
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), facts.headings
    assert all(text for _, text in facts.headings), "empty heading"
    assert facts.external == [], "the page must not load scripts or external assets"
    pairs = css_colour_pairs(facts.css)
    assert len(pairs) >= 10, pairs  # the stylesheet really was read
    for selector, fg, bg in pairs:
        ratio = contrast(fg, bg)
        assert ratio >= 4.5, f"{selector}: {fg} on {bg} is {ratio:.2f}:1 (< 4.5:1)"


# ---- what the browser says -------------------------------------------------------------------

#: For every element that directly holds visible text: its computed text colour, the first
#: opaque background behind it (its own or an ancestor's), and whether it is large text.
TEXT_COLOURS_JS = r"""
(() => {
  const opaque = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      const m = bg.match(/rgba?\(([^)]+)\)/);
      if (m) {
        const parts = m[1].split(',').map(Number);
        if (parts.length < 4 || parts[3] === 1) return bg;
      }
    }
    return 'rgb(255, 255, 255)';
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const text = [...el.childNodes]
      .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join('').trim();
    if (!text) continue;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (rect.right <= 0 || rect.bottom <= 0) continue;  // off screen (the skip link)
    const size = parseFloat(style.fontSize);
    const bold = parseInt(style.fontWeight, 10) >= 700;
    out.push({tag: el.tagName.toLowerCase(), cls: el.className, color: style.color,
              background: opaque(el), large: size >= 24 || (bold && size >= 18.66)});
  }
  return out;
})()
"""


def rgb(css: str) -> str:
    """``rgb(11, 12, 12)`` / ``rgba(...)`` → ``#0b0c0c``."""
    parts = re.match(r"rgba?\(([^)]+)\)", css)
    assert parts, css
    r, g, b = (round(float(v)) for v in parts.group(1).split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def assert_perceivable(page: Page, shot_name: str) -> dict:
    """What a user gets: landmarks and named headings/links in the accessibility tree,
    WCAG AA contrast from computed styles, no axe-core violations. Keeps a screenshot."""
    nodes = page.ax_tree()
    roles: dict[str, list[str]] = {}
    for node in nodes:
        if node.get("ignored"):
            continue
        role = node.get("role", {}).get("value", "")
        name = node.get("name", {}).get("value", "")
        roles.setdefault(role, []).append(name)
    assert len(roles.get("main", [])) == 1, roles.keys()
    assert roles.get("banner") and roles.get("contentinfo"), roles.keys()
    headings = roles.get("heading", [])
    assert headings and all(name.strip() for name in headings), headings
    assert all(name.strip() for name in roles.get("link", [])), roles.get("link")

    texts = page.evaluate(TEXT_COLOURS_JS)
    assert len(texts) >= 10, texts  # the page's text really was measured
    for item in texts:
        fg, bg = rgb(item["color"]), rgb(item["background"])
        needed = 3.0 if item["large"] else 4.5
        ratio = contrast(fg, bg)
        assert ratio >= needed, f"{item['tag']}.{item['cls']}: {fg} on {bg} is {ratio:.2f}:1"

    audit = page.axe()
    assert audit["violations"] == [], audit["violations"]
    assert "color-contrast" in audit["passes"] and "landmark-one-main" in audit["passes"]

    # A screenshot for people to look at (tests/artifacts/), never a pixel oracle.
    shot = page.screenshot(ARTIFACTS / shot_name)
    with Image.open(io.BytesIO(shot)) as image:
        assert image.format == "PNG" and image.size[0] > 0
    return audit


def page_facts(page: Page) -> PageFacts:
    return parse_page(page.evaluate("document.documentElement.outerHTML"))


def click_selects(page: Page, selector: str) -> str:
    """What a real mouse click on ``selector`` selects (the text a copy would take): the
    page has no script, so the incident reference is copyable by CSS ``user-select: all``."""
    box = page.evaluate(
        f"(() => {{ const r = document.querySelector({selector!r}).getBoundingClientRect();"
        " return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
    )
    page.evaluate("window.getSelection().removeAllRanges()")
    for kind in ("mousePressed", "mouseReleased"):
        page.send(
            "Input.dispatchMouseEvent",
            type=kind,
            x=box["x"],
            y=box["y"],
            button="left",
            clickCount=1,
        )
    return page.evaluate("window.getSelection().toString()").strip()


# ---- tests ---------------------------------------------------------------------------------------


def test_block_page_in_chromium(aidlp_proxy, tmp_path, upstream_log):
    url = form_page(tmp_path, "https://chatgpt.com/backend-api/conversation", f"My NINO is {NINO}")
    with Browser(aidlp_proxy.url, tmp_path / "profile") as browser:
        page = browser.open(url, until="document.title.includes('Request blocked')")
        html = page.evaluate("document.documentElement.outerHTML")
        facts = parse_page(html)
        assert re.fullmatch(r"AIDLP-[0-9A-F]{12}", facts.incident), facts.incident
        assert facts.incident in facts.title
        text = " ".join(" ".join(facts.text).split())
        for needed in (
            "personal data",
            "PS2",
            "PS3",
            "DPIA",
            "Data Protection Officer",
            "Digital Design Authority (DDA)",
            "What you can do next",
            "Who to contact",
        ):
            assert needed in text, needed
        assert "PERSONAL_DATA" not in text and "X-AIDLP" not in text  # staff wording
        assert NINO not in html and NINO.replace(" ", "") not in html
        assert_accessible(facts)
        assert page.evaluate("document.getElementById('incident-id').innerText") == facts.incident
        assert click_selects(page, "#incident-id") == facts.incident  # one click, whole value
        assert click_selects(page, "h1") != facts.incident  # (a click elsewhere does not)
        assert page.evaluate("document.getElementById('report-link')") is None  # no URL set
        assert_perceivable(page, "block-page.png")
    # The incident on the page is the one the proxy recorded, for the browser's request.
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == facts.incident)
    assert event is not None
    assert event["event"] == "ai.request.blocked" and event["host"] == "chatgpt.com"
    assert event["reason"] == "findings"
    # The prompt never reached the AI tool (the browser's own favicon GET may).
    sent = upstream_log.wait_for(
        lambda r: r.host.startswith("chatgpt.com") and r.method == "POST", timeout=0.5
    )
    assert sent is None


def test_blocked_tool_page_in_chromium(aidlp_proxy, tmp_path):
    with Browser(aidlp_proxy.url, tmp_path / "profile") as browser:
        page = browser.open("http://deepseek.com/", until="document.title.includes('blocked')")
        facts = page_facts(page)
        assert "Request blocked" in facts.title
        assert re.fullmatch(r"AIDLP-[0-9A-F]{12}", facts.incident)
        text = " ".join(" ".join(facts.text).split())
        assert "This AI tool is blocked" in text and "PS6" in text and "DDA" in text
        assert_accessible(facts)
        assert_perceivable(page, "blocked-tool-page.png")
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == facts.incident)
    assert event is not None and event["event"] == "ai.tool.blocked"


def test_perceivable_checks_can_fail(aidlp_proxy, tmp_path):
    """The same checks reject a page with light-grey text, an unnamed link and no landmarks."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>bad</title><style>body{background:#fff}"
        "p{color:#c0c0c0}</style></head><body>"
        + "".join(f"<p>low contrast text {i}</p>" for i in range(12))
        + '<a href="#x"></a></body></html>'
    )
    with Browser(aidlp_proxy.url, tmp_path / "profile") as browser:
        page = browser.open(bad.as_uri(), until="document.title === 'bad'")
        with pytest.raises(AssertionError):
            assert_perceivable(page, "bad-page.png")
        violations = {v["id"] for v in page.axe()["violations"]}
    assert {"color-contrast", "link-name", "html-has-lang"} <= violations


def test_contrast_helper_can_fail() -> None:
    """The contrast check is real: a light grey on white fails it."""
    assert contrast("#0b0c0c", "#ffffff") > 19
    assert 5.0 < contrast("#1d70b8", "#ffffff") < 5.3
    bad = css_colour_pairs("body{background-color:#ffffff} p{color:#b1b4b6}")
    assert bad == [("p", "#b1b4b6", "#ffffff")]
    assert contrast("#b1b4b6", "#ffffff") < 4.5
