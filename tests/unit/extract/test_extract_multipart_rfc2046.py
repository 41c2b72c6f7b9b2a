"""Multipart framing as RFC 2046 and werkzeug read it (issue 16 item 3): a differential test
against werkzeug's parser on bodies both accept, and refusal (``unparseable``) of framing
that parsers read differently."""

from __future__ import annotations

import pytest
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from proxy.extract import ExtractionError, extract
from proxy.extract.multipart import parse_multipart
from tests.unit.extract.extract_helpers import NINO, joined, request

B = "XyZ123boundary"


def werkzeug_parts(body: bytes, boundary: str = B) -> list[tuple[str, str | None, bytes]]:
    decoder = MultipartDecoder(boundary.encode())
    decoder.receive_data(body)
    decoder.receive_data(None)
    parts: list[list] = []
    while True:
        event = decoder.next_event()
        if isinstance(event, Field | File):
            parts.append([event.name, getattr(event, "filename", None), b""])
        elif isinstance(event, Data):
            parts[-1][2] += event.data
        elif isinstance(event, Epilogue | NeedData):
            return [tuple(p) for p in parts]


def ours(body: bytes, boundary: str = B) -> list[tuple[str, str | None, bytes]]:
    return [
        (p.disposition("name"), p.disposition("filename"), p.data)
        for p in parse_multipart(body, boundary, 1000)
    ]


def form(*parts: tuple[str, str | None, bytes], nl: bytes = b"\r\n", pad: bytes = b"") -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += b"--" + B.encode() + pad + nl + f"Content-Disposition: {disposition}".encode()
        out += nl + nl + data + nl
    return out + b"--" + B.encode() + b"--" + nl


ACCEPTED = {
    "crlf": form(("a", None, b"one"), ("f", "n.txt", NINO.encode())),
    "lf only": form(("a", None, b"one"), ("b", None, b"two"), nl=b"\n"),
    "cr only": form(("a", None, b"one"), nl=b"\r"),
    "padding after delimiter": form(("a", None, b"x"), pad=b"  \t"),
    "preamble and epilogue": b"preamble line\r\n" + form(("a", None, b"v")) + b"epilogue",
    "delimiter text mid-line in data": form(("a", None, f"x --{B} y\r\nz".encode())),
    "shorter prefix at line start": form(("a", None, f"q\r\n--{B[:-2]}\r\nr".encode())),
    "empty value": form(("a", None, b""), ("b", None, b"two")),
    "binary data": form(("f", "b.bin", bytes(range(256)))),
    "folded header": (
        f'--{B}\r\nContent-Disposition: form-data;\r\n name="a"\r\n\r\nv\r\n--{B}--\r\n'
    ).encode(),
    "close without final newline": form(("a", None, b"v"))[:-2],
}


@pytest.mark.parametrize("body", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_parts_match_werkzeug(body: bytes) -> None:
    assert ours(body) == werkzeug_parts(body)


REFUSED = {
    # werkzeug: data; a lax parser: a delimiter → refuse
    "delimiter with trailing junk": form(("a", None, f"x\r\n--{B}x\r\nNINO {NINO}".encode())),
    "close delimiter with trailing junk": form(("a", None, b"v"))[:-2] + b"junk\r\n",
    "no close delimiter": form(("a", None, b"v"))[: -len(B) - 6],
    "delimiter mid-line before the first part": b"junk--" + form(("a", None, b"v"))[2:],
    "part without header block": f"--{B}\r\nno blank line\r\n--{B}--\r\n".encode(),
    "duplicate name": (
        f'--{B}\r\nContent-Disposition: form-data; name="a"; name="b"\r\n\r\nv\r\n--{B}--\r\n'
    ).encode(),
    "duplicate disposition header": (
        f'--{B}\r\nContent-Disposition: form-data; name="a"\r\n'
        f'Content-Disposition: form-data; name="b"\r\n\r\nv\r\n--{B}--\r\n'
    ).encode(),
}


@pytest.mark.parametrize("body", REFUSED.values(), ids=REFUSED.keys())
def test_ambiguous_framing_is_refused(body: bytes) -> None:
    with pytest.raises(ExtractionError) as info:
        ours(body)
    assert info.value.reason == "unparseable"


def test_the_junk_delimiter_line_is_data_to_werkzeug() -> None:
    """Why we refuse it: werkzeug keeps the NINO inside part ``a``, a lax parser would split."""
    body = REFUSED["delimiter with trailing junk"]
    assert NINO.encode() in werkzeug_parts(body)[0][2]


def test_duplicate_boundary_parameter_is_refused() -> None:
    body = form(("a", None, f"NINO {NINO}".encode()))
    for ctype in (
        f"multipart/form-data; boundary=AAA; boundary={B}",
        f"multipart/form-data; boundary={B}; Boundary=AAA",
    ):
        with pytest.raises(ExtractionError) as info:
            extract(request("https://api.openai.com/v1/files", body, content_type=ctype))
        assert info.value.reason == "unparseable"
    ok = extract(
        request(
            "https://api.openai.com/v1/files",
            body,
            content_type=f"multipart/form-data; boundary={B}",
        )
    )
    assert NINO in joined(ok)
