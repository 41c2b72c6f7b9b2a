"""OCR benchmark: corpus cases rendered as screenshots, read back by OCR, decided by the engine.

    uv run python bench/bench_ocr.py [--corpus tests/corpus/dev.jsonl] [--limit 60] [--seed 7]

Each sampled case (block and allow alike) is drawn with Pillow as a 1280-pixel-wide screenshot
in several fonts and sizes (dark text on white, and light text on a dark theme), read with
:class:`proxy.ocr.OcrEngine` (what a scan worker runs), and scanned. Prints, against the
text-only decisions on the same cases: block recall and false-block rate; median and p95 OCR
seconds per screenshot; the process RSS with OCR loaded. Texts are never printed; never asserts.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import statistics
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont

from detectors.engine import ScanEngine
from proxy.config import load_config
from proxy.ocr import OcrEngine, OcrSettings

FONT_DIR = Path("/usr/share/fonts/truetype")
#: (font file, point size, dark theme) — the screenshot styles every case is drawn in.
STYLES = [
    ("dejavu/DejaVuSans.ttf", 18, False),
    ("dejavu/DejaVuSerif.ttf", 22, False),
    ("dejavu/DejaVuSansMono.ttf", 16, True),
]


def font(name: str, size: int) -> ImageFont.ImageFont:
    path = FONT_DIR / name
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def screenshot(text: str, style: tuple[str, int, bool], width: int = 1280) -> bytes:
    name, size, dark = style
    face = font(name, size)
    chars = max(20, int(width / (size * 0.6)) - 4)
    lines = [w for para in text.splitlines() for w in (textwrap.wrap(para, chars) or [""])]
    line_h = int(size * 1.5)
    height = max(720, 40 + line_h * len(lines))
    image = Image.new("RGB", (width, min(height, 4000)), (30, 30, 30) if dark else "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((24, 20 + i * line_h), line, fill=(230, 230, 230) if dark else "black", font=face)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "tests/corpus/dev.jsonl"))
    parser.add_argument("--limit", type=int, default=60, help="cases sampled (half block)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    cases = [json.loads(line) for line in Path(args.corpus).read_text().splitlines() if line]
    rng = random.Random(args.seed)
    blocks = [c for c in cases if c["expect"] == "block" and len(c["text"]) < 1500]
    allows = [c for c in cases if c["expect"] == "allow" and len(c["text"]) < 1500]
    sample = rng.sample(blocks, min(len(blocks), args.limit // 2)) + rng.sample(
        allows, min(len(allows), args.limit - args.limit // 2)
    )

    engine = ScanEngine(load_config(None).config.detectors)
    ocr = OcrEngine(OcrSettings())
    started = time.perf_counter()
    ocr.read(screenshot("warm up the models", STYLES[0]))
    load_s = time.perf_counter() - started

    times: list[float] = []
    text_only = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    by_ocr = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}

    def tally(figures: dict, expect: str, blocked: bool) -> None:
        key = ("tp" if blocked else "fn") if expect == "block" else ("fp" if blocked else "tn")
        figures[key] += 1

    for case in sample:
        text_blocked = bool(engine.scan(case["text"]).categories)
        for style in STYLES:
            tally(text_only, case["expect"], text_blocked)
            shot = screenshot(case["text"], style)
            t0 = time.perf_counter()
            read = ocr.read(shot)
            times.append(time.perf_counter() - t0)
            tally(by_ocr, case["expect"], bool(engine.scan(read).categories))

    def recall(f: dict) -> float:
        return f["tp"] / max(1, f["tp"] + f["fn"])

    def false_block(f: dict) -> float:
        return f["fp"] / max(1, f["fp"] + f["tn"])

    times.sort()
    p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus {args.corpus}: {len(sample)} cases x {len(STYLES)} styles = {len(times)} shots")
    print(f"{'':22}{'recall':>8}{'false-block':>13}")
    print(f"{'text only':22}{recall(text_only):8.3f}{false_block(text_only):13.3f}")
    print(f"{'screenshot + OCR':22}{recall(by_ocr):8.3f}{false_block(by_ocr):13.3f}")
    print(f"OCR model load: {load_s:.2f} s (once per worker)")
    print(f"OCR per screenshot: median {statistics.median(times):.2f} s, p95 {p95:.2f} s")
    print(f"RSS with engine and OCR loaded: {rss_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
