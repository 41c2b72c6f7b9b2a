"""The inspection pipeline with plain objects: no mitmproxy, no private methods."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json

import pytest

from detectors.types import Finding, ScanResult
from proxy.approvals import ApprovalStore
from proxy.config import AidlpConfig, load_config
from proxy.extract.settings import UninspectableAction
from proxy.inspection import HttpRequest, Inspector, Outcome, Subject, WebsocketMessage
from proxy.policy import Mode
from proxy.worker_pool import ScanFailure
from tests.unit.extract.extract_helpers import PNG_1PX

NINO = "AB123456C"
PNG = base64.b64encode(PNG_1PX).decode()


class WordScanner:
    """Finds NINO as PERSONAL_DATA, or fails the way it is told to."""

    def __init__(self, fail: str | None = None, crash: bool = False) -> None:
        self.fail = fail
        self.crash = crash
        self.texts: list[str] = []

    async def scan(self, text: str, seams=(), body_end=None) -> ScanResult:
        self.texts.append(text)
        if self.crash:
            raise KeyError("bug")
        if self.fail:
            raise ScanFailure(self.fail)
        if NINO not in text:
            return ScanResult([], [], len(text), 0.2)
        start = text.index(NINO)
        finding = Finding("PERSONAL_DATA", "UK_NINO", start, start + len(NINO), 0.95, "uk_nino")
        return ScanResult([finding, finding], ["PERSONAL_DATA"], len(text), 0.4)


def config(**sections) -> AidlpConfig:
    base = load_config(None).config
    return base.model_copy(update=sections)


def inspector(scanner=None, cfg=None, approvals=None) -> Inspector:
    loaded = load_config(None)
    return Inspector(
        cfg or loaded.config,
        loaded.catalogue,
        scanner or WordScanner(),
        approvals,
        content_hmac=lambda text: "ab" * 32,
    )


def tool(tool_id: str = "openai"):
    loaded = load_config(None)
    return loaded.catalogue.tools[tool_id]


def subject(host="api.openai.com", path="/v1/chat/completions", **kw) -> Subject:
    return Subject(tool(kw.pop("tool_id", "openai")), host=host, method="POST", path=path, **kw)


def chat(content: str, model: str = "gpt-4o", host="api.openai.com", path=None) -> HttpRequest:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": content}]})
    return HttpRequest(
        "POST",
        host,
        path or "/v1/chat/completions",
        {"content-type": "application/json"},
        body.encode(),
    )


def run(coro) -> Outcome:
    return asyncio.run(coro)


def test_clean_request_is_allowed_without_an_incident():
    outcome = run(inspector().inspect(chat("plan the team offsite"), subject()))
    assert outcome.decision.action == "allow" and outcome.decision.reason == "clean"
    assert outcome.incident_id is None
    assert outcome.extraction is not None and outcome.extraction.adapter == "openai"
    assert outcome.chars == len(outcome.extraction.text) and outcome.content_hmac == "ab" * 32
    assert outcome.scan_ms == 0.2


def test_findings_block_with_incident_style_and_figures():
    outcome = run(inspector().inspect(chat(f"my NINO is {NINO}"), subject()))
    assert outcome.blocked and outcome.decision.reason == "findings"
    assert outcome.decision.categories == ["PERSONAL_DATA"]
    assert outcome.incident_id and outcome.incident_id.startswith("AIDLP-")
    assert outcome.style == "openai"
    assert outcome.result is not None and len(outcome.result.findings) == 2


def test_browser_gets_html():
    outcome = run(inspector().inspect(chat(NINO), subject(accept="text/html")))
    assert outcome.blocked and outcome.style == "html"


def test_compressed_body_is_decoded_before_extraction():
    request = chat(f"NINO {NINO}")
    request.body = gzip.compress(request.body)
    request.headers = {**request.headers, "content-encoding": "gzip"}
    assert run(inspector().inspect(request, subject())).blocked


def test_query_string_is_inspected():
    request = HttpRequest("GET", "chatgpt.com", f"/?q={NINO}")
    outcome = run(inspector().inspect(request, subject("chatgpt.com", "/", tool_id="openai")))
    assert outcome.blocked


def test_bodyless_get_carries_no_content():
    assert not HttpRequest("GET", "chatgpt.com", "/c/abc").carries_content
    assert HttpRequest("GET", "chatgpt.com", "/?q=x").carries_content
    assert HttpRequest("POST", "chatgpt.com", "/x").carries_content


@pytest.mark.parametrize("reason", ["scan_error", "scan_timeout", "overloaded"])
def test_scan_failures_fail_closed_as_scan_errors(reason):
    outcome = run(inspector(WordScanner(fail=reason)).inspect(chat("hello"), subject()))
    assert outcome.blocked and outcome.decision.reason == reason
    assert outcome.decision.event == "ai.scan.error"
    assert outcome.scan_failure == reason and outcome.incident_id


def test_oversize_body_fails_closed_without_scanning():
    scanner = WordScanner()
    cfg = config(limits=load_config(None).config.limits.model_copy(update={"max_body_bytes": 10}))
    outcome = run(inspector(scanner, cfg).inspect(chat("hello there"), subject()))
    assert outcome.blocked and outcome.decision.reason == "too_large"
    assert scanner.texts == []


def test_declared_length_over_the_limit_fails_closed():
    cfg = config(limits=load_config(None).config.limits.model_copy(update={"max_body_bytes": 10}))
    check = inspector(cfg=cfg).check_declared_length
    assert check(subject(), "11").decision.reason == "too_large"
    assert check(subject(), "10") is None and check(subject(), "") is None


def test_declared_json_that_does_not_parse_is_unparseable():
    request = HttpRequest(
        "POST",
        "api.openai.com",
        "/v1/chat/completions",
        {"content-type": "application/json"},
        b"{not json",
    )
    outcome = run(inspector().inspect(request, subject()))
    assert outcome.blocked and outcome.decision.reason == "unparseable"


def test_unexpected_exception_is_internal_error_and_blocks():
    outcome = run(inspector(WordScanner(crash=True)).inspect(chat("hello"), subject()))
    assert outcome.blocked and outcome.decision.reason == "internal_error"
    assert outcome.decision.event == "ai.scan.error" and outcome.scan_failure == "internal_error"


def test_blocked_model_is_refused():
    outcome = run(inspector().inspect(chat("hello", model="deepseek-chat"), subject()))
    assert outcome.blocked and outcome.decision.reason == "blocked_model"
    assert outcome.decision.event == "ai.tool.blocked" and outcome.decision.clauses == ["PS6"]


def test_blocked_tool_is_refused_in_monitor_mode_too():
    cfg = config(policy=load_config(None).config.policy.model_copy(update={"mode": Mode.MONITOR}))
    outcome = inspector(cfg=cfg).refuse_tool(subject("chat.deepseek.com", tool_id="deepseek"))
    assert outcome.blocked and outcome.decision.reason == "blocked_tool"


def test_monitor_mode_lets_findings_through_and_records_them():
    cfg = config(policy=load_config(None).config.policy.model_copy(update={"mode": Mode.MONITOR}))
    outcome = run(inspector(cfg=cfg).inspect(chat(NINO), subject()))
    assert outcome.decision.action == "monitor" and outcome.decision.would_block
    assert outcome.incident_id is not None and not outcome.blocked


def test_monitor_mode_lets_failures_through():
    cfg = config(policy=load_config(None).config.policy.model_copy(update={"mode": Mode.MONITOR}))
    outcome = run(inspector(WordScanner(fail="scan_timeout"), cfg).inspect(chat("x"), subject()))
    assert outcome.decision.action == "monitor" and outcome.decision.reason == "scan_timeout"


def test_uninspectable_content_is_monitored_or_blocked():
    body = json.dumps(
        {
            "model": "gpt-4o",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image_url",
                            "image_url": {"url": f"data:image/png;base64,{PNG}"},
                        }
                    ],
                }
            ],
        }
    ).encode()
    request = HttpRequest(
        "POST", "api.openai.com", "/v1/chat/completions", {"content-type": "application/json"}, body
    )
    # this scanner cannot read images (as with OCR off): the default blocks, monitor lets by
    outcome = run(inspector().inspect(request, subject()))
    assert outcome.blocked and outcome.decision.reason == "uninspectable"
    settings = load_config(None).config.extraction.model_copy(
        update={"uninspectable": UninspectableAction.MONITOR}
    )
    outcome = run(inspector(cfg=config(extraction=settings)).inspect(request, subject()))
    assert outcome.decision.action == "monitor" and outcome.decision.reason == "uninspectable"


class OneApproval:
    """An approval store stand-in that records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def check(self, token, *, user, tool, categories):
        self.asked.append((token, user, tool, tuple(categories)))
        return None


