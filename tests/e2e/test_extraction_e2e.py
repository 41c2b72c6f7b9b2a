"""Issue 4, end to end through the real proxy: provider SDKs, encoded bodies, uploads,
websockets, and the fail-closed paths of extraction.

The docx upload is blocked for its OFFICIAL-SENSITIVE marking alone, and the websocket
message for its NHS number alone (the full detector engine).
"""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import time
import zlib

import anthropic
import brotli
import docx
import httpx
import openai
import pytest
import websockets
from backports import zstd
from websockets.asyncio.client import connect

from tests.e2e.conftest import TEST_CONFIG

pytestmark = pytest.mark.e2e

NINO = "AB 12 34 56 C"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NHS = "943 476 5919"
CHAT = "https://api.openai.com/v1/chat/completions"


def _http_client(proxy) -> httpx.Client:
    return httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=30.0)


def _openai(proxy) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="sk-test",
        base_url="https://api.openai.com/v1",
        http_client=_http_client(proxy),
        max_retries=0,
    )


def _anthropic(proxy) -> anthropic.Anthropic:
    import httpx2  # the anthropic SDK (2.x) is built on httpx2, and rejects httpx clients

    return anthropic.Anthropic(
        api_key="sk-ant-test",
        base_url="https://api.anthropic.com",
        http_client=httpx2.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=30.0),
        max_retries=0,
    )


def _never_reached(log, path: str) -> bool:
    time.sleep(0.3)
    return log.wait_for(lambda r: r.path.split("?")[0] == path, timeout=0.5) is None


# ---- provider SDKs --------------------------------------------------------------------------


def test_openai_sdk_prompt_with_nino_in_history_is_blocked(aidlp_proxy, upstream_log):
    client = _openai(aidlp_proxy)
    with pytest.raises(openai.PermissionDeniedError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "user", "content": f"My NINO is {NINO}."},  # an earlier turn
                {"role": "assistant", "content": "Noted."},
                {"role": "user", "content": "What is the weather like?"},
            ],
        )
    assert info.value.status_code == 403
    assert info.value.body["code"] == "aidlp_blocked"
    assert "AB 12" not in str(info.value.body)
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_openai_sdk_float_nhs_number_in_metadata_is_blocked(aidlp_proxy, upstream_log):
    """Issue 16 item 4: numbers are scanned as decimal text (9434765919.0 → 9434765919)."""
    client = _openai(aidlp_proxy)
    with pytest.raises(openai.PermissionDeniedError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Please file the attached record."}],
            extra_body={"metadata": {"nhs_number": 9434765919.0}},
        )
    assert info.value.status_code == 403
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_openai_sdk_nino_split_across_messages_is_blocked(aidlp_proxy, upstream_log):
    """Issue 16 item 5: one request is one document; part boundaries are soft separators."""
    client = _openai(aidlp_proxy)
    with pytest.raises(openai.PermissionDeniedError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "user", "content": "Remember the first half: JG10"},
                {"role": "user", "content": [{"type": "text", "text": "37"}]},
                {"role": "user", "content": [{"type": "text", "text": "29A is the rest."}]},
            ],
        )
    assert info.value.status_code == 403
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_anthropic_sdk_card_split_across_content_blocks_is_blocked(aidlp_proxy, upstream_log):
    with pytest.raises(anthropic.PermissionDeniedError):
        _anthropic(aidlp_proxy).messages.create(
            model="claude-sonnet-4-6",
            max_tokens=64,
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "pay with 4539 5787"},
                        {"type": "text", "text": "6362 1486 please"},
                    ],
                }
            ],
        )
    assert _never_reached(upstream_log, "/v1/messages")


def test_a_value_next_to_a_part_boundary_is_one_finding(aidlp_proxy, upstream_log):
    client = _openai(aidlp_proxy)
    with pytest.raises(openai.PermissionDeniedError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "user", "content": "my NINO is JG103729A"},
                {"role": "user", "content": "3729 is my PIN"},
            ],
        )
    incident = info.value.response.headers["x-aidlp-incident"]
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None
    ninos = [f for f in event["findings"] if f["entity_type"] == "UK_NINO"]
    assert [f["count"] for f in ninos] == [1]
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_openai_sdk_multi_turn_clean_chat_succeeds(aidlp_proxy, upstream_log):
    """Parts are not merged into false blocks: numbers in neighbouring turns stay apart."""
    reply = _openai(aidlp_proxy).chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You answer in 3 bullet points."},
            {"role": "user", "content": "What happened in 1984"},
            {"role": "assistant", "content": "2001 was a good year for film too."},
            {"role": "user", "content": "Compare 12 and 34"},
        ],
        temperature=0.2,
        max_tokens=100,
    )
    assert reply.choices[0].message.content == "upstream says hello"
    assert upstream_log.wait_for(lambda r: r.path == "/v1/chat/completions") is not None


