"""Issue 15 item 6: crafted documents cannot stop AI use through the proxy.

A tiny PDF whose one page holds hundreds of thousands of text operators keeps pypdf busy for
tens of seconds, and the extraction time budget used to be checked only between pages, on
threads that cannot be stopped. Documents are now extracted in worker processes killed at
the deadline, with a per-client cap; ordinary prompts do not queue behind them.
"""

from __future__ import annotations

import io
import threading
import zlib

import pytest

from tests.e2e.conftest import TEST_CONFIG

NINO = "AB 12 34 56 C"
CONFIG = (
    TEST_CONFIG
    + """
extraction:
  timeout_seconds: 3
"""
)


def crafted_pdf(operators: int) -> bytes:
    """One page, one Flate content stream of ``operators`` show-text operations (~10 KB)."""
    content = b"BT /F1 1 Tf " + b"1 0 0 1 0 0 Tm (a) Tj " * operators + b"ET"
    stream = zlib.compress(content, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


@pytest.fixture(scope="module")
def dos_proxy(start_proxy):
    return start_proxy(CONFIG, name="extraction-dos")


def test_benign_prompts_keep_flowing_during_a_crafted_pdf_attack(dos_proxy, upstream_log):
    pdf = crafted_pdf(400_000)
    assert len(pdf) < 40_000
    attack_status: list[int] = []

    def attack() -> None:
        with dos_proxy.httpx(timeout=120) as client:
            response = client.post(
                "https://api.openai.com/v1/files",
                files={"file": ("report.pdf", pdf, "application/pdf")},
                data={"purpose": "assistants"},
            )
            attack_status.append(response.status_code)

    attackers = [threading.Thread(target=attack) for _ in range(7)]
    for thread in attackers:
        thread.start()
    benign: list[int] = []
    with dos_proxy.httpx(timeout=120) as client:
        for i in range(5):
            response = client.post(
                "https://api.openai.com/v1/chat/completions",
                json={
                    "model": "gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"benign question {i}"}],
                },
            )
            benign.append(response.status_code)
        sensitive = client.post(
            "https://api.openai.com/v1/chat/completions",
            json={
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": f"NINO {NINO}"}],
            },
        )
    for thread in attackers:
        thread.join(150)
    assert benign == [200] * 5
    assert sensitive.status_code == 403  # scanning still works under attack
    # every crafted PDF was refused (deadline or per-client cap), none reached the AI tool
    assert sorted(attack_status) == [403] * 7
    assert upstream_log.wait_for(lambda r: r.path == "/v1/files", timeout=0.5) is None
    reasons = {e.get("reason") for e in dos_proxy.events() if e.get("path") == "/v1/files"}
    assert reasons <= {"too_large", "overloaded"} and reasons
