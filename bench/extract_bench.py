"""Extraction throughput: prints figures (ms per request, MB/s) for typical and hostile bodies.

uv run python bench/extract_bench.py
"""

from __future__ import annotations

import gzip
import io
import json
import statistics
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proxy.extract import ExtractionError, RequestView, extract_view
from tests.unit.extract.extract_helpers import docx_bytes, pdf_bytes, xlsx_bytes, zip_bytes

MB = 1024 * 1024


def view(url_host: str, path: str, body: bytes, ctype: str = "application/json") -> RequestView:
    return RequestView("POST", url_host, path, ctype, body)


def timed(label: str, make_view, repeat: int = 5) -> None:
    samples = []
    outcome = ""
    size = 0
    for _ in range(repeat):
        v = make_view()
        size = len(v.body)
        start = time.perf_counter()
        try:
            result = extract_view(v)
            outcome = f"{len(result.segments)} segments, {sum(len(s.text) for s in result.segments)} chars"
        except ExtractionError as exc:
            outcome = f"ExtractionError({exc.reason})"
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    rate = size / MB / median if median else 0
    print(
        f"{label:<48} {size / 1024:>9.1f} KiB {median * 1000:>9.2f} ms {rate:>8.1f} MiB/s  {outcome}"
    )


def chat(turns: int) -> bytes:
    messages = [
        {
            "role": "user" if i % 2 == 0 else "assistant",
            "content": f"Turn {i}: " + "lorem ipsum dolor sit amet " * 40,
        }
        for i in range(turns)
    ]
    return json.dumps({"model": "gpt-4o", "messages": messages}).encode()


def main() -> None:
    print(f"{'body':<48} {'size':>13} {'median':>12} {'rate':>14}  result")
    small = chat(4)
    big = chat(800)
    timed("openai chat, 4 turns", lambda: view("api.openai.com", "/v1/chat/completions", small))
    timed(
        "openai chat, 800 turns (whole history)",
        lambda: view("api.openai.com", "/v1/chat/completions", big),
    )
    timed("generic JSON, 800 turns", lambda: view("poe.com", "/api/x", big))
    doc = docx_bytes("\n".join(f"Paragraph {i} " + "text " * 30 for i in range(3000)))
    timed(
        "docx, 3000 paragraphs (raw upload)",
        lambda: view("files.oaiusercontent.com", "/f", doc, "application/octet-stream"),
    )
    sheet = xlsx_bytes([[f"name {r}", r * 1000 + 7, f"note {r}"] for r in range(10_000)])
    timed(
        "xlsx, 10k rows",
        lambda: view("files.oaiusercontent.com", "/f", sheet, "application/octet-stream"),
    )
    pdf = pdf_bytes([f"line {i} of the pdf text layer" for i in range(45)])
    timed("pdf, 1 page", lambda: view("files.oaiusercontent.com", "/f", pdf, "application/pdf"))
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    for _ in range(100):
        writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    pdf100 = buf.getvalue()
    timed(
        "pdf, 100 pages",
        lambda: view("files.oaiusercontent.com", "/f", pdf100, "application/pdf"),
        repeat=3,
    )

    from proxy.extract.encoding import decode_body

    bomb = gzip.compress(b"\0" * (1024 * MB))  # 1 GiB → ~1 MiB on the wire
    start = time.perf_counter()
    try:
        decode_body(bomb, "gzip", 20 * MB)
    except ExtractionError as exc:
        print(
            f"{'gzip bomb, 1 GiB decoded (limit 20 MiB)':<48} {len(bomb) / 1024:>9.1f} KiB {(time.perf_counter() - start) * 1000:>9.2f} ms refused: {exc.reason}"
        )
    zbomb = zip_bytes({"a.txt": b"\0" * (300 * MB)})
    timed(
        "zip bomb, 300 MiB member",
        lambda: view("files.oaiusercontent.com", "/f", zbomb, "application/zip"),
        repeat=3,
    )
    deflate_bomb = zlib.compress(b"A" * (200 * MB), 9)
    start = time.perf_counter()
    try:
        decode_body(deflate_bomb, "deflate", 20 * MB)
    except ExtractionError as exc:
        print(
            f"{'deflate bomb, 200 MiB decoded (limit 20 MiB)':<48} {len(deflate_bomb) / 1024:>9.1f} KiB {(time.perf_counter() - start) * 1000:>9.2f} ms refused: {exc.reason}"
        )


if __name__ == "__main__":
    main()