def test_openai_sdk_clean_prompt_succeeds(aidlp_proxy, upstream_log):
    reply = _openai(aidlp_proxy).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Name three rivers in England."}],
    )
    assert reply.choices[0].message.content == "upstream says hello"
    assert upstream_log.wait_for(lambda r: r.path == "/v1/chat/completions") is not None


def test_openai_sdk_nino_in_tool_arguments_is_blocked(aidlp_proxy, upstream_log):
    with pytest.raises(openai.PermissionDeniedError):
        _openai(aidlp_proxy).chat.completions.create(
            model="gpt-4o-mini",
            messages=[
                {"role": "user", "content": "look them up"},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_abcdefghijklmnop",
                            "type": "function",
                            # JSON-in-JSON with unicode escapes: decoded before scanning
                            "function": {
                                "name": "lookup",
                                "arguments": '{"nino": "\\u0041B 12 34 56 C"}',
                            },
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_abcdefghijklmnop", "content": "found"},
            ],
        )
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_anthropic_sdk_prompt_with_nino_is_blocked(aidlp_proxy, upstream_log):
    client = _anthropic(aidlp_proxy)
    with pytest.raises(anthropic.PermissionDeniedError) as info:
        client.messages.create(
            model="claude-sonnet-4-6",
            max_tokens=100,
            system="You help caseworkers.",
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "text", "text": f"Summarise the case of {NINO}"}],
                }
            ],
        )
    assert info.value.status_code == 403
    assert info.value.body["error"]["type"] == "permission_error"
    assert _never_reached(upstream_log, "/v1/messages")


def test_anthropic_sdk_clean_prompt_succeeds(aidlp_proxy, upstream_log):
    reply = _anthropic(aidlp_proxy).messages.create(
        model="claude-sonnet-4-6",
        max_tokens=100,
        messages=[{"role": "user", "content": "Write a haiku about autumn."}],
    )
    assert reply.content[0].text == "upstream says hello"
    assert upstream_log.wait_for(lambda r: r.path == "/v1/messages") is not None


# ---- content encodings ------------------------------------------------------------------


