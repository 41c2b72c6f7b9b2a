"""DeepSeek through routes the model check did not parse (red team RT-67 / RT-85), and AI
upload storage in every S3 host form (RT-82), through the real `aidlp run` with the
recording upstream: the request never arrives, an event is recorded; the same request
naming another model, and a page slug that merely mentions DeepSeek, still go through."""

from __future__ import annotations

import json

import httpx
import pytest

HELLO = [{"role": "user", "content": "name three rivers"}]
BOUNDARY = "bNd7x"
NINO = "AB 12 34 56 C"


def _multipart(*parts: tuple[str, str | None, str | None, str]) -> bytes:
    out = ""
    for name, filename, ctype, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        out += f"Content-Type: {ctype}\r\n" if ctype else ""
        out += f"\r\n{data}\r\n"
    return (out + f"--{BOUNDARY}--\r\n").encode()


def _batch_upload(model: str) -> bytes:
    lines = "\n".join(
        json.dumps({"custom_id": f"r{i}", "body": {"model": model, "messages": HELLO}})
        for i in range(2)
    )
    return _multipart(
        ("purpose", None, None, "batch-api"),
        ("file", "batch.jsonl", "application/jsonl", lines),
    )


def _refused(proxy, upstream_log, response, host: str, reason: str = "blocked_model") -> None:
    assert response.status_code == 403, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    incident = response.headers["X-AIDLP-Incident"]
    event = proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["event"] == "ai.tool.blocked"
    assert event["reason"] == reason


def _arrived(upstream_log, response, host: str) -> None:
    assert response.status_code == 200, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == host) is not None


MULTIPART = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}


@pytest.mark.parametrize(
    "host,path,model",
    [
        ("api.together.xyz", "/v1/files", "deepseek-ai/DeepSeek-R1"),
        ("api.groq.com", "/openai/v1/files", "deepseek-r1-distill-llama-70b"),
    ],
)
def test_a_batch_file_naming_deepseek_is_refused(aidlp_proxy, upstream_log, host, path, model):
    url = f"https://{host}{path}"
    with aidlp_proxy.httpx() as client:
        response = client.post(url, content=_batch_upload(model), headers=MULTIPART)
        _refused(aidlp_proxy, upstream_log, response, host)
        other = _batch_upload("meta-llama/Llama-3.3-70B-Instruct-Turbo")
        _arrived(upstream_log, client.post(url, content=other, headers=MULTIPART), host)


def test_a_multipart_model_field_is_refused(aidlp_proxy, upstream_log):
    body = _multipart(("model", None, None, "deepseek/deepseek-r1"), ("prompt", None, None, "hi"))
    with aidlp_proxy.httpx() as client:
        response = client.post(
            "https://openrouter.ai/api/v1/chat/completions", content=body, headers=MULTIPART
        )
    _refused(aidlp_proxy, upstream_log, response, "openrouter.ai")


