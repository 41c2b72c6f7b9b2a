"""Build a fingerprint index from source repositories (``aidlp fingerprint build``)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np

from detectors.code.index import MAX_REPOS, write_index
from detectors.code.normalise import NORMALISER_VERSION, tokenise
from detectors.code.walk import SourceFile, WalkStats, iter_source_files
from detectors.code.winnow import HASH_SCHEME, SKIP_HASH, fingerprint, kgram_hashes

#: Defaults chosen by measurement (bench/bench_fingerprint.py; figures in bench/README.md).
DEFAULT_K: Final = 25
DEFAULT_WINDOW: Final = 8


class BuildError(ValueError):
    """A build input is unusable (missing directory, bad parameters)."""


@dataclass(slots=True)
class RepoStats:
    """Counts for one source or public directory."""

    name: str
    files: int = 0
    fingerprints: int = 0
    walk: WalkStats = field(default_factory=WalkStats)


@dataclass(slots=True)
class BuildResult:
    """What a build wrote (counts only)."""

    path: str
    bytes: int
    entries: int
    repos: list[RepoStats]
    public: list[RepoStats]
    public_kgrams: int
    removed_public: int
    languages: dict[str, int]


def repo_names(dirs: Sequence[str | os.PathLike[str]]) -> list[str]:
    """Display names for source dirs: the directory name, made unique with ``-2``, ``-3``."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for d in dirs:
        base = Path(d).resolve().name or "root"
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


def _check_dirs(dirs: Iterable[str | os.PathLike[str]], what: str) -> None:
    for d in dirs:
        path = Path(d)
        if not path.exists():
            raise BuildError(f"{what} directory not found: {d}")
        if not path.is_dir():
            raise BuildError(f"{what} is not a directory: {d}")
        if not os.access(path, os.R_OK | os.X_OK):
            raise BuildError(f"{what} directory not readable: {d}")


def _winnowed(job: tuple[str, str, int, int]) -> np.ndarray:
    text, language, k, window = job
    tokens = [t.text for t in tokenise(text, language)]
    return np.unique(fingerprint(tokens, k, window).hashes)


def _all_kgrams(job: tuple[str, str, int, int]) -> np.ndarray:
    text, language, k, _ = job
    hashes = np.unique(kgram_hashes([t.text for t in tokenise(text, language)], k))
    return hashes[hashes != SKIP_HASH]


def _map(
    func: Callable[[tuple[str, str, int, int]], np.ndarray],
    files: Iterator[SourceFile],
    k: int,
    window: int,
    pool: ProcessPoolExecutor | None,
    languages: Counter[str],
) -> Iterator[np.ndarray]:
    def jobs() -> Iterator[tuple[str, str, int, int]]:
        for f in files:
            languages[f.language] += 1
            yield (f.text, f.language, k, window)

    if pool is None:
        yield from map(func, jobs())
        return
    # Bounded batches: never hold more than a few hundred file texts in flight.
    batch: list[tuple[str, str, int, int]] = []
    for job in jobs():
        batch.append(job)
        if len(batch) >= 256:
            yield from pool.map(func, batch, chunksize=8)
            batch = []
    if batch:
        yield from pool.map(func, batch, chunksize=8)


def _collect(
    root: str | os.PathLike[str],
    name: str,
    func: Callable[[tuple[str, str, int, int]], np.ndarray],
    k: int,
    window: int,
    pool: ProcessPoolExecutor | None,
    languages: Counter[str],
) -> tuple[RepoStats, np.ndarray]:
    stats = RepoStats(name)
    files = iter_source_files(root, stats.walk)
    parts = list(_map(func, files, k, window, pool, languages))
    stats.files = stats.walk.files
    hashes = np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint64)
    stats.fingerprints = len(hashes)
    return stats, hashes


def build_index(
    sources: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    public: Sequence[str | os.PathLike[str]] = (),
    *,
    k: int = DEFAULT_K,
    window: int = DEFAULT_WINDOW,
    jobs: int = 1,
) -> BuildResult:
    """Fingerprint ``sources``, subtract every k-gram of ``public``, write the index to ``out``.

    The output depends only on file contents and relative paths (never on absolute paths,
    time or ``jobs``), so rebuilding from the same trees gives a byte-identical file.
    """
    if not sources:
        raise BuildError("at least one source directory is required")
    if len(sources) > MAX_REPOS:
        raise BuildError(f"at most {MAX_REPOS} source directories")
    if k < 5 or window < 1:
        raise BuildError("k must be >= 5 and window >= 1")
    _check_dirs(sources, "source")
    _check_dirs(public, "public")
    languages: Counter[str] = Counter()
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        public_stats: list[RepoStats] = []
        public_parts: list[np.ndarray] = []
        for name, root in zip(repo_names(public), public, strict=True):
            stats, hashes = _collect(root, name, _all_kgrams, k, window, pool, Counter())
            public_stats.append(stats)
            public_parts.append(hashes)
        public_set = (
            np.unique(np.concatenate(public_parts)) if public_parts else np.empty(0, np.uint64)
        )
        repo_stats: list[RepoStats] = []
        entry_hashes: list[np.ndarray] = []
        entry_repos: list[np.ndarray] = []
        removed = 0
        for repo_id, (name, root) in enumerate(zip(repo_names(sources), sources, strict=True)):
            stats, hashes = _collect(root, name, _winnowed, k, window, pool, languages)
            if len(public_set):
                keep = ~np.isin(hashes, public_set, assume_unique=True)
                removed += int(len(hashes) - keep.sum())
                hashes = hashes[keep]
            stats.fingerprints = len(hashes)
            repo_stats.append(stats)
            entry_hashes.append(hashes)
            entry_repos.append(np.full(len(hashes), repo_id, dtype=np.uint16))
    finally:
        if pool is not None:
            pool.shutdown()
    hashes = np.concatenate(entry_hashes)
    repos = np.concatenate(entry_repos)
    order = np.lexsort((repos, hashes))
    hashes, repos = hashes[order], repos[order]
    header = {
        "k": k,
        "window": window,
        "normaliser": NORMALISER_VERSION,
        "hash": HASH_SCHEME,
        "repos": [
            {"name": s.name, "files": s.files, "fingerprints": s.fingerprints} for s in repo_stats
        ],
        "languages": dict(sorted(languages.items())),
        "public": {
            "dirs": [{"name": s.name, "files": s.files} for s in public_stats],
            "kgrams": len(public_set),
            "removed": removed,
        },
        "unique_fingerprints": len(np.unique(hashes)),
    }
    size = write_index(out, header, hashes, repos)
    return BuildResult(
        path=os.fspath(out),
        bytes=size,
        entries=len(hashes),
        repos=repo_stats,
        public=public_stats,
        public_kgrams=len(public_set),
        removed_public=removed,
        languages=dict(languages),
    )
