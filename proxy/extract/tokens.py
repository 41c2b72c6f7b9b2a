"""Token-id arrays (``/completions`` ``prompt``, ``/embeddings`` ``input`` as ``[9906, ...]``):
read as the server decodes them, with the model's BPE vocabulary (``bpe-openai``'s offline
cl100k_base / o200k_base data). Which model uses which vocabulary is data
(``data/token_vocabularies.yaml``), validated at load.

An unknown model's ids are decoded with every shipped vocabulary they are valid in, and every
result is scanned. Ids valid in none (out of range, or needing a vocabulary not shipped) cannot
be read: the caller blocks (``uninspectable``). Arrays of single-byte ids (0-255) need no
vocabulary: those are the bytes, in GPT-2's order, in every OpenAI vocabulary.

Loading a vocabulary costs about a second: it happens once per process, on first use, in the
extraction thread (token-array bodies never extract on the event loop), and the extraction
budget does not count it.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "token_vocabularies.yaml"


class TokenDataError(ValueError):
    """``proxy/extract/data/token_vocabularies.yaml`` is malformed."""


@dataclass(frozen=True)
class Vocabularies:
    shipped: tuple[str, ...]  # decodable offline, in the file's order
    known: frozenset[str]  # every encoding named
    models: tuple[tuple[str, str], ...]  # (prefix, encoding), longest prefix first

    def for_model(self, model: object) -> str | None:
        """The encoding a model's ids are in, or None (unknown model)."""
        if not isinstance(model, str) or not model.strip():
            return None
        name = model.strip().lower().rsplit("/", 1)[-1]
        for prefix, encoding in self.models:
            if name.startswith(prefix):
                return encoding
        return None


@functools.cache
def vocabularies(path: Path = DATA_FILE) -> Vocabularies:
    """The validated data file (clear, located messages on a mistake)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TokenDataError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise TokenDataError(f"{path}: expected a mapping with 'encodings' and 'models'")
    encodings = data.get("encodings")
    if not isinstance(encodings, dict) or not encodings:
        raise TokenDataError(f"{path}: 'encodings' must map encoding names to {{shipped: bool}}")
    shipped: list[str] = []
    for name, spec in encodings.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("shipped"), bool):
            raise TokenDataError(f"{path}: encodings.{name} needs 'shipped: true|false'")
        if spec["shipped"]:
            shipped.append(str(name))
    models = data.get("models")
    if not isinstance(models, dict) or not models:
        raise TokenDataError(f"{path}: 'models' must map model-name prefixes to encodings")
    for prefix, encoding in models.items():
        if not isinstance(prefix, str) or not prefix or prefix != prefix.lower():
            raise TokenDataError(f"{path}: models: {prefix!r} must be a lower-case prefix")
        if encoding not in encodings:
            raise TokenDataError(f"{path}: models.{prefix}: unknown encoding {encoding!r}")
    ordered = sorted(models.items(), key=lambda item: -len(item[0]))
    return Vocabularies(tuple(shipped), frozenset(map(str, encodings)), tuple(ordered))


class _Loaded:
    """Each shipped encoding, loaded once per process on first use (thread-safe)."""

    def __init__(self, load: Callable[[str], Any]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._tables: dict[str, list[bytes]] = {}

    def table(self, name: str) -> tuple[list[bytes], float]:
        """(id -> bytes table, seconds spent loading it now: 0 once loaded)."""
        table = self._tables.get(name)
        if table is not None:
            return table, 0.0
        with self._lock:
            table = self._tables.get(name)
            if table is not None:
                return table, 0.0
            started = time.monotonic()
            encoding = self._load(name)
            table = _id_table(encoding)
            self._tables[name] = table
            return table, time.monotonic() - started


def _id_table(encoding: Any) -> list[bytes]:
    """id -> bytes (b"" for ids the vocabulary leaves unused), from the encoding's decoder."""
    table: list[bytes] = []
    for token in range(encoding.max_token_value + 1):
        try:
            table.append(encoding.decode_single_token_bytes(token))
        except KeyError:
            table.append(b"")
    return table


def _bpe_openai(name: str) -> Any:
    import bpe_openai  # heavy (a 74 MB extension): imported on first use only

    return bpe_openai.get_encoding(name)


LOADED = _Loaded(_bpe_openai)

#: GPT-2's byte order: the byte each of the ids 0-255 stands for in every OpenAI vocabulary
#: (printable bytes first, then the rest in order).
_FIRST = [*range(33, 127), *range(161, 173), *range(174, 256)]
BYTE_ORDER = _FIRST + [b for b in range(256) if b not in _FIRST]


@dataclass
class Decoded:
    texts: list[tuple[str, str]]  # (encoding name, text)
    load_seconds: float  # vocabulary loading done for this call (not extraction work)


def decode(ids: Sequence[int], model: object) -> Decoded | None:
    """Every reading of ``ids`` the server may make, or None when none can be made."""
    if all(t <= 255 for t in ids):
        return Decoded([("bytes", bytes(BYTE_ORDER[t] for t in ids).decode("utf-8", "replace"))], 0)
    vocab = vocabularies()
    encoding = vocab.for_model(model)
    candidates = list(vocab.shipped) if encoding is None else [encoding]
    texts: list[tuple[str, str]] = []
    spent = 0.0
    for name in candidates:
        if name not in vocab.shipped:
            continue  # a vocabulary we do not have: unreadable unless another reads it
        table, seconds = LOADED.table(name)
        spent += seconds
        size = len(table)
        if any(t >= size or not table[t] for t in ids):
            continue  # not a valid array in this vocabulary
        texts.append((name, b"".join(table[t] for t in ids).decode("utf-8", "replace")))
    return Decoded(texts, spent) if texts else None
