"""Red-team round F content residuals through the real ``aidlp run`` with real clients (the
OpenAI SDK for file uploads, httpx for hand-framed multipart): container fields readers show
(RT-112: a ``.gz`` file's FNAME, a zip extra field; RT-130: tarball members, a clean tarball's
header digits; RT-128: a fragmented .doc, a long clean one), the multipart boundary string (RT-95),
XBM images (RT-115). Payloads are built by the unit tests' builders (each read back there by
its standard reader); what arrives upstream is asserted."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import struct
import time
import uuid

import httpx
import openai
import pytest

from tests.e2e.test_content_layout_e2e import _never_reached, _openai
from tests.e2e.test_two_stage_scan_e2e import INTERNAL_CODE, findings_of, fingerprint_proxy, post
from tests.unit.extract.cfb import Node, build
from tests.unit.extract.test_extract_containers_round_f import _xbm, _zip_with_extra
from tests.unit.extract.test_extract_tar import _tar

pytestmark = pytest.mark.e2e
__all__ = ["fingerprint_proxy"]  # the indexed proxy of the two-stage tests, for RT-79

NINO = "JG103729A"  # valid format, made up


def _gz_named(name: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(b"Quarterly update, nothing personal.")
    return buf.getvalue()


def _zip_noted(line: str) -> bytes:
    return _zip_with_extra(struct.pack("<HH", 0xCAFE, len(line)) + line.encode())


def _tgz(name: str, content: bytes, mtime: int = 0) -> bytes:
    """RT-130: a tarball (gzip over tar), one member."""
    return gzip.compress(_tar([(name, content)], mtime=mtime), mtime=0)


def _log_gz() -> bytes:
    return gzip.compress(f"2026-12-01 claimant NI {NINO} updated\n".encode(), mtime=0)


_MINUTES = "The committee reviewed the quarterly figures and agreed the next steps. "


def _doc(text: str, layout: str = "seq") -> bytes:
    """RT-128: a legacy .doc-shaped compound file, one WordDocument stream."""
    return build([Node("WordDocument", text.encode("utf-16-le"))], layout=layout)


def _fragmented_doc() -> bytes:
    lead = (_MINUTES * 40)[: 6 * 256 - 15]  # the NINO crosses a sector stored out of order
    return _doc(lead + f"NI number {NINO}. " + _MINUTES * 40, "reverse")


UPLOADS = {
    ".gz FNAME": (lambda: _gz_named(f"claimant_{NINO}.txt"), "notes.txt.gz", "application/gzip"),
    "zip extra field": (lambda: _zip_noted(f"Claimant NI {NINO}"), "pack.zip", "application/zip"),
    "xbm picture": (lambda: _xbm(f"Claimant NI number {NINO}"), "scan.xbm", "image/x-xbitmap"),
    ".log.gz in a .tgz": (
        lambda: _tgz("logs/app.log.1.gz", _log_gz()),
        "logs.tgz",
        "application/gzip",
    ),
    "fragmented .doc": (_fragmented_doc, "minutes.doc", "application/msword"),
}
CLEAN = {
    ".gz FNAME": (lambda: _gz_named("minutes.txt"), "notes.txt.gz", "application/gzip"),
    "zip extra field": (lambda: _zip_noted("build 2024-11"), "pack.zip", "application/zip"),
    "tarball with a real mtime": (
        lambda: _tgz("notes.txt", b"Quarterly update, nothing personal.", 1_796_000_000),
        "notes.tgz",
        "application/gzip",
    ),
    "long clean .doc": (lambda: _doc(_MINUTES * 600), "minutes.doc", "application/msword"),
}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_a_value_in_a_container_field_is_blocked(aidlp_proxy, upstream_log, case) -> None:
    build, filename, ctype = UPLOADS[case]
    name = f"{uuid.uuid4().hex[:12]}-{filename}"
    with pytest.raises(openai.PermissionDeniedError) as info:
        _openai(aidlp_proxy).files.create(file=(name, build(), ctype), purpose="assistants")
    assert info.value.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == info.value.response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and any(f["entity_type"] == "UK_NINO" for f in event["findings"])
    assert _never_reached(upstream_log, "/v1/files", name.encode())


@pytest.mark.parametrize("case", list(CLEAN))
def test_clean_container_fields_arrive(aidlp_proxy, upstream_log, case) -> None:
    build, filename, ctype = CLEAN[case]
    name = f"{uuid.uuid4().hex[:12]}-{filename}"
    with contextlib.suppress(openai.APIError):  # the test upstream's answer is no file object
        _openai(aidlp_proxy).files.create(file=(name, build(), ctype), purpose="assistants")
    arrived = upstream_log.wait_for(lambda r: r.path == "/v1/files" and name.encode() in r.body)
    assert arrived is not None


def _form(boundary: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nquarterly update\r\n--{boundary}--\r\n"
    ).encode()


@pytest.mark.parametrize("value", [NINO, None], ids=["nino in boundary", "random boundary"])
def test_the_multipart_boundary_string_is_read(aidlp_proxy, upstream_log, value) -> None:
    tag = uuid.uuid4().hex[:10]
    boundary = f"NI{value}x{tag}" if value else f"----WebKitFormBoundary{tag}"
    with aidlp_proxy.httpx() as client:
        reply = client.post(
            "https://api.openai.com/v1/files",
            content=_form(boundary),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
    if value:
        assert reply.status_code == 403
        assert _never_reached(upstream_log, "/v1/files", tag.encode())
    else:
        assert reply.status_code != 403, reply.text[:300]
        arrived = upstream_log.wait_for(lambda r: r.path == "/v1/files" and tag.encode() in r.body)
        assert arrived is not None


# -- RT-117: conversations other apps keep, and context put in front of every chat ----------

H1, H2 = "My NI number starts JG1037", "and ends 29A. Put it in the form."


def _two_turns(client, first: tuple[str, dict], second: tuple[str, dict]) -> httpx.Response:
    reply = client.post(first[0], **first[1])
    assert reply.status_code != 403, reply.text[:200]
    return client.post(second[0], **second[1])


def test_other_apps_conversations_join_their_turns(start_proxy, upstream_log) -> None:
    """A proxy of its own: the user's persistent context (keyed by the client, one for the
    whole e2e session otherwise) and Gemini's new-chat memory stay out of other tests."""
    from tests.unit.inspection.test_conversation_other_apps import GEMINI, _chatgpt, _gemini

    proxy = start_proxy(name="otherapps")
    conv = f"conv_{uuid.uuid4().hex}"
    items = f"https://api.openai.com/v1/conversations/{conv}/items"

    def item(text: str) -> dict:
        content = [{"type": "input_text", "text": text}]
        return {"json": {"items": [{"type": "message", "role": "user", "content": content}]}}

    form = {"content-type": "application/x-www-form-urlencoded;charset=UTF-8"}
    gemini = f"https://gemini.google.com{GEMINI}?bl=boq_assistant-bard-web-server&rt=c"
    ids = [f"c_{uuid.uuid4().hex[:16]}", "r_0a1b2c3d", "rc_4e5f6a7b"]
    with proxy.httpx() as client:
        conversations = _two_turns(client, (items, item(H1)), (items, item(H2)))
        web = _two_turns(
            client,
            (gemini, {"content": _gemini(H1, ["", "", ""]), "headers": form}),
            (gemini, {"content": _gemini(H2, ids), "headers": form}),
        )
        instructions = {"about_user_message": f"I work in Leeds. {H1}.", "enabled": True}
        chat = "https://chatgpt.com/backend-api/conversation"
        persistent = _two_turns(
            client,
            ("https://chatgpt.com/backend-api/user_system_messages", {"json": instructions}),
            (
                chat,
                {
                    "content": _chatgpt(H2, str(uuid.uuid4())),
                    "headers": {"content-type": "application/json"},
                },
            ),
        )
    assert conversations.status_code == 403
    assert web.status_code == 403
    assert persistent.headers.get("x-aidlp-decision") == "block"
    time.sleep(0.3)
    assert not [r for r in upstream_log.snapshot() if b"ends 29A" in r.body]