@pytest.mark.parametrize(
    "url,body,other",
    [
        (
            "https://poe.com/api/gql_POST",
            {
                "queryName": "SendMessageMutation",
                "variables": {"bot": "DeepSeek-R1", "query": "hi"},
            },
            ("DeepSeek-R1", "GPT-4o"),
        ),
        (
            "https://api.githubcopilot.com/chat/completions",
            {"modelName": "deepseek-r1", "messages": HELLO},
            ("deepseek-r1", "gpt-4o"),
        ),
        (
            "https://api2.cursor.sh/aiserver.v1.ChatService/StreamUnifiedChatWithTools",
            {"modelDetails": {"modelName": "deepseek-r1"}, "conversation": [{"text": "hi"}]},
            ("deepseek-r1", "claude-3.5-sonnet"),
        ),
        (
            "https://openrouter.ai/api/v1/chat/completions",
            {"model": "openai/gpt-4o-mini", "extra_body": json.dumps({"model": "deepseek-chat"})},
            ("deepseek-chat", "gpt-4o"),
        ),
        (
            "https://www.perplexity.ai/rest/sse/perplexity_ask",
            {"query_str": "hi", "params": {"model_preference": "r1", "mode": "copilot"}},
            ('"r1"', '"pplx_pro"'),
        ),
        (  # red team RT-147: a model made from DeepSeek-R1 on Ollama's cloud
            "https://ollama.com/api/create",
            {"model": "casework-helper", "from": "deepseek-r1:671b", "system": "Be brief."},
            ("deepseek-r1:671b", "llama3.2"),
        ),
        (
            "https://ollama.com/api/create",
            {"model": "casework-helper", "modelfile": "FROM deepseek-r1:8b\nSYSTEM Be brief."},
            ("deepseek-r1:8b", "gemma3:4b"),
        ),
        (
            "https://ollama.com/api/copy",
            {"source": "deepseek-r1:14b", "destination": "team/helper"},
            ("deepseek-r1:14b", "qwen3:14b"),
        ),
    ],
    ids=[
        "poe-bot",
        "modelName",
        "modelDetails",
        "extra_body-string",
        "perplexity-r1",
        "ollama-create-from",
        "ollama-modelfile",
        "ollama-copy-source",
    ],
)
def test_app_specific_model_fields_are_read(aidlp_proxy, upstream_log, url, body, other):
    host = url.split("/")[2]
    raw = json.dumps(body)
    with aidlp_proxy.httpx() as client:
        response = client.post(url, content=raw, headers={"content-type": "application/json"})
        _refused(aidlp_proxy, upstream_log, response, host)
        clean = raw.replace(*other)
        ok = client.post(url, content=clean, headers={"content-type": "application/json"})
    _arrived(upstream_log, ok, host)


def test_a_model_in_the_query_under_an_app_name_is_refused(aidlp_proxy, upstream_log):
    with aidlp_proxy.httpx() as client:
        response = client.get(
            "https://you.com/api/streamingSearch",
            params={"q": "hello", "selectedAiModel": "deepseek_r1"},
        )
        _refused(aidlp_proxy, upstream_log, response, "you.com")
        ok = client.get(
            "https://you.com/api/streamingSearch", params={"q": "what is deepseek", "x": "1"}
        )
    _arrived(upstream_log, ok, "you.com")


def test_a_page_slug_mentioning_deepseek_is_no_model_selection(aidlp_proxy, upstream_log):
    """A Perplexity thread about DeepSeek was refused as if it asked for the model."""
    with aidlp_proxy.httpx() as client:
        ok = client.get("https://www.perplexity.ai/search/what-is-deepseek-and-who-made-it-x1Y2")
        _arrived(upstream_log, ok, "www.perplexity.ai")
        bot_page = client.get("https://poe.com/DeepSeek-R1")  # Poe's bot page picks the bot
    _refused(aidlp_proxy, upstream_log, bot_page, "poe.com")


@pytest.mark.parametrize(
    "url",
    [
        "https://someone-deepseek-r1-chat.hf.space/gradio_api/call/predict",
        "https://DeepSeek-R1-xqzpt.eastus2.models.ai.azure.com/chat/completions",
    ],
    ids=["hf-space", "foundry-host"],
)
def test_a_host_label_naming_deepseek_is_refused_at_connect(aidlp_proxy, upstream_log, url):
    """The name itself selects DeepSeek: the CONNECT is refused, so nothing ever connects to
    it (not even the TLS layer's connect at the ClientHello)."""
    host = url.split("/")[2].lower()
    earlier = len(aidlp_proxy.upstream_connects())  # the proxy is the whole session's
    events_before = len(aidlp_proxy.events())

    def after() -> list[dict]:
        return aidlp_proxy.events()[events_before:]

    with aidlp_proxy.httpx() as client, pytest.raises(httpx.ProxyError) as refused:
        client.post(url, json={"messages": HELLO})
    assert "403" in str(refused.value)
    assert not [c for c in aidlp_proxy.upstream_connects()[earlier:] if host in c.lower()]
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    # (a wildcard-matched name is recorded as its catalogue pattern: labels may hold data)
    assert aidlp_proxy.wait_event(lambda e: e.get("method") == "CONNECT" and e in after())
    refusals = [e for e in after() if e["event"] == "ai.tool.blocked" and e["method"] == "CONNECT"]
    assert [e["reason"] for e in refusals] == ["blocked_model"]


