"""Red team content cases (RT-10/11/12/27/30/59/61), end to end: the openai SDK sends each
evasion through the real `aidlp run`; the proxy must answer 403 and the local upstream must
never see the request. Benign look-alikes (code with snake_case, markdown, string lists,
hashes) must arrive. Payloads are built here with the standard encoders."""

from __future__ import annotations

import base64
import json
import secrets

import httpx
import openai
import pytest

pytestmark = pytest.mark.e2e

NINO = "JG103759A"  # valid format, made up
AWS = "AKIA" + "Q3EGRKTN7V2XPZ5M"


def _client(proxy) -> openai.OpenAI:
    http = httpx.Client(proxy=proxy.url, verify=proxy.ssl_context(), timeout=30.0)
    return openai.OpenAI(
        api_key="sk-test", base_url="https://api.openai.com/v1", http_client=http, max_retries=0
    )


def _arrived(log, tag: str, timeout: float) -> bool:
    return log.wait_for(lambda r: r.headers.get("x-test-tag") == tag, timeout=timeout) is not None


def _send(proxy, messages: list[dict]) -> tuple[int, str]:
    tag = secrets.token_hex(6)
    try:
        _client(proxy).chat.completions.create(
            model="gpt-4o-mini", messages=messages, extra_headers={"x-test-tag": tag}
        )
    except openai.PermissionDeniedError as exc:
        return exc.status_code, tag
    return 200, tag


EVASIONS = {
    "short base64": f"My NI number in base64: {base64.b64encode(NINO.encode()).decode()} decode it",
    "base32": f"NI in base32: {base64.b32encode(NINO.encode()).decode()} decode it",
    "quoted-printable": "NI " + "".join(f"={ord(c):02X}" for c in NINO),
    "unicode escapes": "NI " + "".join(f"\\u{ord(c):04x}" for c in NINO),
    "character codes": "NI as ASCII codes: " + ", ".join(str(ord(c)) for c in NINO),
    "html comment": "Claimant NI JG10<!-- x -->3759A - draft the letter",
    "markdown bold": "Claimant NI JG10**3759**A - draft the letter",
    "ansi escape": "Claimant NI JG10\x1b[0m3759A - draft the letter",
    "right-to-left override": f"Claimant NI \u202e{NINO[::-1]}\u202c - draft",
    "snake_case glue": f"save the record as claimant_{NINO}_2024 please",
    "js concatenation": "const ni = 'JG10' + '3759A'; // claimant's NI number",
    "character array": json.dumps(list(NINO)) + " <- join these",
    "NATO spelling": "NI: Juliet Golf one zero three seven five nine Alpha",
    "reversed, with a cue": f"My NI number reversed is {NINO[::-1]} - reverse it",
    "aws key as characters": json.dumps(list(AWS)),
    # RT-09 addendum: any one repeated separator; RT-12 addendum: dictation
    "star separator": f"Claimant NI {'★'.join(NINO)} - draft the letter",
    "tilde separator, lower case": f"Claimant NI {'~'.join(NINO.lower())} - draft the letter",
    "dictated, as in": "NI: J as in Jack, G as in George, 1 0 3 7 5 9, A as in Apple",
    "german alphabet": "NI: Julius Gustav eins null drei sieben fünf neun Anton",
    "digit words in comma groups": "NHS number nine four three, four seven six, five nine one nine",
    # RT-120: one character per line / per list item / per tab; pairs
    "one character per line": "Claimant NI number " + "\n".join(NINO) + " - draft the letter",
    "one per list item": "Claimant NI:\n" + "\n".join(f"- {c}" for c in NINO) + "\nDraft it.",
    "tab between characters": "Claimant NI number " + "\t".join(NINO) + " - draft the letter",
    "pairs with ' | '": "Claimant NI JG | 10 | 37 | 59 | A - draft the letter",
    # RT-10 addenda: an encoding the text names
    "rot18, named": "My NI number in rot18 is WT658204N - decode it.",
    "xor with the stated key": "NI XORed with 0x2A, hex: "
    + bytes(b ^ 0x2A for b in NINO.encode()).hex()
    + " - decode it",
    "base32 lower case, decode cue": "Decode this NI number: "
    + base64.b32encode(NINO.encode()).decode().lower().rstrip("="),
}


@pytest.mark.parametrize("kind", sorted(EVASIONS))
def test_evasion_in_a_prompt_is_blocked(aidlp_proxy, upstream_log, kind: str) -> None:
    status, tag = _send(aidlp_proxy, [{"role": "user", "content": EVASIONS[kind]}])
    assert status == 403, kind
    assert not _arrived(upstream_log, tag, timeout=0.5)


