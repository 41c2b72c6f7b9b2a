"""The fingerprint index file: hashes only, never code.

Layout (all integers little-endian)::

    8 bytes   magic b"AIDLPFP\\x00"
    u32       format version
    u32       header length H
    H bytes   header: UTF-8 JSON, sorted keys (k, window, normaliser, hash scheme,
              repos with file/fingerprint counts, languages, public subtraction counts)
    pad       zero bytes up to a multiple of 8
    N x u64   fingerprint hashes, ascending (a hash seen in two repos appears twice)
    N x u16   repo number of each entry (index into header["repos"])

The arrays are memory-mapped, so loading costs the same for 1k or 100k source files and
every scan worker process shares the same page-cache copy.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from detectors.code.normalise import NORMALISER_VERSION
from detectors.code.winnow import HASH_SCHEME

MAGIC: Final = b"AIDLPFP\x00"
FORMAT_VERSION: Final = 1
_PREFIX: Final = struct.Struct("<8sII")
_MAX_HEADER: Final = 16 * 1024 * 1024
MAX_REPOS: Final = 65535


class FingerprintIndexError(ValueError):
    """The index file is missing, unreadable, corrupt or from another version."""


def _pad(n: int) -> int:
    return (-n) % 8


def write_index(
    path: str | os.PathLike[str],
    header: dict[str, Any],
    hashes: np.ndarray,
    repo_ids: np.ndarray,
) -> int:
    """Write an index atomically (temp file + rename); returns its size in bytes.

    ``hashes``/``repo_ids`` must already be sorted by (hash, repo). Deterministic: the same
    inputs give the same bytes.
    """
    hashes = np.ascontiguousarray(hashes, dtype="<u8")
    repo_ids = np.ascontiguousarray(repo_ids, dtype="<u2")
    if hashes.shape != repo_ids.shape:
        raise ValueError("hashes and repo_ids differ in length")
    header = dict(header, format=FORMAT_VERSION, entries=len(hashes))
    blob = json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()
    prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(blob))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(prefix)
            out.write(blob)
            out.write(b"\x00" * _pad(len(prefix) + len(blob)))
            out.write(hashes.tobytes())
            out.write(repo_ids.tobytes())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


@dataclass(frozen=True, slots=True)
class Lookup:
    """Which query hashes are in the index, and which repos they came from."""

    matched: np.ndarray  # bool, one per query hash
    repo_counts: dict[int, int]  # repo number -> matched query hashes from that repo


class FingerprintIndex:
    """A loaded (memory-mapped) index. Immutable; safe to share across threads."""

    def __init__(self, header: dict[str, Any], hashes: np.ndarray, repo_ids: np.ndarray) -> None:
        self.header = header
        self.hashes = hashes
        self.repo_ids = repo_ids
        self.k: int = int(header["k"])
        self.window: int = int(header["window"])
        self.repo_names: list[str] = [r["name"] for r in header["repos"]]
        langs: dict[str, int] = header.get("languages", {})
        #: Languages in the index, most files first (ties by name).
        self.languages: list[str] = sorted(langs, key=lambda name: (-langs[name], name))

    def __len__(self) -> int:
        return len(self.hashes)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FingerprintIndex:
        """Open and validate an index; raises :class:`FingerprintIndexError` with the reason."""
        where = os.fspath(path)
        try:
            with open(where, "rb") as fh:
                prefix = fh.read(_PREFIX.size)
                if len(prefix) < _PREFIX.size:
                    raise FingerprintIndexError(
                        f"{where}: not an aidlp fingerprint index (too short)"
                    )
                magic, version, header_len = _PREFIX.unpack(prefix)
                if magic != MAGIC:
                    raise FingerprintIndexError(
                        f"{where}: not an aidlp fingerprint index (bad magic)"
                    )
                if version != FORMAT_VERSION:
                    raise FingerprintIndexError(
                        f"{where}: index format {version}, this aidlp reads format "
                        f"{FORMAT_VERSION}; rebuild it with `aidlp fingerprint build`"
                    )
                if header_len > _MAX_HEADER:
                    raise FingerprintIndexError(f"{where}: corrupt index (header too large)")
                blob = fh.read(header_len)
                size = os.fstat(fh.fileno()).st_size
        except FileNotFoundError:
            raise FingerprintIndexError(f"{where}: fingerprint index not found") from None
        except IsADirectoryError:
            raise FingerprintIndexError(f"{where}: is a directory, not an index file") from None
        except OSError as exc:
            raise FingerprintIndexError(f"{where}: cannot read index: {exc.strerror}") from None
        try:
            header = json.loads(blob.decode("utf-8"))
            entries = int(header["entries"])
            k, window = int(header["k"]), int(header["window"])
            repos = header["repos"]
            names = [str(r["name"]) for r in repos]
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise FingerprintIndexError(f"{where}: corrupt index header ({exc})") from None
        if header.get("normaliser") != NORMALISER_VERSION or header.get("hash") != HASH_SCHEME:
            raise FingerprintIndexError(
                f"{where}: index built with normaliser {header.get('normaliser')!r} / hash "
                f"{header.get('hash')!r}; this aidlp uses {NORMALISER_VERSION!r} / "
                f"{HASH_SCHEME!r}; rebuild it with `aidlp fingerprint build`"
            )
        if k < 1 or window < 1 or entries < 0 or len(names) > MAX_REPOS:
            raise FingerprintIndexError(f"{where}: corrupt index header (bad parameters)")
        offset = _PREFIX.size + header_len + _pad(_PREFIX.size + header_len)
        expected = offset + entries * 10
        if size != expected:
            raise FingerprintIndexError(
                f"{where}: corrupt or truncated index ({size} bytes, header says {expected})"
            )
        if entries == 0:
            hashes = np.empty(0, dtype="<u8")
            repo_ids = np.empty(0, dtype="<u2")
        else:
            try:
                hashes = np.memmap(where, dtype="<u8", mode="r", offset=offset, shape=(entries,))
                repo_ids = np.memmap(
                    where, dtype="<u2", mode="r", offset=offset + entries * 8, shape=(entries,)
                )
            except (OSError, ValueError) as exc:
                raise FingerprintIndexError(f"{where}: cannot map index: {exc}") from None
        # Plain ndarray views of the mapping (memmap subclass indexing is slower).
        return cls(header, hashes.view(np.ndarray), repo_ids.view(np.ndarray))

    def lookup(self, query: np.ndarray) -> Lookup:
        """Membership of each query hash (any order, duplicates allowed)."""
        query = np.asarray(query, dtype=np.uint64)
        if len(self.hashes) == 0 or len(query) == 0:
            return Lookup(np.zeros(len(query), dtype=bool), {})
        left = np.searchsorted(self.hashes, query, side="left")
        right = np.searchsorted(self.hashes, query, side="right")
        matched = right > left
        repo_counts: dict[int, int] = {}
        if matched.any():
            lo, hi = left[matched], right[matched]
            single = hi - lo == 1
            counts = np.bincount(self.repo_ids[lo[single]])
            repo_counts = {int(i): int(counts[i]) for i in np.flatnonzero(counts)}
            for a, b in zip(lo[~single], hi[~single], strict=True):  # hash in several repos
                for repo in np.unique(np.asarray(self.repo_ids[a:b])):
                    repo_counts[int(repo)] = repo_counts.get(int(repo), 0) + 1
        return Lookup(matched, repo_counts)
