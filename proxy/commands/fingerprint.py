"""`aidlp fingerprint build SRC_DIR... --out INDEX [--public DIR...]` and `aidlp fingerprint info`.

The index holds 64-bit hashes only, never code: it is safe to deploy to every proxy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from detectors.code.build import DEFAULT_K, DEFAULT_WINDOW, BuildError, build_index
from detectors.code.index import FingerprintIndex, FingerprintIndexError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "fingerprint", help="build and inspect the non-public code fingerprint index"
    )
    actions = parser.add_subparsers(dest="fingerprint_command", required=True, metavar="ACTION")
    build = actions.add_parser(
        "build",
        help="fingerprint source repositories into an index (hashes only, never code)",
        description="Walk each SRC_DIR (respecting .gitignore; skipping vendored, generated "
        "and binary files), fingerprint its source files and write INDEX. Fingerprints found "
        "in any --public DIR (public repositories, common frameworks) are left out.",
    )
    build.add_argument("sources", nargs="+", metavar="SRC_DIR", help="repository to index")
    build.add_argument("--out", required=True, metavar="INDEX", help="index file to write")
    build.add_argument(
        "--public",
        action="append",
        default=[],
        metavar="DIR",
        help="public code to subtract (repeatable)",
    )
    build.add_argument(
        "--k", type=int, default=DEFAULT_K, help=f"k-gram length in tokens (default {DEFAULT_K})"
    )
    build.add_argument(
        "--window",
        type=int,
        default=DEFAULT_WINDOW,
        help=f"winnowing window (default {DEFAULT_WINDOW})",
    )
    build.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    build.set_defaults(func=run_build)
    info = actions.add_parser("info", help="print an index's header (counts, parameters)")
    info.add_argument("index", metavar="INDEX")
    info.set_defaults(func=run_info)


def run_build(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        print("aidlp: --jobs must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        result = build_index(
            args.sources, args.out, args.public, k=args.k, window=args.window, jobs=args.jobs
        )
    except BuildError as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"aidlp: cannot write index {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    for repo in result.repos:
        w = repo.walk
        print(
            f"source {repo.name}: {repo.files} files, {repo.fingerprints} fingerprints "
            f"(skipped: {w.ignored} gitignored, {w.vendored_dirs} vendored/build dirs, "
            f"{w.generated} generated, {w.binary} binary, {w.too_large} too large)"
        )
        if repo.files == 0:
            print(f"aidlp: warning: no source files found in {repo.name}", file=sys.stderr)
    for pub in result.public:
        print(f"public {pub.name}: {pub.files} files")
    print(
        f"wrote {result.path}: {result.entries} entries, {result.bytes} bytes; "
        f"{result.removed_public} fingerprints removed as public "
        f"({time.perf_counter() - started:.1f} s)"
    )
    return 0


def run_info(args: argparse.Namespace) -> int:
    try:
        index = FingerprintIndex.load(args.index)
    except FingerprintIndexError as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(index.header, indent=2, sort_keys=True))
    return 0
