"""Log-line scrubbing: request bytes, URLs, credentials never reach a log line."""

from __future__ import annotations

import io
import logging

from proxy.events.logscrub import ScrubFilter, install, scrub

NINO = "JH457123D"
TOKEN = "sk-leakCanary0123456789abcdef"


def test_bytes_literals_are_redacted():
    line = f"127.0.0.1:5555: Bad HTTP request line: b'GET /people/{NINO}?t={TOKEN} HTTP/9.9 x'"
    out = scrub(line)
    assert NINO not in out and TOKEN not in out
    assert out.startswith("127.0.0.1:5555: Bad HTTP request line: b'<redacted ")
    assert scrub('data: b"with \\" escaped quote ' + NINO + '"').count(NINO) == 0


def test_urls_keep_host_lose_query_and_identifiers():
    out = scrub(f"error for https://api.openai.com/v1/people/{NINO}/chat?user={NINO}&k=1 now")
    assert out == "error for https://api.openai.com/v1/people/*/chat now"
    assert scrub("wss://user:pw@chatgpt.com/ws") == "wss://chatgpt.com/ws"


def test_credentials_are_cut():
    assert scrub(f"Authorization: Bearer {TOKEN}") == "Authorization: Bearer <redacted>"
    assert scrub(f"token={TOKEN}&x=1") == "token=<redacted>&x=1"
    assert scrub(f"api_key: {TOKEN}") == "api_key: <redacted>"


def test_plain_log_lines_are_unchanged():
    for line in (
        "[03:16:33.001] HTTP(S) proxy listening at 127.0.0.1:18080.",
        "127.0.0.1:50692: client connect",
        "server connect api.openai.com:443 (127.0.0.1:52209)",
        "aidlp: 1 scan workers ready",
    ):
        assert scrub(line) == line


def test_filter_on_root_handlers_scrubs_args_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.logscrub")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        assert install(logger) == 1
        assert install(logger) == 1  # idempotent
        logger.warning("bad request line: %r", f"GET /{NINO}".encode())
        try:
            raise ValueError(f"Bad HTTP request line: {f'GET /{NINO}'.encode()!r}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "bad request line: b'<redacted" in text
    assert "Traceback" in text and "ValueError" in text
    assert NINO not in text


def test_filter_never_drops_records():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    assert ScrubFilter().filter(record) is True
    assert record.getMessage() == "hello world"