@pytest.mark.parametrize(
    "url,body,headers",
    [
        (
            "https://api.replicate.com/v1/predictions",
            {"version": "6c8c4b7f0f3a0c0b1b9e1a3c5b7d9e2f4a6c8e0b", "input": {"prompt": "hi"}},
            {},
        ),
        (
            "https://bedrock-runtime.eu-west-2.amazonaws.com/model/arn%3Aaws%3Asagemaker%3A"
            "eu-west-2%3A123456789012%3Aendpoint%2Fendpoint-quick-start-r1x/converse",
            {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
            {},
        ),
        (
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p1/locations/us-central1"
            "/endpoints/1234567890123456789:predict",
            {"instances": [{"prompt": "hi"}]},
            {},
        ),
        (
            "https://api.portkey.ai/v1/chat/completions",
            {"messages": HELLO},
            {"x-portkey-config": "pc-r1prod-1a2b3c"},
        ),
        (
            "https://api.portkey.ai/v1/chat/completions",
            {"model": "gpt-4o", "messages": HELLO},
            {"x-portkey-virtual-key": "ds-prod-7f3a"},
        ),
    ],
    ids=["replicate-version", "bedrock-marketplace", "vertex-endpoint", "portkey-config", "vkey"],
)
def test_ids_that_do_not_say_the_model_are_refused(aidlp_proxy, upstream_log, url, body, headers):
    host = url.split("/")[2]
    with aidlp_proxy.httpx() as client:
        response = client.post(url, json=body, headers=headers)
    _refused(aidlp_proxy, upstream_log, response, host, "unknown_model")


def test_names_that_say_the_model_still_go_through(aidlp_proxy, upstream_log):
    host = "us-central1-aiplatform.googleapis.com"
    with aidlp_proxy.httpx() as client:
        ok = client.post(
            f"https://{host}/v1/projects/p1/locations/us-central1/endpoints/openapi/chat/completions",
            json={"model": "google/gemini-2.0-flash", "messages": HELLO},
        )
    _arrived(upstream_log, ok, host)


# ---- RT-82: the upload bucket in every S3 host form -----------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://ppl-ai-file-upload.s3.us-east-1.amazonaws.com/uploads/note.txt",
        "https://s3.amazonaws.com/ppl-ai-file-upload/uploads/note.txt",
        "https://s3.amazonaws.com/PPL-AI-FILE-UPLOAD/uploads/../uploads/note.txt",
    ],
    ids=["virtual-hosted-regional", "path-style", "path-style-forms"],
)
def test_an_upload_to_the_bucket_in_another_host_form_is_scanned(aidlp_proxy, upstream_log, url):
    host = url.split("/")[2]
    with aidlp_proxy.httpx() as client:
        response = client.put(
            url,
            content=f"Claimant NI number {NINO}.".encode(),
            headers={"content-type": "text/plain"},
        )
    assert response.status_code == 403, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    incident = response.headers["X-AIDLP-Incident"]
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["event"] == "ai.request.blocked"


def test_another_bucket_on_the_shared_s3_host_is_not_the_ai_tool(aidlp_proxy, upstream_log):
    """Path-style S3 is decrypted for the listed buckets' paths only: another bucket's upload
    is forwarded unaltered and unrecorded."""
    with aidlp_proxy.httpx() as client:
        ok = client.put(
            "https://s3.amazonaws.com/dept-reports/q3.txt",
            content=f"Claimant NI number {NINO}.".encode(),
            headers={"content-type": "text/plain"},
        )
    _arrived(upstream_log, ok, "s3.amazonaws.com")


# ---- RT-92: more endpoints serving DeepSeek models, now decrypted and checked ----------------


