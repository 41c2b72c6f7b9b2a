"""Credential detection benchmark: rule loading, a 1 MB config dump, optional recall.

    uv run python bench/bench_credentials.py [--corpus FILE.jsonl ...] [--compare-set]

- start-up: building the credential recogniser (load + validate + compile every rule file);
- a deterministic ~1 MB config dump (env / YAML / JSON / ini lines, digests, image tags,
  comments naming "password token secret key", and one real-looking secret every ~2,000
  lines) decided by a full ``ScanEngine`` (CPU and wall seconds, findings);
- ``--corpus``: per-file credential recall on ``expect: block`` rows and how many
  ``expect: allow`` rows get a CREDENTIALS finding (ids only, never texts);
- ``--compare-set``: the same dump through ONE RE2 set of every rule regex, the design the
  keyword prefilter replaced (DFA state blow-up makes it far slower on large inputs).

Prints figures; never asserts. Compare within one run only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = [
    "server",
    "host",
    "port",
    "timeout",
    "retries",
    "region",
    "bucket",
    "queue",
    "name",
    "path",
    "mode",
    "level",
    "enabled",
    "log",
    "cache",
    "pool",
    "size",
    "replicas",
    "image",
    "tag",
    "version",
    "namespace",
    "service",
    "endpoint",
    "user",
    "email",
]


def config_dump(n_bytes: int = 1_000_000, seed: int = 7) -> str:
    """A config dump of about ``n_bytes`` (made-up values only)."""
    rnd = random.Random(seed)
    lines: list[str] = []
    size = 0
    i = 0
    while size < n_bytes:
        k = f"{rnd.choice(WORDS)}_{rnd.choice(WORDS)}"
        kind = i % 8
        if i % 2000 == 1999:
            line = "DB_PASSWORD=" + "".join(
                rnd.choice("abcdefghkmnpqrstuvwxyzABCDEFGH23456789#!") for _ in range(14)
            )
        elif kind == 0:
            line = f"{k.upper()}={rnd.randint(1, 99999)}"
        elif kind == 1:
            line = f"  {k}: {rnd.choice(WORDS)}-{rnd.randint(1, 99)}.internal"
        elif kind == 2:
            line = f'"{k}": "{rnd.choice(WORDS)} {rnd.choice(WORDS)}",'
        elif kind == 3:
            line = f"{k} = /var/lib/{rnd.choice(WORDS)}/{rnd.choice(WORDS)}.conf"
        elif kind == 4:
            line = f"image: registry.example.org/{rnd.choice(WORDS)}:{rnd.randint(1, 9)}.{rnd.randint(0, 20)}"
        elif kind == 5:
            line = "checksum: sha256:" + "".join(rnd.choice("0123456789abcdef") for _ in range(64))
        elif kind == 6:
            line = f"token_ttl_{rnd.choice(WORDS)}: {rnd.randint(60, 86400)}"
        else:
            line = f"# {rnd.choice(WORDS)} {rnd.choice(WORDS)} password token secret key"
        lines.append(line)
        size += len(line) + 1
        i += 1
    return "\n".join(lines)


def corpus_figures(engine, path: Path) -> None:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    pos = [r for r in rows if r.get("expect") == "block"]
    neg = [r for r in rows if r.get("expect") != "block"]
    hit = sum("CREDENTIALS" in engine.scan(r["text"]).categories for r in pos)
    flagged = [r["id"] for r in neg if "CREDENTIALS" in engine.scan(r["text"]).categories]
    recall = f"{hit / len(pos):.3f} ({hit}/{len(pos)})" if pos else "n/a"
    print(
        f"{path.name}: credential recall {recall}; allow rows with CREDENTIALS {len(flagged)}/{len(neg)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", default=[])
    parser.add_argument("--compare-set", action="store_true")
    args = parser.parse_args()

    import re2

    from detectors.base import RE2_OPTIONS
    from detectors.engine import ScanEngine
    from detectors.recognisers.credentials import CredentialRecogniser, rules_from

    started = time.perf_counter()
    rec = CredentialRecogniser()
    load_s = time.perf_counter() - started
    print(f"credential rules: {len(rec.rules)} rules, {len(rec.entities)} entity types")
    print(f"start-up (load, validate, compile every rule file): {load_s:.2f} s")
    rules_from.cache_clear()

    engine = ScanEngine()
    dump = config_dump()
    engine.scan("warm up: password=Xk93!mPq2z")
    cpu, wall = time.process_time(), time.perf_counter()
    result = engine.scan(dump)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    creds = [f for f in result.findings if f.category == "CREDENTIALS"]
    print(
        f"1 MB config dump ({len(dump):,} chars): decided in {wall:.2f} s wall / {cpu:.2f} s CPU, "
        f"{len(creds)} credential findings, decision categories {result.categories}"
    )
    data = dump.encode()
    cpu = time.process_time()
    rec_hits = list(rec.candidates_for(0, dump, data, None))
    print(
        f"  credential recogniser alone on it: {time.process_time() - cpu:.2f} s CPU, {len(rec_hits)} hits"
    )

    if args.compare_set:
        one_set = re2.Set.SearchSet(RE2_OPTIONS)
        for rule in rec.rules:
            one_set.Add(rule.regex.pattern)
        one_set.Compile()
        cpu = time.process_time()
        one_set.Match(data)
        print(
            f"  one RE2 set of all {len(rec.rules)} rule regexes, one pass: {time.process_time() - cpu:.2f} s CPU"
        )
        cpu = time.process_time()
        rec._rule_set.Match(data)
        print(f"  the keyword set (what runs instead): {time.process_time() - cpu:.3f} s CPU")

    for path in args.corpus:
        corpus_figures(engine, path)


if __name__ == "__main__":
    main()
