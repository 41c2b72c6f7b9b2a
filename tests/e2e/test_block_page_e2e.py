"""Issue 5 end to end: the HTML block page, rendered by headless Chromium through the proxy.

A local page auto-submits a form with a NINO to chatgpt.com through `aidlp run`; Chromium
renders the 403 page. Checks: the DOM (title, incident id, lang, heading order), contrast
ratios computed from the page's own CSS (WCAG AA, 4.5:1), and a screenshot that is not blank.
The screenshot is kept in tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import itertools
import re
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.e2e.conftest import require_tool
from tests.e2e.harness import ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "tests" / "artifacts"
NINO = "AB 12 34 56 C"


# ---- Chromium ------------------------------------------------------------------------------------


def chromium(proxy, tmp_path: Path, url: str, *mode: str) -> subprocess.CompletedProcess[bytes]:
    exe = require_tool("chromium")
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    args = [
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-default-apps", "--hide-scrollbars", "--force-device-scale-factor=1",
        f"--user-data-dir={profile}", f"--proxy-server={proxy.url}", "--proxy-bypass-list=<-loopback>",
        "--ignore-certificate-errors", "--window-size=1024,1400", "--virtual-time-budget=8000",
        *mode, url,
    ]  # fmt: skip
    return subprocess.run(args, capture_output=True, timeout=120, check=False)


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


# ---- PNG (no imaging library needed) ---------------------------------------------------------------


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, chunk = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
    assert header is not None
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line[j] for j in range(stride) if j % bpp < 3))
        prev = line
    return width, height, rows


def dark_fraction(row: bytes) -> float:
    pixels = [row[i : i + 3] for i in range(0, len(row), 3)]
    return sum(1 for p in pixels if max(p) < 60) / len(pixels)


# ---- tests ---------------------------------------------------------------------------------------


def test_block_page_in_chromium(aidlp_proxy, tmp_path, upstream_log):
    url = form_page(tmp_path, "https://chatgpt.com/backend-api/conversation", f"My NINO is {NINO}")

    dom = chromium(aidlp_proxy, tmp_path, url, "--dump-dom")
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    html = dom.stdout.decode()
    facts = parse_page(html)
    assert "Request blocked" in facts.title, html[:500]
    assert re.fullmatch(r"AIDLP-[0-9A-F]{12}", facts.incident), facts.incident
    assert facts.incident in facts.title
    text = " ".join(" ".join(facts.text).split())
    for needed in (
        "personal data (PERSONAL_DATA)",
        "PS2",
        "DPIA",
        "Data Protection Officer",
        "DDA",
        "What you can do next",
        "Who to contact",
    ):
        assert needed in text, needed
    assert NINO not in html and NINO.replace(" ", "") not in html
    assert_accessible(facts)
    # The incident on the page is the one the proxy recorded, for the browser's request.
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == facts.incident)
    assert event is not None
    assert event["event"] == "ai.request.blocked" and event["host"] == "chatgpt.com"
    assert event["reason"] == "findings"
    assert upstream_log.wait_for(lambda r: r.host.startswith("chatgpt.com"), timeout=0.5) is None

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "block-page.png"
    shot.unlink(missing_ok=True)
    taken = chromium(aidlp_proxy, tmp_path, url, f"--screenshot={shot}")
    assert taken.returncode == 0 and shot.exists(), taken.stderr.decode(errors="replace")[-2000:]
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1024, 1400)
    colours = {row[i : i + 3] for row in rows[::7] for i in range(0, len(row), 21)}
    assert len(colours) > 8, "the screenshot is blank"
    # The page, not Chromium's error page: a dark service header band at the top, then
    # the dark incident panel below the white gap after the heading.
    assert dark_fraction(rows[20]) > 0.9
    panel_rows = [y for y in range(100, 500) if dark_fraction(rows[y]) > 0.8]
    assert len(panel_rows) > 50, "no incident panel"
    # Some rows carry text (mixed dark and light pixels).
    text_rows = [y for y in range(0, height, 4) if 0.005 < dark_fraction(rows[y]) < 0.5]
    assert len(text_rows) > 20
    blocked = [
        e for e in aidlp_proxy.events()
        if e.get("event") == "ai.request.blocked" and e.get("host") == "chatgpt.com"
    ]  # fmt: skip
    assert len(blocked) >= 2  # both renders went through the proxy and were blocked


def test_blocked_tool_page_in_chromium(aidlp_proxy, tmp_path):
    dom = chromium(aidlp_proxy, tmp_path, "http://deepseek.com/", "--dump-dom")
    assert dom.returncode == 0
    facts = parse_page(dom.stdout.decode())
    assert "Request blocked" in facts.title
    assert re.fullmatch(r"AIDLP-[0-9A-F]{12}", facts.incident)
    text = " ".join(" ".join(facts.text).split())
    assert "This AI tool is blocked" in text and "PS6" in text and "DDA" in text
    assert_accessible(facts)
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == facts.incident)
    assert event is not None and event["event"] == "ai.tool.blocked"


def test_contrast_helper_can_fail() -> None:
    """The contrast check is real: a light grey on white fails it."""
    assert contrast("#0b0c0c", "#ffffff") > 19
    assert 5.0 < contrast("#1d70b8", "#ffffff") < 5.3
    bad = css_colour_pairs("body{background-color:#ffffff} p{color:#b1b4b6}")
    assert bad == [("p", "#b1b4b6", "#ffffff")]
    assert contrast("#b1b4b6", "#ffffff") < 4.5