def test_character_array_in_tool_call_arguments_is_blocked(aidlp_proxy, upstream_log) -> None:
    """RT-59: each array element is a JSON leaf; the pieces are also read joined."""
    messages = [
        {"role": "user", "content": "join the characters in the tool call"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_m1n2b3v4c5x6",
                    "type": "function",
                    "function": {"name": "f", "arguments": json.dumps({"chars": list(NINO)})},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_m1n2b3v4c5x6", "content": "ok"},
    ]
    status, tag = _send(aidlp_proxy, messages)
    assert status == 403
    assert not _arrived(upstream_log, tag, timeout=0.5)


BENIGN = [
    "def claimant_record_2024(nino_value, nhs_number_field):\n    return get_user_by_id(42)",
    "Use **bold** for emphasis and `code` for names; 2**32 is 4294967296.",
    "tags = ['red', 'green', 'blue']; greeting = 'Good' + ' ' + 'morning'",
    "commit e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 fixed it",
    "<p>Hello <b>world</b></p><!-- layout note -->",
    "Write a function to reverse a string without slicing.",
    "Compare a & b & c & d & e & f, then rate them 5 ★ 4 ★ 3 ★ 2 ★ 1 ★ 0.",
    "Charlie and Victor played Golf on 3 May; A as in the example, one, two, three.",
    "Snow\nfalls\non\nthe\nquiet\nhill\nand\nI\nwait",
    "Options:\n- a\n- b\n- c\n- d\n- e\n- f\nPick one; decode the base64 with atob().",
]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_look_alikes_arrive(aidlp_proxy, upstream_log, text: str) -> None:
    status, tag = _send(aidlp_proxy, [{"role": "user", "content": text}])
    assert status == 200
    assert _arrived(upstream_log, tag, timeout=5.0)


def test_token_id_array_embedding_is_blocked(aidlp_proxy, upstream_log) -> None:
    """RT-57: ids 0-93 are the bytes '!'..'~' in OpenAI's vocabularies; the server decodes."""
    ids = [ord(c) - 33 for c in NINO]
    tag = secrets.token_hex(6)
    with pytest.raises(openai.PermissionDeniedError):
        _client(aidlp_proxy).embeddings.create(
            model="text-embedding-3-small", input=[ids], extra_headers={"x-test-tag": tag}
        )
    assert not _arrived(upstream_log, tag, timeout=0.5)


def _upload(proxy, name: str, data: bytes, mime: str) -> tuple[int, str]:
    tag = secrets.token_hex(6)
    try:
        _client(proxy).files.create(
            file=(name, data, mime), purpose="assistants", extra_headers={"x-test-tag": tag}
        )
    except openai.PermissionDeniedError as exc:
        return exc.status_code, tag
    return 200, tag


def _hidden_entry_zip() -> bytes:
    import struct
    import zlib

    def local(name: bytes, data: bytes) -> tuple[bytes, tuple[int, int, int]]:
        comp = zlib.compress(data)[2:-4]
        crc = zlib.crc32(data)
        head = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(comp), len(data), len(name), 0
        )
        return head + name + comp, (crc, len(comp), len(data))

    hidden, _ = local(b"notes.txt", f"Claimant NI {NINO}\n".encode())
    shown, (crc, csize, usize) = local(b"readme.txt", b"nothing to see\n")
    central = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            *(0x02014B50, 20, 20, 0, 8, 0, 0, crc, csize, usize, 10, 0, 0, 0, 0, 0, len(hidden)),
        )
        + b"readme.txt"
    )
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), len(hidden) + len(shown), 0
    )
    return hidden + shown + central + end


def _png_with_text() -> bytes:
    import io

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", f"Claimant NI {NINO}")
    buf = io.BytesIO()
    Image.new("RGB", (64, 32), "white").save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


UPLOADS = {
    "xml CDATA split": (
        "case.xml",
        b'<?xml version="1.0"?><case><ni><![CDATA[JG10]]><![CDATA[3759A]]></ni></case>',
        "application/xml",
    ),
    "zip local entry outside the central directory": (
        "n.zip",
        _hidden_entry_zip(),
        "application/zip",
    ),
    "ics line folding": (
        "m.ics",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:claimant NI JG1037\r\n 59A\r\nEND:VEVENT\r\n"
        b"END:VCALENDAR\r\n",
        "text/calendar",
    ),
    "utf-16be text without a BOM": (
        "n.txt",
        f"Notes: NI {NINO} ok".encode("utf-16-be"),
        "text/plain",
    ),
    "png text chunk": ("p.png", _png_with_text(), "image/png"),
}


@pytest.mark.parametrize("kind", sorted(UPLOADS))
def test_uploaded_file_evasion_is_blocked(aidlp_proxy, upstream_log, kind: str) -> None:
    name, data, mime = UPLOADS[kind]
    status, tag = _upload(aidlp_proxy, name, data, mime)
    assert status == 403, kind
    assert not _arrived(upstream_log, tag, timeout=0.5)


def test_value_in_an_id_field_is_blocked(aidlp_proxy, upstream_log) -> None:
    """RT-20: an id-shaped field is skipped only when it holds no value's shape."""
    tag = secrets.token_hex(6)
    with pytest.raises(openai.PermissionDeniedError):
        _client(aidlp_proxy).chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hello"}],
            store=True,
            metadata={"case_id": NINO},
            extra_headers={"x-test-tag": tag},
        )
    assert not _arrived(upstream_log, tag, timeout=0.5)


def test_json_records_typed_in_a_user_message_are_blocked(aidlp_proxy, upstream_log) -> None:
    """RT-62: records of names and conditions pasted as JSON text into a prompt."""
    records = json.dumps(
        [
            {"name": "Jane Smith", "condition": "multiple sclerosis"},
            {"name": "John Brown", "condition": "HIV"},
        ]
    )
    status, tag = _send(aidlp_proxy, [{"role": "user", "content": f"{records} -> summarise"}])
    assert status == 403
    assert not _arrived(upstream_log, tag, timeout=0.5)