@pytest.mark.parametrize(
    "url,body,reason",
    [
        (
            "https://api.cloudflare.com/client/v4/accounts/0123abcd/ai/run/@cf/deepseek-ai/"
            "deepseek-r1-distill-qwen-32b",
            {"messages": HELLO},
            "blocked_model",
        ),
        (
            "https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/"
            "jumpstart-dft-deepseek-llm-r1-distill-qwen-7b/invocations",
            {"inputs": "hi"},
            "blocked_model",
        ),
        (
            "https://xy12345.us-east-1.snowflakecomputing.com/api/v2/cortex/inference:complete",
            {"model": "deepseek-r1", "messages": HELLO},
            "blocked_model",
        ),
        (
            "https://r1-endpoint.eastus2.inference.ml.azure.com/score",
            {"input": "hi"},
            "unknown_model",
        ),
        (
            "https://runtime.sagemaker.eu-west-2.amazonaws.com/endpoints/prod-llm/invocations",
            {"inputs": "hi"},
            "unknown_model",
        ),
    ],
    ids=["workers-ai", "sagemaker-jumpstart", "snowflake", "azure-ml", "sagemaker"],
)
def test_more_deepseek_serving_endpoints_are_refused(aidlp_proxy, upstream_log, url, body, reason):
    host = url.split("/")[2].lower()
    with aidlp_proxy.httpx() as client:
        response = client.post(url, json=body)
    _refused(aidlp_proxy, upstream_log, response, host, reason)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.monica.im/api/custom_bot/chat",
        "https://cloudcode-pa.googleapis.com/v1internal:streamGenerateContent",
        "https://kagi.com/assistant/prompt",
    ],
)
def test_more_ai_tools_are_scanned(aidlp_proxy, upstream_log, url):
    host = url.split("/")[2]
    with aidlp_proxy.httpx() as client:
        response = client.post(url, json={"prompt": f"My NI number is {NINO}"})
    assert response.status_code == 403, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    incident = response.headers["X-AIDLP-Incident"]
    event = aidlp_proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["event"] == "ai.request.blocked"


@pytest.mark.parametrize(
    "url",
    [
        "https://m365.cloud.microsoft/chat/api/message",  # red team RT-106
        "https://api.fireflies.ai/graphql",
        "https://textract.eu-west-2.amazonaws.com/",
    ],
)
def test_the_fourth_sweep_is_scanned(aidlp_proxy, upstream_log, url):
    host = url.split("/")[2]
    with aidlp_proxy.httpx() as client:
        response = client.post(url, json={"prompt": f"My NI number is {NINO}"})
    assert response.status_code == 403, response.text[:200]
    assert upstream_log.wait_for(lambda r: r.host == host, timeout=0.5) is None
    event = aidlp_proxy.wait_event(
        lambda e: e.get("incident_id") == response.headers["X-AIDLP-Incident"]
    )
    assert event is not None and event["event"] == "ai.request.blocked"


# ---- RT-110: a model named inside a protobuf body (no field names on the wire) ---------------


def _proto_field(number: int, data: bytes) -> bytes:
    return bytes([number << 3 | 2, len(data)]) + data


@pytest.mark.parametrize(
    "ctype,framed",
    [("application/connect+proto", True), ("application/proto", False), ("application/grpc", True)],
)
def test_a_deepseek_model_in_a_protobuf_body_is_refused(aidlp_proxy, upstream_log, ctype, framed):
    url = "https://api2.cursor.sh/aiserver.v1.ChatService/StreamUnifiedChatWithTools"

    def body(model: bytes) -> bytes:
        message = _proto_field(1, _proto_field(1, model)) + _proto_field(
            2, _proto_field(1, b"what is deepseek-r1 and who made it?")
        )
        return b"\x00" + len(message).to_bytes(4, "big") + message if framed else message

    with aidlp_proxy.httpx() as client:
        response = client.post(url, content=body(b"deepseek-r1"), headers={"content-type": ctype})
        _refused(aidlp_proxy, upstream_log, response, "api2.cursor.sh")
        ok = client.post(url, content=body(b"claude-3.5-sonnet"), headers={"content-type": ctype})
    assert ok.status_code == 200, ok.text[:200]  # a question about DeepSeek is no selection