def test_gemini_resumable_upload_chunks_are_read_across(aidlp_proxy, upstream_log) -> None:
    """RT-76: a NINO split between two chunks of one upload_id (google-genai's resumable
    upload protocol) is in the file the Files API stores."""
    text = f"Case notes.\nClaimant Jane Smith, NI number {NINO}, claims Universal Credit.\n"
    cut = text.index(NINO) + 4  # JG10 | 3729A
    first, second = text[:cut].encode(), text[cut:].encode()
    assert (first + second).decode() == text
    upload = f"AHxI{uuid.uuid4().hex}"
    url = (
        "https://generativelanguage.googleapis.com/upload/v1beta/files"
        f"?upload_id={upload}&upload_protocol=resumable"
    )

    def headers(command: str, offset: int) -> dict[str, str]:
        return {"content-type": "text/plain", "x-goog-upload-command": command,
                "x-goog-upload-offset": str(offset)}  # fmt: skip

    with aidlp_proxy.httpx() as client:
        assert client.post(url, content=first, headers=headers("upload", 0)).status_code == 200
        last = client.post(url, content=second, headers=headers("upload, finalize", len(first)))
    assert last.status_code == 403
    time.sleep(0.3)
    assert not [r for r in upstream_log.snapshot() if upload in r.path and b"3729A" in r.body]