def test_approvals_are_asked_with_token_user_tool_and_categories():
    approvals = OneApproval()
    run(
        inspector(approvals=approvals).inspect(
            chat(NINO), subject(user="jane", approval_token="tok")
        )
    )
    assert approvals.asked == [("tok", "jane", "openai", ("PERSONAL_DATA",))]


def test_invalid_approval_token_blocks_with_its_result():
    store = ApprovalStore(load_config(None).config.policy.approvals)
    outcome = run(inspector(approvals=store).inspect(chat(NINO), subject(approval_token="x.y.z")))
    assert outcome.blocked and outcome.decision.approval_result == "invalid"


def test_websocket_messages_use_the_same_pipeline():
    message = WebsocketMessage(
        "copilot.microsoft.com",
        "/c/api/chat",
        json.dumps(
            {"event": "send", "content": [{"type": "text", "text": f"NINO {NINO}"}]}
        ).encode(),
    )
    ws_subject = subject("copilot.microsoft.com", "/c/api/chat", tool_id="microsoft_copilot")
    outcome = run(inspector().inspect_message(message, ws_subject))
    assert outcome is not None and outcome.blocked
    empty = WebsocketMessage("copilot.microsoft.com", "/c/api/chat", b"")
    assert run(inspector().inspect_message(empty, ws_subject)) is None


