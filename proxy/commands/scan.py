"""`aidlp scan [--config FILE] [--fingerprints INDEX] [--json | --jsonl] [FILE | -]`.

Scans text with the same :class:`~detectors.engine.ScanEngine` the proxy uses and prints the
decision for a generic online AI tool with no approval. The scanned text (and any matched
value) never appears in the output: only categories, entity types, offsets into the original
text, scores and detector names. Exit status is 0 whatever is found; non-zero only on errors
(2: bad arguments, config or input; 1: the engine failed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from proxy.config import ConfigError, load_config

#: Exit statuses.
EXIT_INPUT = 2
EXIT_ENGINE = 1


class CommandError(Exception):
    """A user-facing error: ``str(exc)`` is the message; ``status`` the exit code."""

    def __init__(self, message: str, status: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.status = status


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="scan text and print findings (never the text itself)",
        description="Scan text for personal data, markings, credentials and non-public code. "
        "Prints a table by default; exits 0 whatever it finds.",
    )
    add_engine_arguments(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="one JSON object for the whole input")
    mode.add_argument(
        "--jsonl",
        action="store_true",
        help='batch: each input line {"id", "text"} gives one output line '
        '{"id", "decision", "categories", "findings"}',
    )
    parser.add_argument("file", nargs="?", default="-", help="input file, or - for stdin")
    parser.set_defaults(func=run)


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config`` and ``--fingerprints``: shared by ``scan`` and ``eval``."""
    parser.add_argument("--config", help="config YAML merged over the embedded default")
    parser.add_argument(
        "--fingerprints",
        metavar="INDEX",
        help="code fingerprint index (overrides detectors.fingerprint_index)",
    )


# --------------------------------------------------------------------------------------
# Shared helpers (also used by `aidlp eval`)
# --------------------------------------------------------------------------------------


_ENGINES: dict[str, Any] = {}


def build_engine(args: argparse.Namespace) -> Any:
    """Load the config and build the engine once. Raises :class:`CommandError`."""
    try:
        settings = load_config(args.config).config.detectors
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    if args.fingerprints:
        index = Path(args.fingerprints)
        if not index.exists():
            raise CommandError(f"fingerprint index not found: {index}")
        settings = settings.model_copy(update={"fingerprint_index": str(index.resolve())})
    key = settings.model_dump_json()
    if key in _ENGINES:  # one engine per settings per process (reentrant; loads spaCy once)
        return _ENGINES[key]
    from detectors.engine import ScanEngine  # heavy (spaCy): import only when needed

    try:
        engine = _ENGINES[key] = ScanEngine(settings)
        return engine
    except Exception as exc:  # a broken model/index must be a clear error, not a traceback
        raise CommandError(
            f"could not start the scan engine: {type(exc).__name__}: {exc}", EXIT_ENGINE
        ) from exc


def decision_for(categories: list[str]) -> str:
    """The decision for a generic online AI tool with no approval: any counted category blocks."""
    return "block" if categories else "allow"


def finding_dict(finding: Any) -> dict[str, Any]:
    """The contract fields of a finding (never ``meta``, never the value)."""
    return {
        "category": finding.category,
        "entity_type": finding.entity_type,
        "start": finding.start,
        "end": finding.end,
        "score": round(float(finding.score), 4),
        "detector": finding.detector,
    }


def scan_one(engine: Any, text: str, where: str) -> Any:
    try:
        return engine.scan(text)
    except Exception as exc:
        raise CommandError(f"scan failed on {where}: {type(exc).__name__}", EXIT_ENGINE) from exc


def open_input(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc


def decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{where}: not valid UTF-8 (byte {exc.start})") from exc


@dataclass(slots=True)
class Record:
    line: int
    id: Any
    text: str


def read_jsonl(
    stream: IO[bytes], required: tuple[str, ...] = ("id", "text")
) -> Iterator[tuple[int, dict]]:
    """Yield ``(line_number, object)`` for each non-blank line; errors name the line."""
    for number, raw in enumerate(stream, start=1):
        line = decode(raw, f"line {number}").strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"line {number}: invalid JSON ({exc.msg}, column {exc.colno})"
            ) from exc
        if not isinstance(obj, dict):
            raise CommandError(f"line {number}: expected a JSON object")
        missing = [key for key in required if key not in obj]
        if missing:
            raise CommandError(f"line {number}: missing field(s): {', '.join(missing)}")
        if not isinstance(obj.get("text"), str):
            raise CommandError(f"line {number}: field 'text' must be a string")
        yield number, obj


# --------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    try:
        stream = open_input(args.file)
        try:
            if args.jsonl:
                # Validate the whole batch before starting the engine or printing anything.
                records = [Record(n, obj["id"], obj["text"]) for n, obj in read_jsonl(stream)]
                engine = build_engine(args)
                for record in records:
                    result = scan_one(engine, record.text, f"line {record.line}")
                    out = {
                        "id": record.id,
                        "decision": decision_for(result.categories),
                        "categories": list(result.categories),
                        "findings": [finding_dict(f) for f in result.findings],
                    }
                    sys.stdout.write(json.dumps(out) + "\n")
                return 0
            text = decode(stream.read(), "input")
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        engine = build_engine(args)
        result = scan_one(engine, text, "input")
    except CommandError as exc:
        print(f"aidlp scan: {exc}", file=sys.stderr)
        return exc.status
    if args.json:
        out = {
            "decision": decision_for(result.categories),
            "categories": list(result.categories),
            "findings": [finding_dict(f) for f in result.findings],
            "chars": len(text),
            "scan_ms": round(float(result.elapsed_ms), 3),
        }
        print(json.dumps(out))
    else:
        print(format_table(result, len(text)))
    return 0


def format_table(result: Any, chars: int) -> str:
    """A readable report: decision, then one row per finding (no values)."""
    decision = decision_for(result.categories)
    cats = ", ".join(result.categories) or "none"
    lines = [
        f"decision: {decision}  (categories: {cats}; {chars} chars, "
        f"{float(result.elapsed_ms):.1f} ms)"
    ]
    if not result.findings:
        lines.append("no findings")
        return "\n".join(lines)
    header = ("CATEGORY", "ENTITY_TYPE", "START", "END", "SCORE", "DETECTOR")
    rows = [
        (f.category, f.entity_type, str(f.start), str(f.end), f"{f.score:.2f}", f.detector)
        for f in sorted(result.findings, key=lambda f: (f.start, f.end, f.category))
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4}

    def fmt(row: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    lines.append(fmt(header))
    lines.extend(fmt(r) for r in rows)
    return "\n".join(lines)
