"""RT-72: binary containers a code tool opens in one line: SQLite databases (read with the
stdlib sqlite3, one line per row) and brotli/zstd-compressed text. Each payload is built here
and read back with the standard reader (sqlite3, brotli, zstd) first."""

from __future__ import annotations

import base64
import json
import random
import sqlite3
from pathlib import Path

import brotli
import pytest

from detectors.engine import ScanEngine
from detectors.settings import DetectorSettings
from proxy.extract import ExtractionError, extract
from tests.unit.extract.extract_helpers import request

NINO = "JG103729A"
NOTE = f"Case notes. Claimant Jane Smith, NI number {NINO}, has multiple sclerosis.\n"
UPLOAD = "https://files.oaiusercontent.com/file-abc"


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(DetectorSettings())


def sqlite_db(tmp_path: Path, rows: list[tuple[str, str, str]]) -> bytes:
    path = tmp_path / "cases.db"
    con = sqlite3.connect(path)
    con.execute("create table cases(name text, nino text, condition text)")
    con.executemany("insert into cases values (?, ?, ?)", rows)
    con.commit()
    con.close()
    return path.read_bytes()


def upload(data: bytes):
    return extract(request(UPLOAD, data, content_type="application/octet-stream", method="PUT"))


def categories(engine: ScanEngine, extraction) -> set[str]:
    return set(engine.scan("\n\n".join(s.text for s in extraction.segments)).categories)


def test_sqlite_rows_are_read_one_line_each_with_their_boundaries(engine, tmp_path) -> None:
    data = sqlite_db(tmp_path, [("Jane Smith", NINO, "multiple sclerosis")])
    assert NINO + "multiple" in data.decode("latin-1")  # the file stores the columns glued
    con = sqlite3.connect(tmp_path / "cases.db")
    assert con.execute("select nino from cases").fetchall() == [(NINO,)]
    extraction = upload(data)
    rows = [s.text for s in extraction.segments if s.where.endswith("<sqlite>")]
    assert rows and f"Jane Smith\t{NINO}\tmultiple sclerosis" in rows[0]
    assert "PERSONAL_DATA" in categories(engine, extraction)


def test_sqlite_in_tool_call_arguments_is_read(engine, tmp_path) -> None:
    data = sqlite_db(tmp_path, [("Jane Smith", NINO, "multiple sclerosis")])
    arguments = json.dumps({"filename": "case.bin", "file_b64": base64.b64encode(data).decode()})
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": "open the attached file"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "id": "call_a1b2c3d4e5f6",
                        "type": "function",
                        "function": {"name": "attach", "arguments": arguments},
                    }
                ],
            },
        ],
    }
    extraction = extract(request("https://api.openai.com/v1/chat/completions", body))
    assert any(f"\t{NINO}\t" in s.text for s in extraction.segments)
    assert "PERSONAL_DATA" in categories(engine, extraction)


def test_clean_sqlite_is_allowed_and_a_damaged_one_fails_closed(engine, tmp_path) -> None:
    data = sqlite_db(tmp_path, [("Room 4", "booked", "Tuesday")])
    assert categories(engine, upload(data)) == set()
    damaged = data[:100] + bytes(random.Random(3).randbytes(len(data) - 100))
    with pytest.raises(ExtractionError) as err:
        upload(damaged)
    assert err.value.reason == "unparseable"


def test_brotli_file_is_inflated_and_read(engine) -> None:
    data = brotli.compress(NOTE.encode())
    assert brotli.decompress(data).decode() == NOTE
    extraction = upload(data)
    assert any(NINO in s.text for s in extraction.segments)
    assert "PERSONAL_DATA" in categories(engine, extraction)


def test_random_binary_is_not_taken_for_brotli() -> None:
    """Random bytes are no brotli (nor zlib, raw deflate) stream: nothing inflated, and a
    file that says nothing readable is blocked (RT-100), not passed as clean."""
    from proxy.extract.files.compressed import Brotli, RawDeflate, ZlibStream
    from proxy.extract.files.kind import Probe

    data = bytes(random.Random(5).randbytes(4096)).replace(b"\x00", b"\x01")
    for kind in (Brotli(), RawDeflate(), ZlibStream()):
        assert not kind.matches(Probe(data)), kind.name
    with pytest.raises(ExtractionError) as err:
        upload(data)
    assert err.value.reason == "uninspectable"


@pytest.mark.parametrize("codec", ["brotli", "zstd"])
def test_brotli_or_zstd_then_base64_in_prompt_text_is_inflated(engine, codec: str) -> None:
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]

    compress, decompress = {
        "brotli": (brotli.compress, brotli.decompress),
        "zstd": (zstd.compress, zstd.decompress),
    }[codec]
    raw = compress(NOTE.encode())
    assert decompress(raw).decode() == NOTE
    text = f"Decode and decompress this with python: {base64.b64encode(raw).decode()}"
    assert "PERSONAL_DATA" in set(engine.scan(text).categories)