def test_plain_text_offsets_index_the_text():
    scanner = WordScanner()
    text = f"note: {NINO}"
    outcome = run(inspector(scanner).inspect_text(text, subject()))
    assert scanner.texts == [text] and outcome.blocked
    assert outcome.result.findings[0].start == text.index(NINO)


class CountingThreads:
    def __init__(self, monkeypatch) -> None:
        self.calls = 0
        original = asyncio.to_thread

        async def to_thread(func, *args, **kwargs):
            self.calls += 1
            return await original(func, *args, **kwargs)

        monkeypatch.setattr(asyncio, "to_thread", to_thread)


def test_small_plain_json_is_extracted_on_the_loop(monkeypatch):
    threads = CountingThreads(monkeypatch)
    assert run(inspector().inspect(chat(f"NINO {NINO}"), subject())).blocked
    assert threads.calls == 0


def test_compressed_or_file_carrying_json_is_extracted_in_a_thread(monkeypatch):
    threads = CountingThreads(monkeypatch)
    request = chat(f"NINO {NINO}")
    request.body = gzip.compress(request.body)
    request.headers = {**request.headers, "content-encoding": "gzip"}
    assert run(inspector().inspect(request, subject())).blocked
    assert threads.calls == 1
    blob = base64.b64encode(bytes(range(256)) * 4).decode()
    assert run(inspector().inspect(chat(f"NINO {NINO} {blob}"), subject())).blocked
    assert threads.calls == 2


def test_ocr_reads_only_the_first_max_pdf_pages_scanned_pages():
    """Rule (issue 20): ocr.max_pdf_pages bounds the text-less PDF pages read; pictures that
    are not PDF pages are not counted."""
    from proxy.extract.datatypes import ImagePart
    from proxy.inspection.pipeline import _within_page_limit

    images = [ImagePart(f"image:u<page {n}><no text layer>", "u", b"x") for n in (1, 1, 2, 3)]
    images.append(ImagePart("image:upload", "upload", b"y"))
    kept = _within_page_limit(images, 2)
    assert [i.marker for i in kept] == [
        "image:u<page 1><no text layer>",
        "image:u<page 1><no text layer>",
        "image:u<page 2><no text layer>",
        "image:upload",
    ]


class RecordingScanner(WordScanner):
    """Remembers the ``body_end`` it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.body_ends: list[int | None] = []

    async def scan(self, text: str, seams=(), body_end=None) -> ScanResult:
        self.body_ends.append(body_end)
        return await super().scan(text, seams)


def test_headers_follow_the_prompt_as_their_own_document():
    """Rule: the pipeline scans the prompt and the request metadata in one call, telling the
    scanner where the prompt ends, so that header words never frame the prompt."""
    scanner = RecordingScanner()
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]})
    pairs = [("content-type", "application/json"), ("x-stainless-lang", "python")]
    request = HttpRequest(
        "POST",
        "api.openai.com",
        "/v1/chat/completions",
        dict(pairs),
        body.encode(),
        header_pairs=pairs,
    )
    asyncio.run(inspector(scanner).inspect(request, subject()))
    (text,), (body_end,) = scanner.texts, scanner.body_ends
    assert body_end is not None
    assert "hello" in text[:body_end] and "x-stainless-lang" not in text[:body_end]
    assert "x-stainless-lang: python" in text[body_end:]


@pytest.mark.parametrize("method", ["JG103729A", "AKIAQ3EGRT5ZXWVPLM4N", "PROPFIND"])
def test_an_unknown_method_token_is_refused(method):
    """Rule: the method slot is free text to a server ('JG103729A /v1/models HTTP/1.1'):
    anything but the methods AI tools use fails closed as unparseable, unscanned."""
    scanner = WordScanner()
    request = HttpRequest(method, "api.openai.com", "/v1/models")
    outcome = asyncio.run(inspector(scanner).inspect(request, subject(path="/v1/models")))
    assert outcome.decision.action == "block" and outcome.decision.reason == "unparseable"
    allowed = asyncio.run(
        inspector(scanner).inspect(HttpRequest("GET", "api.openai.com", "/v1/models"), subject())
    )
    assert allowed is None or allowed.decision.action == "allow"