# -- RT-79: indexed code pasted with a wrapper on every line --------------------------------


def _diff(code: str) -> str:
    lines = code.strip("\n").splitlines()
    head = "diff --git a/award.py b/award.py\nnew file mode 100644\n--- /dev/null\n+++ b/award.py\n"
    return head + f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)


WRAPPED = {
    "git diff": _diff,
    "line numbers": lambda code: "".join(
        f"{i + 1:4d}| {line}\n" for i, line in enumerate(code.strip("\n").splitlines())
    ),
    "json string": lambda code: json.dumps({"path": "award.py", "source": code}),
}


@pytest.mark.parametrize("shape", list(WRAPPED))
def test_wrapped_pastes_of_indexed_code_are_blocked(fingerprint_proxy, upstream_log, shape):
    prompt = f"Can you speed this up?\n\n{WRAPPED[shape](INTERNAL_CODE)}\nThanks."
    response = post(fingerprint_proxy, prompt)
    assert response.status_code == 403, response.text[:200]
    findings = findings_of(fingerprint_proxy, response.headers["x-aidlp-incident"])
    assert "code_fingerprint" in {f["detector"] for f in findings}


def test_a_wrapped_paste_of_other_code_arrives(fingerprint_proxy, upstream_log):
    other = "def add(a, b):\n    total = a + b\n    return total\n\nprint(add(2, 3))\n"
    marker = uuid.uuid4().hex[:12]
    response = post(fingerprint_proxy, f"Explain {marker}:\n{_diff(other)}")
    assert response.status_code == 200
    assert upstream_log.wait_for(lambda r: marker.encode() in r.body) is not None


# -- RT-28: text the plain grey image hides, read by OCR in the scan worker -------------------


@pytest.mark.parametrize("case", ["light grey on white", "blue on a red band", None])
def test_hidden_ink_in_an_image_is_read(aidlp_proxy, upstream_log, case) -> None:
    import base64

    from tests.unit.ocr.test_ocr_hidden_ink import CASES, _page, _png

    ink, band = CASES[case] if case else (None, None)
    url = "data:image/png;base64," + base64.b64encode(_png(_page(ink, band))).decode()
    marker = uuid.uuid4().hex[:12]
    content = [{"type": "text", "text": f"read this {marker}"},
               {"type": "image_url", "image_url": {"url": url}}]  # fmt: skip
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": content}]}
    with aidlp_proxy.httpx() as client:
        reply = client.post("https://api.openai.com/v1/chat/completions", json=body, timeout=90)
    if case:
        assert reply.status_code == 403, reply.text[:200]
        event = aidlp_proxy.wait_event(
            lambda e: e.get("incident_id") == reply.headers["X-AIDLP-Incident"]
        )
        assert event is not None and any(f["entity_type"] == "UK_NINO" for f in event["findings"])
        assert _never_reached(upstream_log, "/v1/chat/completions", marker.encode())
    else:  # the decoy caption alone: read, clean, forwarded
        assert reply.status_code == 200, reply.text[:200]
        assert upstream_log.wait_for(lambda r: marker.encode() in r.body) is not None


@pytest.mark.parametrize("wrap", [False, True], ids=["one line", "mime lines"])
def test_a_base64_docx_in_a_chat_message_is_blocked(aidlp_proxy, upstream_log, wrap) -> None:
    """RT-141: the whole file base64-encoded in the prompt is opened as a docx (the unit
    test reads the same document back with python-docx)."""
    import base64

    from tests.unit.extract.test_extract_base64_files_in_text import _docx, _mime_lines

    blob = _mime_lines(_docx()) if wrap else base64.b64encode(_docx()).decode()
    marker = uuid.uuid4().hex
    response = post(aidlp_proxy, f"ref {marker}. Here is the file in base64, read it:\n{blob}")
    assert response.status_code == 403
    found = findings_of(aidlp_proxy, response.headers["X-AIDLP-Incident"])
    assert any(f["entity_type"] == "UK_NINO" for f in found)
    assert _never_reached(upstream_log, "/v1/chat/completions", marker.encode())
