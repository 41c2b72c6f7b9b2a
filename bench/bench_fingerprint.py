"""Code fingerprint benchmark: detection, false matches, thresholds, lookup and load cost.

    uv run python bench/bench_fingerprint.py [--chunks 300] [--k K] [--window W]

Indexes one real, sizeable source tree found on the machine (the installed ``mitmproxy``
package in site-packages: ~250 files, ~48k lines of Python) as the "internal" repository,
then measures:

1. detection of random 20-60-line chunks of it, pasted into a prompt between two prose
   sentences (unfenced, the harder case), in four variants: verbatim, re-indented,
   comments + docstrings stripped, local identifiers renamed (and all three combined);
2. false matches on equally sized chunks from other, unindexed trees (other
   site-packages and stdlib packages) and on small common snippets;
3. the (min_matched, min_fraction) grid, to choose the default thresholds;
4. index lookup time for a 2 KB prompt, whole-detector time, and load time of a synthetic
   index the size of a 100k-file corpus.

It does so twice: without ``--public`` and with stdlib packages subtracted as public code.
Nothing from the indexed trees is written anywhere except the (hash-only) temporary index.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import io
import keyword
import os
import random
import statistics
import sys
import sysconfig
import tempfile
import textwrap
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detectors.code.build import DEFAULT_K, DEFAULT_WINDOW, build_index
from detectors.code.detector import CodeDetector
from detectors.code.index import FingerprintIndex, write_index
from detectors.code.normalise import NORMALISER_VERSION
from detectors.code.segments import code_segments
from detectors.code.settings import CodeSettings
from detectors.code.walk import iter_source_files
from detectors.code.winnow import HASH_SCHEME

SITE = Path(np.__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
INDEXED = [SITE / "mitmproxy"]
PUBLIC = [STDLIB / n for n in ("asyncio", "email", "json", "http", "logging", "importlib")]
UNINDEXED = [
    SITE / n
    for n in (
        "pydantic",
        "rich",
        "werkzeug",
        "urllib3",
        "anyio",
        "websockets",
        "tornado",
        "jsonschema",
    )
] + [
    STDLIB / n
    for n in ("unittest", "multiprocessing", "xml", "wsgiref", "zoneinfo", "sqlite3", "ctypes")
]

PREFIX = "Can you explain what this code does and suggest any improvements?\n\n"
SUFFIX = "\n\nIt is from the project I am working on. Thanks!\n"

COMMON_SNIPPETS = [
    'if __name__ == "__main__":\n    main()\n',
    "import os\nimport sys\nimport json\nfrom pathlib import Path\n",
    "def __init__(self, name, value):\n    self.name = name\n    self.value = value\n",
    "with open(path) as f:\n    data = json.load(f)\nprint(data)\n",
    "for i in range(10):\n    if i % 2 == 0:\n        print(i)\n    else:\n        continue\n",
    "try:\n    result = func()\nexcept Exception as e:\n    logger.exception(e)\n    raise\nfinally:\n    cleanup()\n",
    "squares = [x * x for x in range(100) if x % 3 == 0]\nprint(sum(squares))\n",
    "import argparse\nparser = argparse.ArgumentParser()\nparser.add_argument('--verbose', action='store_true')\nargs = parser.parse_args()\n",
    "import logging\nlogging.basicConfig(level=logging.INFO)\nlogger = logging.getLogger(__name__)\nlogger.info('started')\n",
    "class Point:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n\n    def __repr__(self):\n        return f'Point({self.x}, {self.y})'\n",
    "@property\ndef name(self):\n    return self._name\n\n@name.setter\ndef name(self, value):\n    self._name = value\n",
    "async def fetch(session, url):\n    async with session.get(url) as response:\n        return await response.text()\n",
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "import requests\nr = requests.get('https://api.example.com/items', timeout=10)\nr.raise_for_status()\nitems = r.json()\n",
    "from dataclasses import dataclass\n\n@dataclass\nclass User:\n    id: int\n    name: str\n    email: str | None = None\n",
    "def read_lines(path):\n    with open(path, encoding='utf-8') as fh:\n        return [line.rstrip('\\n') for line in fh]\n",
    "import pandas as pd\ndf = pd.read_csv('data.csv')\ndf = df.dropna()\nprint(df.groupby('region')['sales'].sum())\n",
    "def test_add():\n    assert add(1, 2) == 3\n    assert add(-1, 1) == 0\n",
    "counts = {}\nfor word in text.split():\n    counts[word] = counts.get(word, 0) + 1\n",
    "while True:\n    line = sys.stdin.readline()\n    if not line:\n        break\n    process(line)\n",
    "def __eq__(self, other):\n    if not isinstance(other, type(self)):\n        return NotImplemented\n    return self.__dict__ == other.__dict__\n",
    "from flask import Flask\napp = Flask(__name__)\n\n@app.route('/')\ndef index():\n    return 'Hello, World!'\n",
    "def __enter__(self):\n    return self\n\ndef __exit__(self, exc_type, exc, tb):\n    self.close()\n",
    "for key, value in sorted(d.items()):\n    print(f'{key}: {value}')\n",
    "def get(self, key, default=None):\n    try:\n        return self[key]\n    except KeyError:\n        return default\n",
    'public static void main(String[] args) {\n    System.out.println("Hello, world");\n}\n',
    "function debounce(fn, ms) {\n  let t;\n  return (...args) => {\n    clearTimeout(t);\n    t = setTimeout(() => fn(...args), ms);\n  };\n}\n",
    "const express = require('express');\nconst app = express();\napp.get('/', (req, res) => res.send('ok'));\napp.listen(3000);\n",
    'func main() {\n\tfmt.Println("hello")\n\tif err != nil {\n\t\tlog.Fatal(err)\n\t}\n}\n',
    "SELECT id, name, email\nFROM users\nWHERE created_at > NOW() - INTERVAL '7 days'\nORDER BY created_at DESC;\n",
    '#!/bin/bash\nset -euo pipefail\nfor f in *.log; do\n  gzip "$f"\ndone\n',
    "def __len__(self):\n    return len(self._items)\n\ndef __iter__(self):\n    return iter(self._items)\n\ndef __getitem__(self, index):\n    return self._items[index]\n",
    "def __init__(self, *args, **kwargs):\n    super().__init__(*args, **kwargs)\n    self._lock = threading.Lock()\n",
    "if not isinstance(value, str):\n    raise TypeError(f'expected str, got {type(value).__name__}')\nreturn value.strip()\n",
    "def to_dict(self):\n    return {\n        'id': self.id,\n        'name': self.name,\n        'created': self.created.isoformat(),\n    }\n",
    "for line in lines:\n    line = line.strip()\n    if not line or line.startswith('#'):\n        continue\n    key, _, value = line.partition('=')\n    config[key.strip()] = value.strip()\n",
    "async def main():\n    tasks = [asyncio.create_task(worker(i)) for i in range(5)]\n    await asyncio.gather(*tasks)\n\nasyncio.run(main())\n",
    "def __hash__(self):\n    return hash((self.host, self.port))\n\ndef __str__(self):\n    return f'{self.host}:{self.port}'\n",
    "headers = {'Content-Type': 'application/json', 'Authorization': f'Bearer {token}'}\nresponse = httpx.post(url, json=payload, headers=headers)\nresponse.raise_for_status()\n",
    "def parse_args(argv=None):\n    parser = argparse.ArgumentParser(description=__doc__)\n    parser.add_argument('path')\n    parser.add_argument('-v', '--verbose', action='store_true')\n    return parser.parse_args(argv)\n",
]

BUILTIN_NAMES = set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist) | {"self", "cls"}


# --- variants (computed on the whole file so chunks never start "inside" a string) --------


@dataclass
class Source:
    name: str
    lines: list[str]  # original lines, keepends
    stripped: list[str]  # comments + docstrings removed (same line count)
    renamed: list[str]  # local identifiers renamed (same line count)
    code_lines: set[int]  # line numbers (0-based) holding code outside comments/docstrings


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _apply(text: str, edits: list[tuple[int, int, str | None]]) -> str:
    """Apply non-overlapping edits; a None replacement deletes but keeps the newlines."""
    out, pos = [], 0
    for start, end, repl in sorted(edits):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append("\n" * text.count("\n", start, end) if repl is None else repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _local_names(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
                if arg is not None:
                    names.add(arg.arg)
            body = node.body if isinstance(node.body, list) else [node.body]
            for stmt in body:
                for sub in ast.walk(stmt):
                    if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                        names.add(sub.id)
                    elif isinstance(sub, ast.ExceptHandler) and sub.name:
                        names.add(sub.name)
    return names - BUILTIN_NAMES


def analyse(path: Path, text: str, rng: random.Random) -> Source | None:
    try:
        tree = ast.parse(text)
        toks = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return None
    starts = _offsets(text)

    def off(rc: tuple[int, int]) -> int:
        return starts[rc[0] - 1] + rc[1]

    strip_edits: list[tuple[int, int, str | None]] = []
    rename_edits: list[tuple[int, int, str | None]] = []
    code_lines: set[int] = set()
    locals_ = _local_names(tree)
    new_names = {
        n: f"{rng.choice(['tmp', 'val', 'item', 'obj', 'var'])}_{i}"
        for i, n in enumerate(sorted(locals_))
    }
    significant = [t for t in toks if t.type not in (tokenize.NL, tokenize.COMMENT)]
    prev_type = {}
    for i, t in enumerate(significant):
        prev_type[t.start] = significant[i - 1] if i else None
    for idx, t in enumerate(toks):
        if t.type == tokenize.COMMENT:
            # the comment and the whitespace before it
            line = t.line
            col = t.start[1]
            while col > 0 and line[col - 1] in " \t":
                col -= 1
            strip_edits.append((off((t.start[0], col)), off(t.end), None))
            continue
        if t.type == tokenize.STRING:
            before = prev_type.get(t.start)
            after = next(
                (u for u in toks[idx + 1 :] if u.type not in (tokenize.NL, tokenize.COMMENT)), None
            )
            if (
                before is None
                or before.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
            ) and (after is None or after.type in (tokenize.NEWLINE, tokenize.ENDMARKER)):
                strip_edits.append((off(t.start), off(t.end), None))
                continue
        if t.type in (
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            continue
        for row in range(t.start[0], t.end[0] + 1):
            code_lines.add(row - 1)
        if t.type == tokenize.NAME and t.string in new_names:
            before = prev_type.get(t.start)
            if before is None or before.string != ".":
                rename_edits.append((off(t.start), off(t.end), new_names[t.string]))
    lines = text.splitlines(keepends=True)
    stripped = _apply(text, strip_edits).splitlines(keepends=True)
    renamed = _apply(text, rename_edits).splitlines(keepends=True)
    if not (len(lines) == len(stripped) == len(renamed)):
        return None
    return Source(str(path), lines, stripped, renamed, code_lines)


def reindent(chunk: str) -> str:
    """Dedent, then halve every indent (4-space code becomes 2-space) and add trailing blanks."""
    out = []
    for line in textwrap.dedent(chunk).splitlines():
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        out.append(" " * (indent // 2) + body + ("  " if body else ""))
    return "\n".join(out) + "\n"


def clean(lines: list[str], original: list[str]) -> str:
    """Drop lines emptied by stripping (they held only a comment or docstring)."""
    kept = [
        line.rstrip() + "\n"
        for line, orig in zip(lines, original, strict=True)
        if line.strip() or not orig.strip()
    ]
    return "".join(kept)


def variants(src: Source, start: int, length: int) -> dict[str, str]:
    sl = slice(start, start + length)
    verbatim = "".join(src.lines[sl])
    stripped = clean(src.stripped[sl], src.lines[sl])
    renamed = "".join(src.renamed[sl])
    # combined: rename + strip, then re-indent
    combo_lines = src.renamed[sl]
    combined = clean(
        [
            r if s.strip() or not o.strip() else ""
            for r, s, o in zip(combo_lines, src.stripped[sl], src.lines[sl], strict=True)
        ],
        src.lines[sl],
    )
    return {
        "verbatim": verbatim,
        "reindented": reindent(verbatim),
        "comments_stripped": stripped,
        "renamed": renamed,
        "all_three": reindent(combined),
    }


def load_sources(roots: list[Path], rng: random.Random) -> list[Source]:
    sources = []
    for root in roots:
        if not root.is_dir():
            print(f"  (skipping missing tree {root})")
            continue
        for f in iter_source_files(root):
            if f.language != "python":
                continue
            src = analyse(root / f.relpath, f.text, rng)
            if src is not None and len(src.lines) >= 20:
                sources.append(src)
    return sources


def sample_chunks(
    sources: list[Source], n: int, rng: random.Random
) -> list[tuple[Source, int, int]]:
    """n random (file, start line, length) with 20-60 lines, >= 10 of them code lines."""
    out, attempts = [], 0
    while len(out) < n and attempts < n * 50:
        attempts += 1
        src = rng.choice(sources)
        length = min(rng.randint(20, 60), len(src.lines))
        if length < 20:
            continue
        start = rng.randint(0, len(src.lines) - length)
        if sum(1 for i in range(start, start + length) if i in src.code_lines) < 10:
            continue
        out.append((src, start, length))
    return out


# --- scoring ------------------------------------------------------------------------------


def segment_scores(detector: CodeDetector, prompt: str) -> list[tuple[int, float]]:
    scores = []
    for seg in code_segments(prompt, min_lines=detector.settings.min_segment_lines):
        m = detector.match_segment(prompt, seg)
        if m is not None:
            scores.append((m.matched, m.fraction))
    return scores


STRONG = CodeSettings().strong_matched


def hit(scores: list[tuple[int, float]], min_matched: int, min_fraction: float) -> bool:
    return any(m >= STRONG or (m >= min_matched and f >= min_fraction) for m, f in scores)


def evaluate(index_path: Path, positives, negatives, snippets, settings: CodeSettings):
    detector = CodeDetector(settings, index_path)
    pos_scores = {
        name: [segment_scores(detector, PREFIX + text + SUFFIX) for text in texts]
        for name, texts in positives.items()
    }
    fenced = [
        segment_scores(detector, PREFIX + "```python\n" + t + "```" + SUFFIX)
        for t in positives["verbatim"]
    ]
    pos_scores["verbatim_fenced"] = fenced
    # Not a target variant: an internal chunk pasted between two unindexed chunks.
    pos_scores["x_inside_other_code"] = [
        segment_scores(
            detector,
            PREFIX
            + negatives[i % len(negatives)]
            + t
            + negatives[(i + 1) % len(negatives)]
            + SUFFIX,
        )
        for i, t in enumerate(positives["verbatim"])
    ]
    neg_scores = [segment_scores(detector, PREFIX + t + SUFFIX) for t in negatives]
    snip_scores = [segment_scores(detector, PREFIX + t + SUFFIX) for t in snippets]
    snip_raw = [segment_scores(detector, t) for t in snippets]
    return detector, pos_scores, neg_scores, snip_scores + snip_raw


def report(title: str, pos_scores, neg_scores, snip_scores, settings: CodeSettings) -> None:
    mm, mf = settings.min_matched, settings.min_fraction
    print(f"\n== {title}: thresholds min_matched={mm} min_fraction={mf} (or matched >= {STRONG})")
    for name, scores in pos_scores.items():
        rate = sum(hit(s, mm, mf) for s in scores) / len(scores)
        print(
            f"  detection {name:18s} {rate:.3f}  ({sum(hit(s, mm, mf) for s in scores)}/{len(scores)})"
        )
    fp = sum(hit(s, mm, mf) for s in neg_scores)
    sfp = sum(hit(s, mm, mf) for s in snip_scores)
    print(
        f"  false matches: unindexed chunks {fp}/{len(neg_scores)}, common snippets {sfp}/{len(snip_scores)}"
    )
    neg_best = [max(s, default=(0, 0.0)) for s in neg_scores + snip_scores]
    worst_m = max((m for m, _ in neg_best), default=0)
    worst_f = max((f for _, f in neg_best), default=0.0)
    print(
        f"  negatives: max matched {worst_m}, max fraction {worst_f:.2f}; "
        f"matched>0 in {sum(1 for m, _ in neg_best if m)}/{len(neg_best)}"
    )
    pos_all = [max(s, default=(0, 0.0)) for name in pos_scores for s in pos_scores[name]]
    ms = sorted(m for m, _ in pos_all)
    fs = sorted(f for _, f in pos_all)
    print(
        f"  positives: matched p5={ms[len(ms) // 20]} median={ms[len(ms) // 2]}; fraction p5={fs[len(fs) // 20]:.2f} median={fs[len(fs) // 2]:.2f}"
    )


def grid(pos_scores, neg_scores, snip_scores) -> None:
    print(
        f"  grid: min over variants of detection rate / false matches (chunks+snippets); matched >= {STRONG} always counts"
    )
    fractions = (0.0, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5)
    print("    min_matched " + " ".join(f"f>={f:<10}" for f in fractions))
    for mm in (1, 2, 3, 4, 5, 6, 8, 10):
        cells = []
        for mf in fractions:
            det = min(
                sum(hit(s, mm, mf) for s in scores) / len(scores)
                for name, scores in pos_scores.items()
                if not name.startswith("x_")
            )
            fp = sum(hit(s, mm, mf) for s in neg_scores + snip_scores)
            cells.append(f"{det:.3f}/{fp:<5d}")
        print(f"    {mm:11d} " + " ".join(cells))


# --- cost ---------------------------------------------------------------------------------


def lookup_cost(detector: CodeDetector, texts: list[str]) -> None:
    index = detector.index
    assert index is not None
    prompts = []
    for t in texts:
        p = (PREFIX + t)[:2048]
        if len(p) == 2048:
            prompts.append(p)
    from detectors.code.detector import segment_hashes

    hashes = [segment_hashes(p, "python", index.k, index.window) for p in prompts]
    per = []
    for h in hashes:
        index.lookup(h)
        reps = 200
        t0 = time.perf_counter()
        for _ in range(reps):
            index.lookup(h)
        per.append((time.perf_counter() - t0) / reps * 1e6)
    full = []
    for p in prompts:
        t0 = time.perf_counter()
        detector.detect(p)
        full.append((time.perf_counter() - t0) * 1e3)
    per.sort()
    full.sort()
    best_full = min(full)
    print(
        f"\n== cost for 2 KB prompts ({len(prompts)} prompts, ~{int(statistics.mean(len(h) for h in hashes))} fingerprints each)"
    )
    print(
        f"  index lookup: min {per[0]:.1f} us, median {per[len(per) // 2]:.1f} us, max {per[-1]:.1f} us"
    )
    print(
        f"  whole CodeDetector.detect (segmenting + Pygments lexing + winnowing + lookup): min {best_full:.2f} ms, median {full[len(full) // 2]:.2f} ms, max {full[-1]:.2f} ms"
    )


def load_cost(entries_per_file: float, files: int = 100_000) -> None:
    n = int(entries_per_file * files)
    rng = np.random.default_rng(7)
    hashes = np.sort(rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True))
    repos = rng.integers(0, 200, size=n, dtype=np.uint16)
    header = {
        "k": DEFAULT_K,
        "window": DEFAULT_WINDOW,
        "normaliser": NORMALISER_VERSION,
        "hash": HASH_SCHEME,
        "repos": [
            {"name": f"repo{i}", "files": files // 200, "fingerprints": 0} for i in range(200)
        ],
        "languages": {"python": files},
        "public": {"dirs": [], "kgrams": 0, "removed": 0},
        "unique_fingerprints": n,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "synthetic.idx")
        size = write_index(path, header, hashes, repos)
        del hashes, repos
        loads, firsts = [], []
        query = rng.integers(0, 2**64 - 1, size=100, dtype=np.uint64, endpoint=True)
        for _ in range(5):
            t0 = time.perf_counter()
            idx = FingerprintIndex.load(path)
            t1 = time.perf_counter()
            idx.lookup(query)
            t2 = time.perf_counter()
            loads.append(t1 - t0)
            firsts.append(t2 - t1)
            del idx
        t0 = time.perf_counter()
        arr = np.fromfile(path, dtype=np.uint8)
        read_all = time.perf_counter() - t0
        del arr
    print(
        f"\n== load: synthetic index for {files} files ({entries_per_file:.0f} entries/file as measured) = {n} entries, {size / 1e6:.0f} MB"
    )
    print(
        f"  FingerprintIndex.load (validate + memory-map): median {statistics.median(loads) * 1e3:.2f} ms; "
        f"first lookup after load {statistics.median(firsts) * 1e3:.2f} ms"
    )
    print(
        f"  (reading the whole file into memory instead: {read_all * 1e3:.0f} ms, page cache warm)"
    )


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=300, help="positive and negative chunks each")
    parser.add_argument("--k", type=int, default=DEFAULT_K)
    parser.add_argument("--window", type=int, default=DEFAULT_WINDOW)
    parser.add_argument("--seed", type=int, default=20260601)
    parser.add_argument("--min-matched", type=int, default=CodeSettings().min_matched)
    parser.add_argument("--min-fraction", type=float, default=CodeSettings().min_fraction)
    parser.add_argument("--strong-matched", type=int, default=CodeSettings().strong_matched)
    parser.add_argument("--no-public", action="store_true", help="skip the --public build")
    args = parser.parse_args()
    for tree in INDEXED:
        if not tree.is_dir():
            print(f"indexed tree not found: {tree}", file=sys.stderr)
            return 2
    global STRONG
    STRONG = args.strong_matched
    settings = CodeSettings(
        min_matched=args.min_matched, min_fraction=args.min_fraction, strong_matched=STRONG
    )
    rng = random.Random(args.seed)
    print(f"k={args.k} window={args.window}; indexed: {', '.join(str(p) for p in INDEXED)}")
    print(f"public (subtracted in the second build): {', '.join(p.name for p in PUBLIC)} (stdlib)")
    print(f"unindexed (negatives): {', '.join(p.name for p in UNINDEXED)}")

    indexed_sources = load_sources(INDEXED, rng)
    other_sources = load_sources(UNINDEXED, rng)
    chunks = sample_chunks(indexed_sources, args.chunks, rng)
    positives: dict[str, list[str]] = {}
    for src, start, length in chunks:
        for name, text in variants(src, start, length).items():
            positives.setdefault(name, []).append(text)
    negatives = [
        "".join(src.lines[s : s + n])
        for src, s, n in sample_chunks(other_sources, args.chunks, rng)
    ]
    print(
        f"{len(indexed_sources)} indexed files, {len(other_sources)} unindexed files; "
        f"{len(chunks)} positive chunks (mean {statistics.mean(n for _, _, n in chunks):.0f} lines), "
        f"{len(negatives)} negative chunks, {len(COMMON_SNIPPETS)} common snippets (alone and in a prompt)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        runs = [("no --public", [])] + (
            [] if args.no_public else [("with --public stdlib", PUBLIC)]
        )
        entries_per_file = 0.0
        for title, public in runs:
            out = Path(tmp, "index.idx")
            t0 = time.perf_counter()
            result = build_index(INDEXED, out, public, k=args.k, window=args.window)
            build_s = time.perf_counter() - t0
            files = sum(r.files for r in result.repos)
            entries_per_file = result.entries / max(files, 1)
            print(
                f"\n## index {title}: {files} files, {result.entries} entries, {result.bytes} bytes, "
                f"{result.removed_public} removed as public, built in {build_s:.1f} s"
            )
            first = out.read_bytes()
            detector, pos_scores, neg_scores, snip_scores = evaluate(
                out, positives, negatives, COMMON_SNIPPETS, settings
            )
            report(title, pos_scores, neg_scores, snip_scores, settings)
            grid(pos_scores, neg_scores, snip_scores)
            if public:
                build_index(INDEXED, out, public, k=args.k, window=args.window)
                print(f"  rebuild byte-identical: {out.read_bytes() == first}")
            lookup_cost(detector, positives["verbatim"])
            del detector
            os.unlink(out)
    load_cost(entries_per_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
