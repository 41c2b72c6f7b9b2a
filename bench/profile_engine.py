"""Profile the detector hot path and print throughput figures (never asserts).

    uv run python bench/profile_engine.py [--corpus tests/corpus/dev.jsonl] [--profile]

Prints, for the corpus scanned one document at a time (after one warm-up pass):
wall and CPU chars/s, per-document CPU ms, the share of documents that needed spaCy NER;
then the time to decide one ~1 MB document made of the corpus texts joined as paragraphs
(realistic mixed prose, tables and some identifiers). ``--profile`` adds a pyinstrument
call tree of the corpus pass. Texts are never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(ROOT / "tests/corpus/dev.jsonl"))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from detectors.engine import ScanEngine

    t0 = time.perf_counter()
    engine = ScanEngine()
    print(f"engine load: {time.perf_counter() - t0:.2f} s")
    lines = Path(args.corpus).read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    chars = sum(map(len, texts))
    for t in texts:
        engine.scan(t)

    ner_docs = 0
    persons = engine.ner.persons

    def counting(batch):
        nonlocal ner_docs
        ner_docs += 1
        return persons(batch)

    engine.ner.persons = counting
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    w0, c0 = time.perf_counter(), time.process_time()
    for _ in range(args.repeat):
        for t in texts:
            engine.scan(t)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    if profiler is not None:
        profiler.stop()
    engine.ner.persons = persons
    n = chars * args.repeat
    docs = len(texts) * args.repeat
    print(f"corpus: {len(texts)} docs, {chars} chars, x{args.repeat}")
    print(f"  wall {n / wall:,.0f} chars/s   cpu {n / cpu:,.0f} chars/s")
    print(f"  cpu per doc {cpu / docs * 1000:.3f} ms; docs needing NER {ner_docs / docs:.1%}")

    big = "\n\n".join(texts)
    big = (big * (1_000_000 // len(big) + 1))[:1_000_000]
    w0, c0 = time.perf_counter(), time.process_time()
    result = engine.scan(big)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(
        f"1 MB document: wall {wall:.3f} s, cpu {cpu:.3f} s "
        f"({len(big) / cpu:,.0f} chars/s cpu), {len(result.findings)} findings, "
        f"categories {result.categories}"
    )
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