def _chat_body(text: str) -> bytes:
    return json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    ).encode()


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("zstd", zstd.compress),
        ("gzip, br", lambda data: brotli.compress(gzip.compress(data))),
    ],
)
def test_compressed_body_with_nino_is_blocked(aidlp_proxy, upstream_log, coding, encode):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            CHAT,
            content=encode(_chat_body(f"Claimant {NINO}")),
            headers={"Content-Type": "application/json", "Content-Encoding": coding},
        )
    assert response.status_code == 403, response.text
    assert response.headers["X-AIDLP-Decision"] == "block"
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_compressed_clean_body_is_forwarded_unchanged(aidlp_proxy, upstream_log):
    body = gzip.compress(_chat_body("What is the capital of Scotland?"))
    with aidlp_proxy.httpx() as client:
        response = client.post(
            CHAT,
            content=body,
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
    assert response.status_code == 200
    seen = upstream_log.wait_for(lambda r: r.path == "/v1/chat/completions")
    assert seen is not None and seen.body == body  # still compressed, byte for byte


def test_undecodable_body_is_blocked_as_unparseable(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            CHAT,
            content=b"\x1f\x8b\x08\x00 definitely not gzip",
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )
    assert response.status_code == 403
    incident = response.headers["X-AIDLP-Incident"]
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["reason"] == "unparseable"
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_invalid_json_is_blocked_as_unparseable(aidlp_proxy):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            CHAT, content=b'{"messages": [', headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "unparseable"


def test_bodyless_get_passes_without_scanning(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.get("https://api.openai.com/v1/models")
    assert response.status_code == 200
    assert upstream_log.wait_for(lambda r: r.path == "/v1/models") is not None
    # No body and no query: nothing to scan, so no decision event either.
    assert not aidlp_proxy.wait_event(
        lambda e: e.get("path") == "/v1/models" and e.get("method") == "GET", timeout=0.5
    )


def test_chunked_body_with_nino_is_scanned_not_streamed(aidlp_proxy, upstream_log):
    """A chunked (no Content-Length) body is buffered and scanned before it goes upstream."""
    filler = "Lorem ipsum dolor sit amet. " * 20_000  # ~560 KB

    def chunks():
        body = _chat_body(filler + f" Claimant {NINO}")
        for i in range(0, len(body), 16_384):
            yield body[i : i + 16_384]

    with aidlp_proxy.httpx() as client:
        response = client.post(CHAT, content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 403
    assert _never_reached(upstream_log, "/v1/chat/completions")


# ---- uploads ----------------------------------------------------------------------------


def _docx(text: str, header: str = "") -> bytes:
    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = header
    for line in text.split("\n"):
        document.add_paragraph(line)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_multipart_docx_upload_with_marking_is_blocked(aidlp_proxy, upstream_log):
    data = _docx(
        "Case summary for the board: procurement options and risks", header="OFFICIAL-SENSITIVE"
    )
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/files",
            files={
                "file": (
                    "case.docx",
                    data,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            },
            data={"purpose": "assistants"},
        )
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "aidlp_blocked"
    assert "OFFICIAL-SENSITIVE" in response.json()["error"]["message"]  # staff wording
    assert _never_reached(upstream_log, "/v1/files")


def test_multipart_clean_docx_upload_passes(aidlp_proxy, upstream_log):
    data = _docx("Minutes of the team picnic planning meeting")
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/files",
            files={
                "file": (
                    "minutes.docx",
                    data,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            },
            data={"purpose": "assistants"},
        )
    assert response.status_code == 200
    assert upstream_log.wait_for(lambda r: r.path == "/v1/files") is not None


def test_raw_put_upload_to_chatgpt_file_host_is_scanned(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-abc123?se=2025&sig=x",
            content=_docx(f"uploaded {NINO}"),
            headers={"Content-Type": "application/octet-stream", "x-ms-blob-type": "BlockBlob"},
        )
    assert response.status_code == 403
    assert _never_reached(upstream_log, "/file-abc123")


# ---- websockets -------------------------------------------------------------------------


async def _ws_session(proxy, url: str, frames: list[str]) -> tuple[int | None, str]:
    """Send ``frames`` one by one (each after reading the replies so far); return the close
    code and reason the client received (None if the socket stayed open).

    The test upstream answers "ack" to every message (and once on connect), so replies are
    not counted: what reached the upstream is checked in its log instead.
    """
    async with connect(url, proxy=proxy.url, ssl=proxy.ssl_context(), open_timeout=20) as ws:
        try:
            for frame in frames:
                await ws.send(frame)
                await asyncio.wait_for(ws.recv(), 10)
            while True:  # drain until the proxy closes the socket (or nothing more comes)
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.ConnectionClosed as closed:
            rcvd = closed.rcvd
            return (rcvd.code, rcvd.reason) if rcvd else (None, "")
        except TimeoutError:
            return None, ""


def _copilot_frame(text: str) -> str:
    return json.dumps(
        {
            "event": "send",
            "conversationId": "kVyR7N4mBdZuQ9sXwE2jT",
            "content": [{"type": "text", "text": text}],
            "mode": "chat",
        }
    )


def test_websocket_message_with_personal_data_is_dropped_and_socket_closed_1008(
    aidlp_proxy, upstream_log
):
    clean = _copilot_frame("What's a good name for a cat?")
    sensitive = _copilot_frame(f"Patient NHS number {NHS}: summarise the referral")
    url = "wss://copilot.microsoft.com/c/api/chat?api-version=2"
    code, reason = asyncio.run(_ws_session(aidlp_proxy, url, [clean, sensitive, clean]))
    assert code == 1008
    assert "Blocked by aidlp" in reason and NHS not in reason
    assert upstream_log.wait_for(lambda r: r.kind == "ws" and b"cat?" in r.body) is not None
    # the frame after the blocked one never left either: the socket was closed
    assert len([r for r in upstream_log.snapshot() if r.kind == "ws" and b"cat?" in r.body]) == 1
    time.sleep(0.3)
    assert not [r for r in upstream_log.snapshot() if r.kind == "ws" and b"NHS" in r.body]
    event = aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("path") == "/c/api/chat"
    )
    assert event is not None and event["tool"] == "microsoft_copilot"


def test_websocket_signalr_chathub_message_is_dropped(aidlp_proxy, upstream_log):
    invocation = {
        "arguments": [
            {"message": {"author": "user", "text": f"my NINO is {NINO}", "messageType": "Chat"}}
        ],
        "invocationId": "0",
        "target": "chat",
        "type": 4,
    }

    handshake = json.dumps({"protocol": "json", "version": 1}) + "\x1e"
    code, _ = asyncio.run(
        _ws_session(
            aidlp_proxy,
            "wss://sydney.bing.com/sydney/ChatHub",
            [handshake, json.dumps(invocation) + "\x1e"],
        )
    )
    assert code == 1008
    time.sleep(0.3)
    assert not [r for r in upstream_log.snapshot() if r.kind == "ws" and b"NINO" in r.body]


# ---- fail closed: limits, uninspectable, stream_large_bodies ---------------------------------

STRICT_CONFIG = (
    TEST_CONFIG
    + """
limits:
  max_body_bytes: 65536
extraction:
  uninspectable: block
ocr:
  enabled: false   # images stay uninspectable, as without the ocr extra
"""
)


@pytest.fixture(scope="module")
def strict_proxy(start_proxy):
    return start_proxy(STRICT_CONFIG, name="strict")


def test_oversize_body_is_blocked_as_too_large(strict_proxy, upstream_log):
    with strict_proxy.httpx() as client:
        response = client.post(
            CHAT, content=_chat_body("x" * 70_000), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 403
    event = strict_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "too_large"
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_decompression_bomb_is_blocked_as_too_large(strict_proxy, upstream_log):
    bomb = zlib.compress(b"A" * (8 * 1024 * 1024), 9)  # ~8 KiB on the wire, 8 MiB decoded
    with strict_proxy.httpx() as client:
        response = client.post(
            CHAT,
            content=bomb,
            headers={"Content-Type": "application/json", "Content-Encoding": "deflate"},
        )
    assert response.status_code == 403
    event = strict_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "too_large"


def _real_png() -> bytes:
    """A PNG that Pillow (the standard reader) decodes: only true media are uninspectable."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_image_upload_blocked_when_uninspectable_is_block(strict_proxy, upstream_log):
    png = _real_png()
    with strict_proxy.httpx() as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-img",
            content=png,
            headers={"Content-Type": "image/png"},
        )
    assert response.status_code == 403
    event = strict_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "uninspectable"


def test_image_upload_is_read_by_ocr_by_default(aidlp_proxy, upstream_log):
    """With OCR on (the default), an image without text is read, found clean and allowed."""
    png = _real_png()
    with aidlp_proxy.httpx() as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-img2",
            content=png,
            headers={"Content-Type": "image/png"},
        )
    assert response.status_code == 200
    event = aidlp_proxy.wait_event(
        lambda e: e.get("path") == "/file-img2" and e.get("event", "").startswith("ai.request"),
        timeout=60,
    )
    assert event is not None and event["event"] == "ai.request.allowed"


def test_stream_large_bodies_is_refused(start_proxy):
    proc = start_proxy(extra_args=("--set", "stream_large_bodies=1k"), name="streaming", wait=False)
    with pytest.raises(RuntimeError) as info:
        proc.wait_ready(timeout=60)
    assert "stream_large_bodies" in str(info.value)


def test_prompt_in_query_string_is_scanned(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        blocked = client.get(f"https://chatgpt.com/?q=Write to claimant, NI number {NINO}")
        clean = client.get("https://chatgpt.com/?q=best+walks+in+the+Peak+District")
        plain = client.get("https://chatgpt.com/backend-api/models")
    assert blocked.status_code == 403 and blocked.headers["X-AIDLP-Decision"] == "block"
    assert clean.status_code == 200 and plain.status_code == 200
    assert not [
        r for r in upstream_log.snapshot() if "NI number" in r.path or "NI+number" in r.path
    ]


def test_text_declared_as_png_is_scanned_and_blocked(aidlp_proxy, upstream_log):
    """Issue 16 item 1: a .txt sent as ``image/png`` (or behind a GIF89a prefix) is text."""
    note = b"GIF89a Case note: claimant NINO AB 12 34 56 C attended today."
    with aidlp_proxy.httpx() as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-txt-as-png",
            content=note,
            headers={"Content-Type": "image/png"},
        )
    assert response.status_code == 403
    assert not any(r.path == "/file-txt-as-png" for r in upstream_log.snapshot())


def test_encrypted_zip_is_blocked_under_the_default_config(aidlp_proxy, upstream_log):
    """Encrypted archives are not media: blocked even with ``uninspectable: monitor``."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("secret.txt", "claimant NINO AB 12 34 56 C")
    data = bytearray(buf.getvalue())
    data[data.find(b"PK\x03\x04") + 6] |= 0x1
    data[data.find(b"PK\x01\x02") + 8] |= 0x1
    with aidlp_proxy.httpx() as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-enc-zip",
            content=bytes(data),
            headers={"Content-Type": "application/zip"},
        )
    assert response.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "uninspectable"
    assert not any(r.path == "/file-enc-zip" for r in upstream_log.snapshot())


def _docx_with(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_damaged_docx_is_blocked_as_unparseable(aidlp_proxy, upstream_log):
    """Issue 17 item 3: a bad CRC on document.xml fails closed with its own reason."""
    import zipfile

    data = bytearray(_docx_with(f"Claimant {NINO}"))
    central = bytes(data).rfind(b"word/document.xml") - 46
    assert data[central : central + 4] == b"PK\x01\x02"
    data[central + 16] ^= 0xFF  # the CRC recorded in the central directory
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(bytes(data))).read("word/document.xml")
    with aidlp_proxy.httpx() as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-bad-crc",
            content=bytes(data),
            headers={"Content-Type": DOCX},
        )
    assert response.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "unparseable"
    assert _never_reached(upstream_log, "/file-bad-crc")


def test_control_character_in_docx_is_read_and_blocked_for_its_nino(aidlp_proxy, upstream_log):
    import zipfile

    data = _docx_with(f"Claimant {NINO}")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "word/document.xml":
                content = content.replace(b"Claimant", b"Clai\x01mant")
            zf.writestr(info.filename, content)
    with aidlp_proxy.httpx() as client:
        response = client.put(
            "https://files.oaiusercontent.com/file-ctrl",
            content=out.getvalue(),
            headers={"Content-Type": DOCX},
        )
    assert response.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] != "unparseable"  # read, and found
    assert any(f["category"] == "PERSONAL_DATA" for f in event["findings"])


