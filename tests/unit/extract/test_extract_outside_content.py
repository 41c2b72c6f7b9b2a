"""What the AI host receives outside the obvious content is scanned too (red-team findings).

Rule: a zip's member names and comments, a multipart preamble and epilogue, and a form
field's name all reach the AI host, so the scanner reads them (each payload is read back
with the standard reader first, to prove the value is really there).
"""

from __future__ import annotations

import io
import zipfile

from proxy.extract import extract
from tests.unit.extract.extract_helpers import joined, request

NINO = "JG103729A"
FILES = "https://api.openai.com/v1/files"


def multipart(body: bytes, boundary: str = "AAA"):
    return extract(request(FILES, body, content_type=f"multipart/form-data; boundary={boundary}"))


def test_zip_member_names_and_comments_are_scanned():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"NI number {NINO}.txt", b"hello")
        info = zipfile.ZipInfo("b.txt")
        info.comment = f"member note {NINO}1".encode()
        zf.writestr(info, b"world")
        zf.comment = f"archive note {NINO}2".encode()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:  # the standard reader sees them
        assert NINO in zf.namelist()[0] and NINO in zf.comment.decode()
    text = joined(extract(request(FILES, buf.getvalue(), content_type="application/zip")))
    assert f"NI number {NINO}.txt" in text
    assert f"member note {NINO}1" in text and f"archive note {NINO}2" in text


def test_multipart_preamble_and_epilogue_are_scanned():
    body = (
        f'NI number {NINO}\r\n--AAA\r\nContent-Disposition: form-data; name="purpose"\r\n'
        f"\r\nx\r\n--AAA--\r\nafter {NINO}\r\n"
    ).encode()
    text = joined(multipart(body))
    assert f"NI number {NINO}" in text and f"after {NINO}" in text


def test_a_form_field_name_is_scanned_but_plain_names_are_not():
    body = (
        f'--AAA\r\nContent-Disposition: form-data; name="{NINO}"; filename="a.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nhello\r\n"
        '--AAA\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n--AAA--\r\n'
    ).encode()
    from werkzeug.formparser import parse_form_data
    from werkzeug.test import EnvironBuilder

    env = EnvironBuilder(method="POST", data=body,
                         content_type="multipart/form-data; boundary=AAA").get_environ()  # fmt: skip
    _, _form, files = parse_form_data(env)
    assert NINO in files  # the server reads the field's name
    result = multipart(body)
    assert any(s.text == NINO and s.where.endswith(".name") for s in result.segments)
    assert not any(s.text == "purpose" for s in result.segments)
