"""Red team round D/E transport items, through the real `aidlp run` and the recording upstream:
the value never arrives (or DeepSeek is never reached) and the refusal is recorded.

- RT-92 addendum: Chinese clouds and API resellers serving DeepSeek by name are AI tools:
  a NINO is blocked there, a DeepSeek model name refused.
- RT-90 addendum: machine translators are AI tools (catalogue group `machine_translation`).
- RT-106: Grok inside X (`x.com/i/api/2/grok/...`) is a path-scoped tool; X's other paths are
  forwarded untouched and unrecorded. RT-82: Gemini web's upload host push.clients6.google.com.
  RT-68: replit.com.
- RT-101: a gateway header whose value is JSON naming DeepSeek (Portkey
  `x-portkey-override-params`), or a URL to DeepSeek's host under any header name, is refused.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.rawtls import open_tunnel, status_of
from tests.e2e.test_transport_redteam_e2e import _read_head

NINO = "AB 12 34 56 C"


def _chat(text: str, model: str = "gpt-4o-mini") -> dict:
    return {"model": model, "messages": [{"role": "user", "content": text}]}


def _blocked(proxy, upstream_log, response, host: str, event: str, reason: str | None = None):
    assert response.status_code == 403, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    incident = response.headers["X-AIDLP-Incident"]
    found = proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert found is not None and found["event"] == event, found
    if reason is not None:
        assert found["reason"] == reason


RESELLERS = [
    ("maas-cn-southwest-2.modelarts-maas.com", "/v1/infers/abc/v1/chat/completions"),
    ("api.scnet.cn", "/api/llm/v1/chat/completions"),
    ("cloud.infini-ai.com", "/maas/v1/chat/completions"),
    ("api.ppinfra.com", "/v3/openai/chat/completions"),
    ("api.qnaigc.com", "/v1/chat/completions"),
    ("maas-api.cn-huabei-1.xf-yun.com", "/v1/chat/completions"),
    ("api.modelverse.cn", "/v1/chat/completions"),
    ("wishub-x1.ctyun.cn", "/v1/chat/completions"),
    ("maas-api.lanyun.net", "/v1/chat/completions"),
]


@pytest.mark.parametrize("host,path", RESELLERS, ids=[h for h, _ in RESELLERS])
def test_a_nino_to_a_chinese_reseller_is_blocked(aidlp_proxy, upstream_log, host, path):
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json=_chat(f"My NI number is {NINO}"))
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.request.blocked")


@pytest.mark.parametrize(
    "host,model",
    [("api.qnaigc.com", "deepseek-r1"), ("api.modelverse.cn", "deepseek-ai/DeepSeek-R1")],
)
def test_deepseek_at_a_chinese_reseller_is_refused(aidlp_proxy, upstream_log, host, model):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            f"https://{host}/v1/chat/completions", json=_chat("name three rivers", model)
        )
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.tool.blocked", "blocked_model")


TRANSLATORS = [
    ("translate-pa.googleapis.com", "/v1/translateHtml"),
    ("translate.googleapis.com", "/translate_a/single?client=gtx&sl=en&tl=cy&dt=t"),
    ("translation.googleapis.com", "/v3/projects/p1:translateText"),
    ("api.cognitive.microsofttranslator.com", "/translate?api-version=3.0&to=cy"),
    ("www.bing.com", "/ttranslatev3?isVertical=1"),
]


@pytest.mark.parametrize("host,path", TRANSLATORS, ids=[h + p[:12] for h, p in TRANSLATORS])
def test_a_letter_sent_to_a_translator_is_blocked(aidlp_proxy, upstream_log, host, path):
    text = f"Dear Ms Smith, your NI number {NINO} and your claim"
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json={"q": text})
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.request.blocked")


def test_a_clean_translation_arrives(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://translation.googleapis.com/v3/projects/p1:translateText",
            json={"contents": ["The library opens at nine."], "targetLanguageCode": "cy"},
        )
    assert response.status_code == 200, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == "translation.googleapis.com") is not None


@pytest.mark.parametrize(
    "host,path",
    [
        ("x.com", "/i/api/2/grok/add_response.json"),
        ("x.com", "/i/api/graphql/AbCdEf123/CreateGrokConversation"),
        ("grok.x.com", "/2/grok/add_response.json"),
        ("push.clients6.google.com", "/upload/"),
        ("replit.com", "/graphql"),
    ],
)
def test_a_nino_to_grok_in_x_gemini_uploads_and_replit_is_blocked(
    aidlp_proxy, upstream_log, host, path
):
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json={"message": f"My NI number is {NINO}"})
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.request.blocked")


def test_x_paths_that_are_not_grok_are_forwarded_unrecorded(aidlp_proxy, upstream_log):
    marker = "rte-x-home"
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://x.com/i/api/1.1/statuses/update.json",
            json={"status": f"My NI number is {NINO}"},
            headers={"x-marker": marker},
        )
    assert response.status_code == 200, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == "x.com") is not None
    recorded = [
        e for e in aidlp_proxy.events() if e.get("host") == "x.com" and "statuses" in e["path"]
    ]
    assert recorded == []


@pytest.mark.parametrize(
    "header,value",
    [
        ("x-portkey-override-params", json.dumps({"model": "deepseek-chat"})),
        ("x-gateway-options", json.dumps({"override": {"models": ["deepseek/deepseek-r1"]}})),
        ("x-forward-to", "https://api.deepseek.com/v1"),
        ("x-litellm-api-base", "https%3A%2F%2Fapi.deepseek.com%2Fv1"),
    ],
    ids=["override-params", "json-options", "url", "encoded-url"],
)
def test_a_gateway_header_naming_deepseek_is_refused(aidlp_proxy, upstream_log, header, value):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.portkey.ai/v1/chat/completions",
            json=_chat("name three rivers", "gpt-4o"),
            headers={header: value},
        )
    _blocked(
        aidlp_proxy, upstream_log, response, "api.portkey.ai", "ai.tool.blocked", "blocked_model"
    )


def test_a_json_header_naming_another_model_arrives(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://api.portkey.ai/v1/chat/completions",
            json=_chat("name three rivers", "gpt-4o"),
            headers={
                "x-portkey-override-params": json.dumps({"model": "gpt-4o-mini"}),
                "x-note": json.dumps({"topic": "a blog post about deepseek"}),
                "x-forward-to": "https://api.openai.com/v1",
            },
        )
    assert response.status_code == 200, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == "api.portkey.ai") is not None


# ---- RT-103 / RT-95: header, cookie, path and query bytes read as the server reads them ------

RAW_NINO = b"JG103729A"
HELLO_BODY = json.dumps(_chat("hello")).encode()


def _raw_h1(proxy, target: bytes, extra: bytes, body: bytes = HELLO_BODY) -> tuple[bytes, str]:
    """One HTTP/1.1 request with exactly these bytes, in a TLS tunnel to api.openai.com."""
    marker = f"rte-{abs(hash((target, extra, body)))}"
    sock, status = open_tunnel(proxy.port, "api.openai.com:443")
    assert status == 200
    context = proxy.ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    with context.wrap_socket(sock, server_hostname="api.openai.com") as tls:
        tls.sendall(
            b"POST " + target + b" HTTP/1.1\r\nHost: api.openai.com\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n"
            % len(body)
            + b"x-marker: "
            + marker.encode()
            + b"\r\n"
            + extra
            + b"Connection: close\r\n\r\n"
            + body
        )
        return _read_head(tls), marker


def _refused_raw(proxy, upstream_log, head: bytes, marker: str) -> None:
    assert status_of(head) == 403, head[:200]
    assert upstream_log.wait_for(lambda r: r.headers.get("x-marker") == marker, timeout=0.5) is None
    assert proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("host") == "api.openai.com"
            and e.get("incident_id") in head.decode("latin-1")
        )
    )


CHANNELS = [
    (b"/v1/chat/completions", b"X-Note: NI JG10\x013729A\r\n", b""),
    (b"/v1/chat/completions", b"X-Note: NI JG10\x7f3729A\r\n", b""),
    (b"/v1/chat/completions", b"Cookie: n=JG10%003729A\r\n", b""),
    (b"/v1/chat/completions/JG10%003729A", b"", b""),
    (b"/v1/chat/completions?note=JG10%013729A", b"", b""),
    (b"/v1/chat/completions?note=J%00G%001%000%003%007%002%009%00A", b"", b""),
    (b"/v1/chat/completions", b"X-Note: NI JG\xa0103729A\r\n", b""),
    (b"/v1/chat/completions", b"X-Note: =?utf-8?Q?NI_=4A=47=31=30=33=37=32=39=41?=\r\n", b""),
    (
        b"/v1/chat/completions",
        b"Cookie: n="
        + "".join(f"%{c:02X}" for c in "JG103729A".encode("utf-16-le")).encode()
        + b"\r\n",
        b"",
    ),
]
CHANNEL_IDS = [
    "header-soh",
    "header-del",
    "cookie-nul",
    "path-nul",
    "query-soh",
    "query-nul-between",
    "header-latin1-nbsp",
    "header-rfc2047-q",
    "cookie-utf16le",
]


@pytest.mark.parametrize("target,extra,_unused", CHANNELS, ids=CHANNEL_IDS)
def test_a_nino_in_metadata_is_read_as_the_server_reads_it(
    aidlp_proxy, upstream_log, target, extra, _unused
):
    head, marker = _raw_h1(aidlp_proxy, target, extra)
    _refused_raw(aidlp_proxy, upstream_log, head, marker)


def _gzip_member(payload: bytes, name: bytes = b"", comment: bytes = b"") -> bytes:
    import zlib

    flags = (0x08 if name else 0) | (0x10 if comment else 0)
    header = b"\x1f\x8b\x08" + bytes([flags]) + b"\x00\x00\x00\x00\x00\xff"
    header += (name + b"\x00" if name else b"") + (comment + b"\x00" if comment else b"")
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = deflate.compress(payload) + deflate.flush()
    crc = zlib.crc32(payload).to_bytes(4, "little")
    return header + raw + crc + (len(payload) & 0xFFFFFFFF).to_bytes(4, "little")


@pytest.mark.parametrize(
    "members",
    [
        lambda: _gzip_member(HELLO_BODY, name=b"NI_JG103729A.json"),
        lambda: _gzip_member(HELLO_BODY, comment=b"Claimant NI JG103729A"),
        lambda: _gzip_member(HELLO_BODY[:10]) + _gzip_member(HELLO_BODY[10:], name=b"JG103729A"),
    ],
    ids=["fname", "fcomment", "second-member-fname"],
)
def test_a_nino_in_gzip_member_headers_is_refused(aidlp_proxy, upstream_log, members):
    body = members()
    import gzip

    assert gzip.decompress(body) == HELLO_BODY  # a server reads the clean JSON
    head, marker = _raw_h1(
        aidlp_proxy, b"/v1/chat/completions", b"Content-Encoding: gzip\r\n", body
    )
    _refused_raw(aidlp_proxy, upstream_log, head, marker)


def test_a_nino_in_a_zstd_skippable_frame_is_refused(aidlp_proxy, upstream_log):
    """RT-112: zstd decoders pass over a skippable frame; its bytes still reach the host."""
    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]

    note = b"Claimant NI JG103729A"
    body = b"\x50\x2a\x4d\x18" + len(note).to_bytes(4, "little") + note
    body += zstd.compress(HELLO_BODY)
    assert zstd.decompress(body) == HELLO_BODY
    head, marker = _raw_h1(
        aidlp_proxy, b"/v1/chat/completions", b"Content-Encoding: zstd\r\n", body
    )
    _refused_raw(aidlp_proxy, upstream_log, head, marker)


def test_a_clean_gzip_body_with_a_file_name_arrives(aidlp_proxy, upstream_log):
    body = _gzip_member(HELLO_BODY, name=b"request.json")
    head, marker = _raw_h1(
        aidlp_proxy, b"/v1/chat/completions", b"Content-Encoding: gzip\r\n", body
    )
    assert status_of(head) == 200, head[:200]
    assert upstream_log.wait_for(lambda r: r.headers.get("x-marker") == marker) is not None


# ---- RT-109: Gemini Live raw PCM audio is uninspectable, as OpenAI Realtime audio -----------

LIVE_URL = (
    "wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta"
    ".GenerativeService.BidiGenerateContent?key=AIzaSyA-test"
)


async def _live(proxy, frames: list[str]) -> int | None:
    import asyncio

    import websockets
    from websockets.asyncio.client import connect

    async with connect(LIVE_URL, proxy=proxy.url, ssl=proxy.ssl_context(), open_timeout=20) as ws:
        try:
            for frame in frames:
                await ws.send(frame)
                await asyncio.wait_for(ws.recv(), 10)
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None


SETUP = json.dumps({"setup": {"model": "models/gemini-2.0-flash-live-001"}})


@pytest.mark.parametrize(
    "live",
    [
        {"mediaChunks": [{"mimeType": "audio/pcm;rate=16000", "data": "PCM"}]},
        {"audio": {"mimeType": "audio/pcm;rate=16000", "data": "PCM"}},
        {"mediaChunks": [{"data": "PCM"}]},  # no mime type: audio is what Live streams
    ],
    ids=["media-chunks", "audio", "no-mime"],
)
def test_gemini_live_pcm_audio_is_blocked_and_recorded(aidlp_proxy, upstream_log, live):
    import asyncio
    import base64
    import os

    pcm = base64.b64encode(os.urandom(3200)).decode()
    frame = json.dumps({"realtimeInput": live}).replace('"PCM"', json.dumps(pcm))
    hello = json.dumps({"realtimeInput": {"text": "What is a good name for a cat?"}})
    code = asyncio.run(_live(aidlp_proxy, [SETUP, hello, frame]))
    assert code == 1008
    assert upstream_log.wait_for(lambda r: r.kind == "ws" and b"cat?" in r.body) is not None
    assert not [
        r for r in upstream_log.snapshot() if r.kind == "ws" and pcm[:40].encode() in r.body
    ]
    event = aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("host") == "generativelanguage.googleapis.com"
            and e.get("reason") == "uninspectable"
        )
    )
    assert event is not None


# ---- RT-100: a zstd-compressed websocket binary frame is inflated and read -----------------


async def _ws_frames(proxy, url: str, frames: list[bytes | str]) -> int | None:
    import asyncio

    import websockets
    from websockets.asyncio.client import connect

    async with connect(url, proxy=proxy.url, ssl=proxy.ssl_context(), open_timeout=20) as ws:
        try:
            for frame in frames:
                await ws.send(frame)
                await asyncio.wait_for(ws.recv(), 10)
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return None


def _copilot_send(text: str) -> bytes:
    event = {"event": "send", "content": [{"type": "text", "text": text}], "mode": "chat"}
    return json.dumps(event).encode()


@pytest.mark.parametrize("frames", [1, 2], ids=["one-frame", "two-zstd-frames"])
def test_a_zstd_websocket_frame_is_read(aidlp_proxy, upstream_log, frames):
    import asyncio

    try:
        from compression import zstd  # type: ignore[import-not-found]
    except ImportError:
        from backports import zstd  # type: ignore[no-redef]

    # the NINO's pieces appear before it, so zstd writes it as back-references: its bytes
    # never appear whole in the frame (only inflating it shows the value)
    raw = _copilot_send(f"Box labels: AB 12 34 and 56 C and AB 12 34 56. My NI number is {NINO}")
    assert NINO.encode() not in zstd.compress(raw)
    packed = (
        zstd.compress(raw) if frames == 1 else zstd.compress(raw[:30]) + zstd.compress(raw[30:])
    )
    clean = _copilot_send("What is a good name for a cat?")
    url = "wss://copilot.microsoft.com/c/api/chat?api-version=2"
    code = asyncio.run(_ws_frames(aidlp_proxy, url, [zstd.compress(clean), packed]))
    assert code == 1008
    assert upstream_log.wait_for(lambda r: r.kind == "ws" and r.body == zstd.compress(clean))
    assert not [r for r in upstream_log.snapshot() if r.kind == "ws" and r.body == packed]
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("path") == "/c/api/chat"
            and "PERSONAL_DATA" in json.dumps(e.get("findings"))
        )
    )


# ---- RT-98: an Encrypted Client Hello public name names no destination ----------------------


def test_an_ech_public_name_is_intercepted_and_routed_by_its_host(aidlp_proxy, upstream_log):
    """With ECH the outer SNI is the CDN's shared public name (cloudflare-ech.com) and the
    real destination is encrypted: such a tunnel is unnamed, so it is decrypted (an ECH client
    cannot complete ECH with the proxy and fails closed) and each request classified by its
    Host. (The hello here carries no ECH extension: the proxy decides by the name, as it must,
    since Chrome sends a GREASE ECH extension on every hello.)"""
    from tests.e2e.test_transport_round_c_e2e import _send_named

    refused = _send_named(aidlp_proxy, "cloudflare-ech.com", "chat.deepseek.com", "hello")
    assert status_of(refused) == 403, refused[:200]
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.tool.blocked" and e.get("host") == "chat.deepseek.com"
    )
    blocked = _send_named(
        aidlp_proxy, "cloudflare-ech.com", "gemini.google.com", f"My NI number is {NINO}"
    )
    assert status_of(blocked) == 403, blocked[:200]
    assert upstream_log.wait_for(lambda r: r.host == "gemini.google.com", timeout=0.5) is None
    assert aidlp_proxy.wait_event(
        lambda e: e.get("event") == "ai.request.blocked" and e.get("host") == "gemini.google.com"
    )
    assert not [c for c in aidlp_proxy.upstream_connects() if "cloudflare-ech.com" in c]


# ---- round E catalogue sweeps (RT-116, RT-118, RT-119, RT-122, RT-123, RT-124) --------------

ROUND_E_HOSTS = [
    ("inference.do-ai.run", "/v1/chat/completions"),
    ("api.ohmygpt.com", "/v1/chat/completions"),
    ("adb-1234567890123456.7.azuredatabricks.net", "/serving-endpoints/x/invocations"),
    ("api.cloud.llamaindex.ai", "/api/parsing/upload"),
    ("api.voyageai.com", "/v1/embeddings"),
    ("api.pinecone.io", "/embed"),
    ("api.heygen.com", "/v2/video/generate"),
    ("example-dept.atlassian.net", "/gateway/api/assist/chat/v1/channel/x/message/stream"),
    ("cloudaicompanion.googleapis.com", "/v1/projects/p:generate"),
    ("default.api.powerplatform.com", "/copilotstudio/chat"),
    ("api.marscode.com", "/v1/chat/completions"),
    ("api.targon.com", "/v1/chat/completions"),
    ("chat.baidu.com", "/aichat/api/conversation"),
    ("streaming.assemblyai.com", "/v3/token"),
    ("api.sider.ai", "/api/v3/completion/text"),
    ("api.tactiq.io", "/v1/transcripts"),
    ("ai-chat.bsg.brave.com", "/v1/complete"),
    ("search.brave.com", "/api/summarizer/followup"),
    ("mobile.x.com", "/i/api/2/grok/add_response.json"),
]


@pytest.mark.parametrize("host,path", ROUND_E_HOSTS, ids=[h for h, _ in ROUND_E_HOSTS])
def test_a_nino_to_a_round_e_catalogue_host_is_blocked(aidlp_proxy, upstream_log, host, path):
    with aidlp_proxy.httpx() as client:
        response = client.post(f"https://{host}{path}", json=_chat(f"My NI number is {NINO}"))
    _blocked(aidlp_proxy, upstream_log, response, host, "ai.request.blocked")


@pytest.mark.parametrize(
    "name",
    [
        "deepseek-r1.lepton.run",
        "deepseek-chat.example-gw.io",
        "api-deepseek.example.cn",
        "someone--deepseek-v3-serve.modal.run",
    ],
)
def test_a_deepseek_model_name_under_an_unlisted_domain_is_refused_at_connect(aidlp_proxy, name):
    def refusals() -> int:
        return len(
            [
                e
                for e in aidlp_proxy.events()
                if e.get("event") == "ai.tool.blocked" and e.get("reason") == "blocked_model"
            ]
        )

    before = refusals()
    sock, status = open_tunnel(aidlp_proxy.port, f"{name}:443")
    sock.close()
    assert status == 403
    assert aidlp_proxy.wait_event(lambda e: refusals() > before)
    assert not [c for c in aidlp_proxy.upstream_connects() if name in c]


# ---- RT-114: the client's ALPN offers are never copied upstream beyond the known protocols --


def test_alpn_offers_upstream_are_only_known_protocols(start_proxy, pki):
    import socket
    import threading

    from OpenSSL import SSL

    from tests.e2e.harness import free_port

    offered: list[list[bytes]] = []

    def select(_conn, protos):
        offered.append(list(protos))
        return b"http/1.1" if b"http/1.1" in protos else protos[0]

    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.use_certificate_chain_file(str(pki.cert_pem))
    context.use_privatekey_file(str(pki.key_pem))
    context.set_alpn_select_callback(select)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve() -> None:
        while True:
            try:
                raw, _ = listener.accept()
            except OSError:
                return
            try:
                tls = SSL.Connection(context, raw)
                tls.set_accept_state()
                tls.do_handshake()
                raw.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = tls.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
            except Exception:
                pass
            finally:
                raw.close()

    threading.Thread(target=serve, daemon=True).start()
    proxy = start_proxy(
        env_extra={
            "AIDLP_TEST_UPSTREAM_HTTPS": str(listener.getsockname()[1]),
            "AIDLP_TEST_UPSTREAM_HTTP": str(free_port()),
        },
        name="alpn",
    )
    try:
        for offers in (["http/1.1", "NI JG103729A"], ["h2", "AKIAQ3EGRKTN7V2XPZ5M", "http/1.1"]):
            sock, status = open_tunnel(proxy.port, "api.openai.com:443")
            assert status == 200
            client = proxy.ssl_context()
            client.set_alpn_protocols(offers)
            with client.wrap_socket(sock, server_hostname="api.openai.com") as tls:
                assert tls.selected_alpn_protocol() in ("http/1.1", "h2")
                if tls.selected_alpn_protocol() == "http/1.1":
                    tls.sendall(b"GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\n\r\n")
                    _read_head(tls)
        assert offered, "the upstream was never reached"
        for protos in offered:
            assert set(protos) <= {b"h2", b"http/1.1"}, protos
    finally:
        listener.close()
        proxy.stop()


def test_a_binary_pcm_frame_on_the_realtime_socket_is_blocked(aidlp_proxy, upstream_log):
    """RT-124: binary audio frames on OpenAI Realtime's socket are uninspectable, as its JSON
    audio appends are; the text event before them arrives."""
    import asyncio
    import os

    text = json.dumps(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What is a good name for a dog?"}],
            },
        }
    )
    pcm = os.urandom(3200)
    url = "wss://api.openai.com/v1/realtime?intent=transcription"
    code = asyncio.run(_ws_frames(aidlp_proxy, url, [text, pcm]))
    assert code == 1008
    assert upstream_log.wait_for(lambda r: r.kind == "ws" and b"dog?" in r.body) is not None
    assert not [r for r in upstream_log.snapshot() if r.kind == "ws" and r.body == pcm]
    assert aidlp_proxy.wait_event(
        lambda e: (
            e.get("event") == "ai.request.blocked"
            and e.get("reason") == "uninspectable"
            and e.get("host") == "api.openai.com"
        )
    )


@pytest.mark.parametrize(
    "target",
    [b"/v1/models/caf\xe9JG103729A", b"/v1/models/\xffJG103729A\xfe"],
    ids=["latin1", "ff"],
)
def test_a_path_byte_that_is_not_utf8_is_scanned_not_an_internal_error(
    aidlp_proxy, upstream_log, target
):
    """Round E lab logs: such a path raised in the model check (internal_error, still 403);
    it is read and the NINO in it blocked as a finding."""
    head, marker = _raw_h1(aidlp_proxy, target, b"")
    assert status_of(head) == 403, head[:200]
    assert upstream_log.wait_for(lambda r: r.headers.get("x-marker") == marker, timeout=0.5) is None
    incident = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"x-aidlp-incident:")
    )
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["event"] == "ai.request.blocked", json.dumps(event)
