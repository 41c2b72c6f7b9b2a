"""VBA macros and Outlook's own formats (red team RT-145, RT-128): a macro's source is stored
MS-OVBA-compressed in vbaProject.bin (an .xlsm, a .docm, a .doc's Macros storage), a .msg's
rich-text body is LZFu-compressed RTF, and a winmail.dat (TNEF) carries that body and the
attachments as attributes. Each file is built here and read back by the standard reader
(oletools' olevba, compressed_rtf, tnefparse) to prove the value is really there and not in
the bytes whole."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import compressed_rtf
import pytest
import tnefparse
from oletools.olevba import VBA_Parser

from detectors.engine import ScanEngine
from proxy.extract import extract
from proxy.extract.datatypes import ExtractionError
from tests.unit.extract.cfb import Node, build
from tests.unit.extract.extract_helpers import joined, request
from tests.unit.extract.vba_build import compress, vba_project

UPLOAD = "https://files.oaiusercontent.com/f"
NINO = "JG103729A"  # valid-format, made up
PASSWORD = "Winter2026!Secure"  # made up
MACRO = (
    "Sub Connect()\n"
    '  Dim s As String\n  s = "Provider=SQLOLEDB;Data Source=db1;Initial Catalog=claims"\n'
    '  s = s & ";Provider=SQLOLEDB;Data Source=db1;User ID=svc_claims;'
    f'Password={PASSWORD};"\nEnd Sub\n'
)


@pytest.fixture(scope="module")
def engine() -> ScanEngine:
    return ScanEngine(load_ner=False)


def upload(data: bytes):
    return extract(request(UPLOAD, data, "application/octet-stream", "PUT"))


def _macros(data: bytes) -> str:
    parser = VBA_Parser("file", data=data, disable_pcode=True)
    try:
        return "".join(code for *_, code in parser.extract_macros())
    finally:
        parser.close()


def _ooxml(main: str, content_type: str, vba: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/{main}" ContentType="{content_type}"/></Types>',
        )
        zf.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            f'Target="{main}"/></Relationships>',
        )
        zf.writestr(main, '<?xml version="1.0"?><root>Quarterly figures</root>')
        zf.writestr(main.rsplit("/", 1)[0] + "/vbaProject.bin", vba)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("main", "content_type"),
    [
        ("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
        ("word/document.xml", "application/vnd.ms-word.document.macroEnabled.main+xml"),
    ],
)
def test_a_macro_password_in_an_xlsm_or_docm_is_read(
    engine: ScanEngine, main: str, content_type: str
) -> None:
    vba = vba_project(MACRO)
    assert PASSWORD in _macros(vba)
    assert PASSWORD.encode() not in vba  # compressed: a copy token inside the value
    text = joined(upload(_ooxml(main, content_type, vba)))
    assert f"Password={PASSWORD}" in text
    assert engine.scan(text).categories


def test_a_legacy_doc_macros_storage_is_read() -> None:
    data = vba_project(MACRO, storage="Macros")
    assert PASSWORD in _macros(data)
    assert PASSWORD.encode() not in data
    assert f"Password={PASSWORD}" in joined(upload(data))


def test_a_clean_macro_is_read_and_passes(engine: ScanEngine) -> None:
    vba = vba_project('Sub Hello()\n  MsgBox "Quarterly figures are ready"\nEnd Sub\n')
    text = joined(upload(vba))
    assert "Quarterly figures are ready" in text
    assert not engine.scan(text).categories


def test_a_damaged_vba_module_fails_closed() -> None:
    data = vba_project(MACRO)
    source = ('Attribute VB_Name = "Module1"\r\n' + MACRO.replace("\n", "\r\n")).encode()
    start = data.find(compress(source))  # the module stream's compressed container
    assert start > 0
    damaged = data[:start] + b"\x07" + data[start + 1 :]  # not the MS-OVBA signature byte
    with pytest.raises(ExtractionError) as err:
        upload(damaged)
    assert err.value.reason == "unparseable"


def _rtf_body() -> bytes:
    # the NINO after text that repeats its start: the compressor writes back-references
    return (
        "{\\rtf1\\ansi\\deff0 Case JG10 reviewed. Claimant details: NI number "
        f"{NINO}, reviewed by the JG10 team.\\par}}"
    ).encode()


def _ovba_bomb(chunks: int) -> bytes:
    """An MS-OVBA container of ``chunks`` 6-byte chunks, each a literal and one copy token
    of 4095: 4096 bytes apiece (683:1)."""
    chunk = struct.pack("<H", 0xB000 | 3) + b"\x02A" + struct.pack("<H", 4092)
    return b"\x01" + chunk * chunks


def test_a_vba_decompression_bomb_is_refused_over_max_archive_bytes() -> None:
    from proxy.extract.settings import ExtractionSettings

    data = vba_project("", stream=_ovba_bomb(600))  # ~3.6 KB of module, 2.4 MB of source
    assert len(data) < 20_000
    assert len(_macros(data)) > 2_000_000  # olevba really inflates it
    with pytest.raises(ExtractionError) as err:
        extract(
            request(UPLOAD, data, "application/octet-stream", "PUT"),
            ExtractionSettings(max_archive_bytes=1024 * 1024),
        )
    assert err.value.reason == "too_large"


def test_a_single_module_bomb_is_refused_before_it_is_decompressed() -> None:
    """120 KB of module that would inflate to ~82 MB: refused from its chunk headers, so
    peak memory stays far below what olevba would build."""
    import tracemalloc

    from proxy.extract.settings import ExtractionSettings

    data = vba_project("", stream=_ovba_bomb(20_000))
    tracemalloc.start()
    try:
        with pytest.raises(ExtractionError) as err:
            extract(
                request(UPLOAD, data, "application/octet-stream", "PUT"),
                ExtractionSettings(max_archive_bytes=1024 * 1024),
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.reason == "too_large"
    assert peak < 20 * 1024 * 1024


def test_the_chunk_bound_covers_what_olevba_inflates() -> None:
    from oletools.olevba import decompress_stream

    from proxy.extract.files.vba import _chunks_bound

    for container in (
        compress(MACRO.encode() * 40),
        _ovba_bomb(50),
        compress(bytes(range(256)) * 64),
    ):
        assert _chunks_bound(container) >= len(decompress_stream(container))


def test_a_macro_within_max_archive_bytes_still_reads() -> None:
    from proxy.extract.settings import ExtractionSettings

    data = vba_project(MACRO)
    result = extract(
        request(UPLOAD, data, "application/octet-stream", "PUT"),
        ExtractionSettings(max_archive_bytes=1024 * 1024),
    )
    assert PASSWORD in joined(result)


def test_an_outlook_rich_text_body_is_decompressed(engine: ScanEngine) -> None:
    body = compressed_rtf.compress(_rtf_body())
    assert NINO.encode() not in body
    assert NINO.encode() in compressed_rtf.decompress(body)
    data = build(
        [
            Node("__substg1.0_0037001F", "Case update".encode("utf-16-le")),
            Node("__substg1.0_10090102", body),
        ]
    )
    text = joined(upload(data))
    assert NINO in text
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_a_compressed_rtf_with_a_bad_crc_fails_closed() -> None:
    body = bytearray(compressed_rtf.compress(_rtf_body()))
    body[-3] ^= 0xFF
    with pytest.raises(ExtractionError) as err:
        upload(build([Node("__substg1.0_10090102", bytes(body))]))
    assert err.value.reason == "unparseable"


def _attribute(level: int, attribute: int, value: bytes) -> bytes:
    checksum = sum(value) & 0xFFFF
    return struct.pack("<BII", level, attribute, len(value)) + value + struct.pack("<H", checksum)


def _mapi_binary(prop_id: int, value: bytes) -> bytes:
    padded = value + b"\0" * (-len(value) % 4)
    return struct.pack("<IHHII", 1, 0x0102, prop_id, 1, len(value)) + padded


def _tnef(*attributes: bytes) -> bytes:
    version = _attribute(1, 0x00089006, struct.pack("<I", 0x00010000))
    return b"\x78\x9f\x3e\x22" + b"\x01\x00" + version + b"".join(attributes)


def test_a_winmail_dat_rich_text_body_is_read() -> None:
    props = _mapi_binary(0x1009, compressed_rtf.compress(_rtf_body()))
    data = _tnef(_attribute(1, 0x00069003, props))
    parsed = tnefparse.TNEF(data)
    assert NINO.encode() in parsed.rtfbody
    assert NINO.encode() not in data
    assert NINO in joined(upload(data))


def test_a_winmail_dat_attachment_is_read_as_its_file() -> None:
    log = gzip.compress(f"2026-01-01 claimant NI {NINO} updated\n".encode() * 20)
    data = _tnef(
        _attribute(2, 0x00069002, b"\x01\x00" + b"\xff" * 12),  # attAttachRendData: one begins
        _attribute(2, 0x00018010, b"app.log.gz\0"),
        _attribute(2, 0x0006800F, log),
    )
    parsed = tnefparse.TNEF(data)
    assert gzip.decompress(parsed.attachments[0].data).count(NINO.encode()) == 20
    assert NINO in joined(upload(data))


def test_a_winmail_dat_in_an_email_is_read() -> None:
    import base64

    props = _mapi_binary(0x1009, compressed_rtf.compress(_rtf_body()))
    dat = base64.encodebytes(_tnef(_attribute(1, 0x00069003, props))).decode()
    mail = (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: case\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\n"
        'Content-Type: application/ms-tnef; name="winmail.dat"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{dat}\r\n--b1--\r\n"
    )
    assert NINO in joined(upload(mail.encode()))


def test_a_truncated_winmail_dat_fails_closed() -> None:
    data = _tnef(_attribute(2, 0x0006800F, b"x" * 400))[:-100]
    with pytest.raises(ExtractionError) as err:
        upload(data)
    assert err.value.reason == "unparseable"
