"""SQLite databases (``.db``, ``.sqlite``: what a code tool opens with ``sqlite3``): read with
the standard library's ``sqlite3`` from the bytes (``deserialize``, in memory, never a file
on disk), one line per row with its values tab-separated, after the schema (table and column
names, view and trigger text). SQLite stores a row's columns back to back
(``Jane SmithJG103729A...``), so its printable strings alone lose every boundary; they are
read too (deleted rows and free pages keep old text). Bounded by the request's character and
time budget (a progress handler stops a long query). A file that claims to be SQLite and does
not open is ``unparseable``."""

from __future__ import annotations

import sqlite3
import time

from proxy.extract.collector import Collector
from proxy.extract.datatypes import ExtractionError
from proxy.extract.files.binary import strings
from proxy.extract.files.kind import FileKind, Probe, register

_MAGIC = b"SQLite format 3\x00"


@register
class Sqlite(FileKind):
    name = "sqlite"
    priority = 35

    def matches(self, probe: Probe) -> bool:
        return probe.head.startswith(_MAGIC)

    def read(self, col: Collector, probe: Probe, where: str, depth: int) -> None:
        strings(col, probe.data, where)
        blobs: list[bytes] = []
        try:
            lines = _rows(col, probe.data, blobs)
        except sqlite3.DatabaseError as exc:
            if "interrupted" in str(exc):
                raise ExtractionError("too_large", "extraction time budget exceeded") from exc
            col.damaged(f"SQLite database does not open ({type(exc).__name__})")
        col.text("\n".join(lines), f"{where}<sqlite>")
        for index, blob in enumerate(blobs):  # a file kept in a BLOB column
            col.file(blob, f"{where}<sqlite>!blob{index}", "", "", depth + 1)


def _rows(col: Collector, data: bytes, blobs: list[bytes]) -> list[str]:
    """The schema and every table's rows as lines; non-text BLOB values go to ``blobs``."""
    budget = col.budget
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(data)
        # an untrusted database file: SQLite's own hardening advice
        for pragma in ("query_only = ON", "trusted_schema = OFF", "cell_size_check = ON"):
            con.execute(f"PRAGMA {pragma}")
        con.set_progress_handler(lambda: time.monotonic() > budget.deadline, 10_000)
        lines: list[str] = []
        size = 0

        def add(line: str) -> None:
            nonlocal size
            size += len(line) + 1
            if size > budget.remaining_chars:
                raise ExtractionError("too_large", "extracted text over max_text_chars")
            lines.append(line)

        schema = con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        for kind, name, sql in schema:
            add(f"{kind} {name}: {sql or ''}")
        for kind, name, _sql in schema:
            if kind != "table" or name.startswith("sqlite_"):
                continue
            quoted = '"' + name.replace('"', '""') + '"'
            try:
                cursor = con.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - a name from the schema, quoted
            except sqlite3.OperationalError:  # a virtual table whose module is not loaded
                continue
            add("\t".join(column[0] for column in cursor.description or ()))
            for row in cursor:
                add("\t".join(_cell(value, blobs) for value in row))
        return lines
    finally:
        con.close()


def _cell(value: object, blobs: list[bytes]) -> str:
    if isinstance(value, bytes):
        if value.isascii():
            return value.decode("ascii")
        if len(value) >= 16:
            blobs.append(value)
        return f"<{len(value)} bytes>"
    return "" if value is None else str(value)
