"""`aidlp scan [--config FILE] [--fingerprints INDEX] [--tool ID] [--json | --jsonl] [FILE | -]`.

Scans text with the same :class:`~detectors.engine.ScanEngine` the proxy uses and decides
through the same pipeline (:class:`proxy.inspection.Inspector`) under the configured policy,
for a generic online AI tool with no approval (or the catalogue tool ``--tool`` names). The
scanned text (and any matched value) never appears in the output: only categories, entity
types, offsets into the original text, scores and detector names.

Exit status, like grep: 0 when every decision is allow, 1 when any is block, 2 on an error
(bad arguments, config or input, or an engine that failed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from detectors.types import ScanResult, Seam
from proxy.catalogue import Tool, ToolStatus
from proxy.config import ConfigError, load_config
from proxy.inspection import Inspector, Outcome, Subject
from proxy.inspection.model import HttpRequest
from proxy.inspection.record import image_spans
from proxy.worker_pool import ScanFailure

#: The host a file is "uploaded" to when ``aidlp scan`` reads a document or an image.
UPLOAD_HOST = "aidlp-scan.invalid"
#: File name endings read as documents or images through the proxy's extraction.
FILE_KINDS = (".docx", ".xlsx", ".pptx", ".odt", ".pdf", ".zip", ".rtf", ".png", ".jpg",
              ".jpeg", ".gif", ".webp", ".tif", ".tiff", ".bmp")  # fmt: skip

#: Leading bytes of documents and images read through extraction whatever the file's name.
FILE_MAGIC = (b"PK\x03\x04", b"%PDF-", b"{\\rtf", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00",
              b"MM\x00*", b"\xd0\xcf\x11\xe0")  # fmt: skip

#: Exit statuses.
EXIT_ALLOW = 0
EXIT_BLOCK = 1
EXIT_INPUT = 2
EXIT_ENGINE = 2

#: The tool ``aidlp scan`` decides for unless ``--tool`` names one: any online AI tool.
GENERIC_TOOL = Tool(
    id="generic_online_tool",
    name="a generic online AI tool",
    hosts=["generic-online-tool.invalid"],
    status=ToolStatus.ONLINE,
)


class CommandError(Exception):
    """A user-facing error: ``str(exc)`` is the message; ``status`` the exit code."""

    def __init__(self, message: str, status: int = EXIT_INPUT) -> None:
        super().__init__(message)
        self.status = status


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="scan text and print findings (never the text itself)",
        description="Scan text for personal data, markings, credentials and non-public code "
        "and decide under the configured policy. Prints a table by default; exits 0 when "
        "allowed, 1 when blocked, 2 on an error.",
    )
    add_engine_arguments(parser)
    parser.add_argument(
        "--tool",
        metavar="ID",
        help="decide for this catalogue tool (default: a generic online AI tool)",
    )
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
    """What `aidlp eval` expects of a row: any counted category blocks (the default policy
    for a generic online AI tool with no approval)."""
    return "block" if categories else "allow"


class EngineScanner:
    """The pipeline's :class:`~proxy.inspection.Scanner`, in this process."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    async def scan(self, text: str, seams: Sequence[Seam] = (), body_end: int | None = None) -> Any:
        try:
            return self.engine.scan(text, seams, body_end)
        except Exception as exc:
            raise ScanFailure("scan_error", type(exc).__name__) from exc

    async def read_images(self, images: list[bytes], ocr_json: str, budget: float) -> list:
        from proxy.ocr.worker import read_images

        return read_images(images, ocr_json)


class Decider:
    """Text → pipeline outcome under the configured policy, for one assumed tool."""

    def __init__(self, inspector: Inspector, tool: Tool) -> None:
        self.inspector = inspector
        self.tool = tool
        self._loop = asyncio.new_event_loop()  # one loop for a whole batch

    def decide(self, text: str, where: str) -> Outcome:
        coro = self.inspector.inspect_text(text, Subject(self.tool), where)
        outcome = self._loop.run_until_complete(coro)
        if outcome.scan_failure is not None or (outcome.result is None and text.strip()):
            raise CommandError(f"scan failed on {where}: {outcome.decision.reason}", EXIT_ENGINE)
        return outcome

    def decide_file(self, data: bytes, where: str) -> Outcome:
        """A document or image, read by the proxy's own extraction (and OCR) as an upload."""
        request = HttpRequest(
            "PUT", UPLOAD_HOST, "/aidlp-scan", {"content-type": "application/octet-stream"}, data
        )
        outcome = self._loop.run_until_complete(self.inspector.inspect(request, Subject(self.tool)))
        if outcome.scan_failure is not None:
            raise CommandError(f"scan failed on {where}: {outcome.decision.reason}", EXIT_ENGINE)
        return outcome