def test_ambiguous_multipart_is_blocked_as_unparseable(aidlp_proxy, upstream_log):
    """Issue 16 item 3: ``boundary=AAA; boundary=BBB`` is read differently by servers."""
    body = (
        b'--BBB\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n--BBB--\r\n'
    )
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/files",
            content=body,
            headers={"Content-Type": "multipart/form-data; boundary=AAA; boundary=BBB"},
        )
    assert response.status_code == 403
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["reason"] == "unparseable"


# ---- gRPC (RT-50) -----------------------------------------------------------------------------

GRPC_PATH = "/google.ai.generativelanguage.v1beta.GenerativeService/GenerateContent"


def _grpc_body(text: str, compress: bool) -> bytes:
    """A GenerateContentRequest-shaped protobuf (contents[0].parts[0].text), framed as gRPC."""
    from tests.unit.extract.test_extract_grpc import grpc_body

    return grpc_body(text, compress=compress)


@pytest.mark.parametrize("compress", [False, True])
def test_grpc_generate_content_with_a_nino_is_blocked(aidlp_proxy, upstream_log, compress):
    headers = {"content-type": "application/grpc", "te": "trailers"}
    if compress:
        headers["grpc-encoding"] = "gzip"
    with aidlp_proxy.httpx(http2=True) as client:
        reply = client.post(
            f"https://generativelanguage.googleapis.com{GRPC_PATH}",
            content=_grpc_body(f"My NI number is {NINO}", compress),
            headers=headers,
        )
    assert reply.status_code == 403
    assert _never_reached(upstream_log, GRPC_PATH)


def test_grpc_clean_request_is_forwarded(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx(http2=True) as client:
        client.post(
            f"https://generativelanguage.googleapis.com{GRPC_PATH}",
            content=_grpc_body("Name three rivers in England.", True),
            headers={"content-type": "application/grpc", "grpc-encoding": "gzip"},
        )
    assert upstream_log.wait_for(lambda r: r.path == GRPC_PATH) is not None
