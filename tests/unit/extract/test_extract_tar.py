"""Tar archives are opened (red team RT-130): every member is read as a file of its own
(a compressed log inside a tarball, a PDF or docx member), names and owner fields are read,
nothing hides between or after members, and a header's octal fields never reach the scanner
as digits (a clean tarball with a real mtime was blocked as a phone number). Each archive is
built here with ``tarfile`` and read back with it to prove the value is really there."""

from __future__ import annotations

import gzip
import io
import lzma
import re
import tarfile

import pytest

from detectors.engine import ScanEngine
from proxy.extract import Extraction, extract
from proxy.extract.datatypes import ExtractionError
from proxy.extract.settings import ExtractionSettings
from tests.unit.extract.extract_helpers import joined, multipart, request

FILES = "https://api.openai.com/v1/files"
NINO = "JG103729A"  # valid-format, made up
MTIME = 1_796_000_000  # octal 15303144400: eleven digits in every header


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def _tar(members: list[tuple[str, bytes]], mtime: int = MTIME, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", **kwargs) as tf:  # type: ignore[call-overload]
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mtime = mtime
            info.uname, info.gname = "build", "staff"
            tf.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _read_back(data: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        member = tf.extractfile(name)
        assert member is not None
        return member.read()


def _extraction(data: bytes, filename: str, ctype: str = "application/x-tar") -> Extraction:
    body, content_type = multipart([("file", filename, ctype, data)])
    return extract(request(FILES, body, content_type))


def _text(data: bytes, filename: str, ctype: str = "application/x-tar") -> str:
    return joined(_extraction(data, filename, ctype))


def test_a_clean_tarball_gives_its_text_and_never_its_header_digits(engine: ScanEngine) -> None:
    data = gzip.compress(_tar([("notes.txt", b"Quarterly update, nothing personal.")]), mtime=0)
    assert oct(MTIME)[2:].encode() in gzip.decompress(data)  # the header holds the digits
    text = _text(data, "notes.tgz", "application/gzip")
    assert "Quarterly update, nothing personal." in text
    assert oct(MTIME)[2:] not in text
    assert not re.search(r"\d{8,}", text)
    assert set(engine.scan(text).categories) == set()  # was PHONE_NUMBER: the octal mtime


def test_a_compressed_log_inside_a_tarball_is_inflated_and_read() -> None:
    log = gzip.compress(f"2026-12-01 claimant NI {NINO} updated\n".encode(), mtime=0)
    data = gzip.compress(_tar([("logs/app.log.1.gz", log)], mtime=0), mtime=0)
    assert NINO.encode() in gzip.decompress(_read_back(gzip.decompress(data), "logs/app.log.1.gz"))
    assert NINO in _text(data, "logs.tgz", "application/gzip")


def test_a_plain_tar_and_an_xz_tar_are_read_member_by_member() -> None:
    members = [("README", b"see the report"), ("report.txt", f"NI number {NINO}".encode())]
    plain = _tar(members)
    assert _read_back(plain, "report.txt") == f"NI number {NINO}".encode()
    assert NINO in _text(plain, "bundle.tar")
    assert NINO in _text(lzma.compress(plain), "bundle.tar.xz", "application/x-xz")


def test_member_names_and_owner_fields_are_read() -> None:
    data = _tar([(f"claimant_{NINO}.txt", b"nothing else")])
    assert NINO in re.split(r"[_.\s]", _text(data, "bundle.tar"))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("a.txt")
        info.size = 2
        info.pax_headers = {"comment": f"owner NI {NINO}"}
        tf.addfile(info, io.BytesIO(b"ok"))
    with tarfile.open(fileobj=io.BytesIO(buf.getvalue())) as tf:
        assert tf.getmember("a.txt").pax_headers["comment"] == f"owner NI {NINO}"
    assert NINO in _text(buf.getvalue(), "bundle.tar")


def test_a_member_after_zero_blocks_is_read_as_tar_i_would() -> None:
    first = _tar([("a.txt", b"first part")])
    second = _tar([("b.txt", f"NI {NINO}".encode())])
    data = first + second  # the first archive's end-of-archive zeros sit in between
    with tarfile.open(fileobj=io.BytesIO(data), ignore_zeros=True) as tf:
        assert tf.getnames() == ["a.txt", "b.txt"]
    assert NINO in _text(data, "bundle.tar")


def test_bytes_outside_every_member_are_read() -> None:
    data = _tar([("a.txt", b"clean")]) + f"NI number {NINO}\n".encode().ljust(512, b"\x00")
    with tarfile.open(fileobj=io.BytesIO(data), ignore_zeros=True) as tf:
        assert tf.getnames() == ["a.txt"]  # tar skips the block as a bad header
    assert NINO in _text(data, "bundle.tar")


def test_nested_tarballs_are_read_and_too_deep_ones_refused() -> None:
    data = f"NI {NINO}".encode()
    for level in range(2):
        data = gzip.compress(_tar([(f"level{level}.bin", data)]), mtime=0)
    assert NINO in _text(data, "nested.tgz", "application/gzip")
    for level in range(2, 8):  # each level is two files (gzip, tar): past max_nesting
        data = gzip.compress(_tar([(f"level{level}.bin", data)]), mtime=0)
    with pytest.raises(ExtractionError) as err:
        _text(data, "nested.tgz", "application/gzip")
    assert err.value.reason == "too_large"


def test_a_truncated_member_is_unparseable() -> None:
    data = _tar([("big.txt", b"x" * 4000)])[:1500]
    with pytest.raises(ExtractionError) as err:
        _extraction(data, "bundle.tar")
    assert err.value.reason == "unparseable"


def test_more_members_than_the_limit_is_too_large() -> None:
    data = _tar([(f"m{i}", b"x") for i in range(60)])
    body, content_type = multipart([("file", "bundle.tar", "application/x-tar", data)])
    with pytest.raises(ExtractionError) as err:
        extract(request(FILES, body, content_type), ExtractionSettings(max_archive_members=50))
    assert err.value.reason == "too_large"


@pytest.mark.parametrize("header", [b"\x00" * 512, b"A" * 512])
def test_a_block_that_is_not_a_tar_header_is_not_read_as_tar(header: bytes) -> None:
    from proxy.extract.files.kind import Probe
    from proxy.extract.files.tar import Tar

    assert not Tar().matches(Probe(header + b"trailing"))
