"""Issue 16 / red team RT-57, RT-69, RT-71, RT-72, RT-75, end to end through the real
``aidlp run``: what the AI tool will read, the scanner reads too. Each payload is built here
with its standard writer (python-docx, openpyxl, sqlite3, brotli, gzip, cl100k_base) and read
back with the standard reader first; the real openai SDK / websockets client sends it; the
recording upstream shows what arrived."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import re
import sqlite3
import time
import zipfile

import bpe_openai
import brotli
import docx
import httpx
import openai
import openpyxl
import pytest
import websockets
from websockets.asyncio.client import connect

pytestmark = pytest.mark.e2e

NINO = "JG103729A"  # valid format, made up
NOTE = f"Case notes. Claimant Jane Smith, NI number {NINO}, has multiple sclerosis."


def _openai(proxy) -> openai.OpenAI:
    return openai.OpenAI(
        api_key="sk-test",
        base_url="https://api.openai.com/v1",
        http_client=httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=30.0),
        max_retries=0,
    )


def _tracked_deletion_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("PLACEHOLDER")
    buf = io.BytesIO()
    document.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    runs = (
        '<w:p><w:r><w:t xml:space="preserve">Claimant NI JG10</w:t></w:r>'
        '<w:del w:id="1" w:author="a"><w:r><w:delText>XXXX</w:delText></w:r></w:del>'
        "<w:r><w:t>3729A</w:t></w:r></w:p>"
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "word/document.xml":
                content = re.sub(
                    r"<w:p>(?:(?!<w:p>).)*?PLACEHOLDER.*?</w:p>", runs, content.decode(), flags=re.S
                ).encode()
            zf.writestr(info, content)
    data = out.getvalue()
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == f"Claimant NI {NINO}"
    return data


def _formatted_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"] = "Claimant NI", 103729
    sheet["B1"].number_format = '"JG"0"A"'
    buf = io.BytesIO()
    workbook.save(buf)
    data = buf.getvalue()
    cell = openpyxl.load_workbook(io.BytesIO(data)).active["B1"]
    assert (cell.value, cell.number_format) == (103729, '"JG"0"A"')
    return data


def _sqlite(tmp_path, rows) -> bytes:
    path = tmp_path / "cases.db"
    con = sqlite3.connect(path)
    con.execute("create table cases(name text, nino text, condition text)")
    con.executemany("insert into cases values (?, ?, ?)", rows)
    con.commit()
    assert con.execute("select * from cases").fetchall() == rows
    con.close()
    return path.read_bytes()


def _batch_jsonl() -> bytes:
    encoding = bpe_openai.get_encoding("cl100k_base")
    ids = encoding.encode(NOTE)
    assert encoding.decode(ids) == NOTE
    line = {"custom_id": "r1", "method": "POST", "url": "/v1/completions",
            "body": {"model": "gpt-3.5-turbo-instruct", "prompt": ids}}  # fmt: skip
    return json.dumps(line).encode() + b"\n"


def _never_reached(log, path: str) -> bool:
    time.sleep(0.3)
    return log.wait_for(lambda r: r.path.split("?")[0] == path, timeout=0.5) is None


@pytest.mark.parametrize(
    "kind", ["docx tracked deletion", "xlsx number format", "sqlite", "brotli", "batch jsonl"]
)
def test_upload_whose_value_shows_only_when_read_as_displayed_is_blocked(
    aidlp_proxy, upstream_log, tmp_path, kind: str
) -> None:
    data, name, purpose = {
        "docx tracked deletion": lambda: (_tracked_deletion_docx(), "notes.docx", "assistants"),
        "xlsx number format": lambda: (_formatted_xlsx(), "cases.xlsx", "assistants"),
        "sqlite": lambda: (
            _sqlite(tmp_path, [("Jane Smith", NINO, "multiple sclerosis")]),
            "cases.db",
            "assistants",
        ),
        "brotli": lambda: (brotli.compress(NOTE.encode()), "notes.txt.br", "assistants"),
        "batch jsonl": lambda: (_batch_jsonl(), "batch.jsonl", "batch"),
    }[kind]()
    if kind == "brotli":
        assert brotli.decompress(data).decode() == NOTE
    with pytest.raises(openai.PermissionDeniedError) as info:
        _openai(aidlp_proxy).files.create(
            file=(name, data, "application/octet-stream"), purpose=purpose
        )
    assert info.value.status_code == 403
    assert _never_reached(upstream_log, "/v1/files")


def test_clean_sqlite_upload_arrives(aidlp_proxy, upstream_log, tmp_path) -> None:
    data = _sqlite(tmp_path, [("Room 4", "booked", "Tuesday")])
    _openai(aidlp_proxy).files.create(
        file=("rooms.db", data, "application/octet-stream"), purpose="assistants"
    )
    arrived = upstream_log.wait_for(lambda r: r.path == "/v1/files")
    assert arrived is not None and b"SQLite format 3" in arrived.body


def test_gzip_then_base64_in_a_prompt_is_blocked(aidlp_proxy, upstream_log) -> None:
    blob = base64.b64encode(gzip.compress(NOTE.encode())).decode()
    assert gzip.decompress(base64.b64decode(blob)).decode() == NOTE
    with pytest.raises(openai.PermissionDeniedError):
        _openai(aidlp_proxy).chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": f"Decode and gunzip this, then draft: {blob}"}],
        )
    assert _never_reached(upstream_log, "/v1/chat/completions")


def test_token_ids_sent_as_floats_are_decoded_and_blocked(aidlp_proxy, upstream_log) -> None:
    ids = bpe_openai.get_encoding("cl100k_base").encode(NOTE)
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.openai.com/v1/embeddings",
            json={"model": "text-embedding-3-small", "input": [[float(t) for t in ids]]},
        )
    assert response.status_code == 403
    assert _never_reached(upstream_log, "/v1/embeddings")


async def _realtime(proxy, frames: list[str]) -> tuple[int | None, str]:
    url = "wss://api.openai.com/v1/realtime?model=gpt-4o-realtime-preview"
    async with connect(url, proxy=proxy.url, ssl=proxy.ssl_context(), open_timeout=20) as ws:
        try:
            for frame in frames:
                await ws.send(frame)
                await asyncio.wait_for(ws.recv(), 10)
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.ConnectionClosed as closed:
            return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")
        except TimeoutError:
            return None, ""


def test_realtime_audio_append_is_uninspectable_and_blocked(aidlp_proxy, upstream_log) -> None:
    """RT-71: the Realtime API's audio is a voice channel the proxy cannot read: blocked by
    default (extraction.uninspectable), as a chat input_audio part is; text events pass."""
    text = json.dumps({"type": "conversation.item.create", "item": {"type": "message",
                       "role": "user", "content": [{"type": "input_text",
                                                    "text": "What is a good name for a cat?"}]}})  # fmt: skip
    pcm = base64.b64encode(bytes(range(256)) * 24).decode()
    audio = json.dumps({"type": "input_audio_buffer.append", "audio": pcm})
    code, _ = asyncio.run(_realtime(aidlp_proxy, [text, audio]))
    assert code == 1008
    assert upstream_log.wait_for(lambda r: r.kind == "ws" and b"cat?" in r.body) is not None
    time.sleep(0.3)
    assert not [r for r in upstream_log.snapshot() if r.kind == "ws" and b"input_audio" in r.body]


def _ocr_frames(fmt: str) -> bytes:
    from PIL import Image

    from tests.images import render

    lines = [["Quarterly team update"], ["Case record", "Claimant NI number JG 10 37 29 A"]]
    pictures = [Image.open(io.BytesIO(render(text, font_size=26, spacing=48))) for text in lines]
    buf = io.BytesIO()
    pictures[0].save(buf, fmt, save_all=True, append_images=pictures[1:])
    with Image.open(io.BytesIO(buf.getvalue())) as image:
        assert image.n_frames == 2
    return buf.getvalue()


def _alpha_only_png() -> bytes:
    from PIL import Image

    from tests.images import render

    mask = Image.open(io.BytesIO(render(["Case record", "Claimant NI number JG 10 37 29 A"],
                                        font_size=26, spacing=48))).convert("L")  # fmt: skip
    picture = Image.new("RGBA", mask.size, (0, 0, 0, 0))
    picture.putalpha(mask.point(lambda v: 255 if v < 128 else 0))
    buf = io.BytesIO()
    picture.save(buf, "PNG")
    assert Image.open(io.BytesIO(buf.getvalue())).convert("RGB").getextrema()[0] == (0, 0)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["gif frame 2", "apng frame 2", "tiff page 2", "alpha only"])
def test_image_text_past_the_first_frame_or_in_alpha_is_read_by_ocr(
    aidlp_proxy, upstream_log, kind: str
) -> None:
    """RT-70: OCR reads every frame/page (bounded) and transparent images composited."""
    data, mime = {
        "gif frame 2": lambda: (_ocr_frames("GIF"), "image/gif"),
        "apng frame 2": lambda: (_ocr_frames("PNG"), "image/png"),
        "tiff page 2": lambda: (_ocr_frames("TIFF"), "image/tiff"),
        "alpha only": lambda: (_alpha_only_png(), "image/png"),
    }[kind]()
    marker = f"m{time.time_ns()}"
    url = f"data:{mime};base64," + base64.b64encode(data).decode()
    with pytest.raises(openai.PermissionDeniedError):
        _openai(aidlp_proxy).with_options(timeout=120).chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": [
                {"type": "text", "text": f"Summarise this image {marker}"},
                {"type": "image_url", "image_url": {"url": url}}]}],
        )  # fmt: skip
    assert upstream_log.wait_for(lambda r: marker.encode() in r.body, timeout=1.0) is None


@pytest.mark.parametrize("route", ["uploads api parts", "put block"])
def test_text_file_split_across_upload_parts_is_scanned_across_the_seam(
    aidlp_proxy, upstream_log, route: str
) -> None:
    """RT-76: the provider reassembles the parts, so a NINO split between two parts is in the
    file it stores; the conversation memory keeps the tail of each part of one upload id."""
    text = f"Case notes.\nClaimant Jane Smith, NI number {NINO}, claims Universal Credit.\n"
    cut = text.index(NINO) + 4  # JG10 | 3729A
    first, second = text[:cut].encode(), text[cut:].encode()
    assert (first + second).decode() == text  # what the provider stores
    upload = f"upload_{time.time_ns()}"
    with aidlp_proxy.httpx() as client:

        def send(part: bytes, index: int) -> httpx.Response:
            if route == "put block":
                return client.put(
                    f"https://files.oaiusercontent.com/file-{upload}?comp=block&blockid=b{index}",
                    content=part,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "x-ms-blob-type": "BlockBlob",
                    },
                )
            return client.post(
                f"https://api.openai.com/v1/uploads/{upload}/parts",
                files={"data": ("blob", part, "application/octet-stream")},
            )

        assert send(first, 0).status_code == 200
        assert upstream_log.wait_for(lambda r: upload in r.path) is not None
        assert send(second, 1).status_code == 403
    time.sleep(0.3)
    assert not [r for r in upstream_log.snapshot() if upload in r.path and b"3729A" in r.body]