def build_decider(args: argparse.Namespace) -> Decider:
    """The engine and the pipeline under the configured policy. Raises :class:`CommandError`."""
    engine = build_engine(args)
    try:
        loaded = load_config(args.config)
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    tool = GENERIC_TOOL
    if getattr(args, "tool", None):
        found = loaded.catalogue.tools.get(args.tool)
        if found is None:
            raise CommandError(f"--tool {args.tool}: not in the catalogue")
        tool = found
    inspector = Inspector(loaded.config, loaded.catalogue, EngineScanner(engine))
    return Decider(inspector, tool)


def verdict(outcome: Outcome) -> str:
    """``block`` or ``allow`` (monitor lets the text through: allow)."""
    return "block" if outcome.blocked else "allow"


def tool_label(decider: Decider) -> str:
    tool = decider.tool
    mode = decider.inspector.config.policy.mode.value
    return f"{tool.id} ({tool.status.value}), policy mode {mode}, no approval"


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
                decider = build_decider(args)
                blocked = False
                for record in records:
                    outcome = decider.decide(record.text, f"line {record.line}")
                    result = outcome.result or ScanResult()
                    blocked |= outcome.blocked
                    out = {
                        "id": record.id,
                        "decision": verdict(outcome),
                        "categories": list(result.categories),
                        "findings": [finding_dict(f) for f in result.findings],
                    }
                    sys.stdout.write(json.dumps(out) + "\n")
                return EXIT_BLOCK if blocked else EXIT_ALLOW
            data = stream.read()
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        where = "input" if args.file == "-" else args.file
        decider = build_decider(args)
        if args.file.lower().endswith(FILE_KINDS) or data.startswith(FILE_MAGIC):
            outcome = decider.decide_file(data, where)
            text = outcome.extraction.text if outcome.extraction is not None else ""
        else:
            text = decode(data, where)
            outcome = decider.decide(text, where)
    except CommandError as exc:
        name = "" if args.file == "-" or args.file in str(exc) else f"{args.file}: "
        print(f"aidlp scan: {name}{exc}", file=sys.stderr)
        return exc.status
    result = outcome.result or ScanResult()
    if args.json:
        out = {
            "decision": verdict(outcome),
            "tool": {"id": decider.tool.id, "status": decider.tool.status.value},
            "reason": outcome.decision.reason,
            "categories": list(result.categories),
            "findings": [finding_dict(f) for f in result.findings],
            "chars": len(text),
            "scan_ms": round(float(result.elapsed_ms), 3),
        }
        print(json.dumps(out))
    else:
        print(format_table(outcome, result, len(text), tool_label(decider), text))
    return EXIT_BLOCK if outcome.blocked else EXIT_ALLOW


def mask(value: str) -> str:
    """A matched value with all but its first two and last character hidden (so a developer
    can tell which match it was without the output carrying the value)."""
    value = " ".join(value.split())
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 3) + value[-1]


def line_column(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{column}"


def format_table(outcome: Outcome, result: Any, chars: int, tool: str, text: str = "") -> str:
    """A readable report: decision and the tool assumed, then one row per finding with its
    line:column and the matched value masked (never in full)."""
    cats = ", ".join(result.categories) or "none"
    lines = [
        f"decision: {verdict(outcome)}  (categories: {cats}; {chars} chars, "
        f"{float(result.elapsed_ms):.1f} ms)",
        f"for: {tool}",
    ]
    if not result.findings:
        lines.append("no findings")
        return "\n".join(lines)
    images = image_spans(outcome.extraction)

    def at(offset: int) -> str:
        place = line_column(text, offset)
        return f"{place} (image)" if any(a <= offset < b for a, b in images) else place

    header = ("CATEGORY", "ENTITY_TYPE", "AT", "START", "END", "SCORE", "DETECTOR", "MATCH")
    rows = [
        (
            f.category,
            f.entity_type,
            at(f.start),
            str(f.start),
            str(f.end),
            f"{f.score:.2f}",
            f.detector,
            mask(text[f.start : f.end]) if text else "",
        )
        for f in sorted(result.findings, key=lambda f: (f.start, f.end, f.category))
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {3, 4, 5}

    def fmt(row: tuple[str, ...]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    lines.append(fmt(header))
    lines.extend(fmt(r) for r in rows)
    return "\n".join(lines)
