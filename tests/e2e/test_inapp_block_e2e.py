"""Issue 18: a blocked prompt from ChatGPT's or Claude's web app is explained inside the app's
own answer stream, read back in headless Chromium the way the app reads it.

Chromium opens the app's origin through `aidlp run` (so the request is same-origin, as the
app's own), then `fetch()`es the conversation endpoint with the app's recorded request
shape (path, headers, JSON body) and reads the server-sent events from
``response.body.getReader()``: ChatGPT's ``data: {"message": ...}`` events up to
``data: [DONE]``, Claude's Messages stream events up to ``message_stop``. The assistant turn
assembled from them must explain the block in staff words: the category, the clause, the
incident reference (the one in the header and in the recorded event) and what to do.

Both formats are private web APIs (best effort, marked so in proxy/extract/chatgpt_web.py and
claude_web.py); the shapes below follow public browser captures, not a live service.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.e2e.cdp import Browser

pytestmark = pytest.mark.e2e

NINO = "AB 12 34 56 C"
PROMPT = f"Draft a letter to the claimant, National Insurance number {NINO}, about the appeal."

#: ChatGPT web (chatgpt.com) ``POST /backend-api/f/conversation``: the shape of a new chat.
CHATGPT_REQUEST = {
    "path": "/backend-api/f/conversation",
    "headers": {
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
        "OAI-Language": "en-GB",
        "OAI-Device-Id": str(uuid.uuid4()),
    },
    "body": {
        "action": "next",
        "messages": [
            {
                "id": str(uuid.uuid4()),
                "author": {"role": "user"},
                "create_time": 1764600000.0,
                "content": {"content_type": "text", "parts": [PROMPT]},
                "metadata": {
                    "selected_github_repos": [],
                    "serialization_metadata": {"custom_symbol_offsets": []},
                    "dictation": False,
                },
            }
        ],
        "parent_message_id": "client-created-root",
        "model": "auto",
        "timezone_offset_min": 0,
        "timezone": "Europe/London",
        "conversation_mode": {"kind": "primary_assistant"},
        "enable_message_followups": True,
        "system_hints": [],
        "supports_buffering": True,
        "supported_encodings": ["v1"],
        "client_contextual_info": {"is_dark_mode": False, "page_height": 900, "page_width": 1400},
        "paragen_cot_summary_display_override": "allow",
        "force_parallel_switch": "auto",
    },
}

#: Claude web (claude.ai) ``POST /api/organizations/{org}/chat_conversations/{id}/completion``.
CLAUDE_REQUEST = {
    "path": f"/api/organizations/{uuid.uuid4()}/chat_conversations/{uuid.uuid4()}/completion",
    "headers": {
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
        "anthropic-client-platform": "web_claude_ai",
    },
    "body": {
        "prompt": PROMPT,
        "parent_message_uuid": "00000000-0000-4000-8000-000000000000",
        "timezone": "Europe/London",
        "personalized_styles": [
            {"type": "default", "key": "Default", "name": "Normal", "prompt": "Normal"}
        ],
        "locale": "en-GB",
        "tools": [],
        "attachments": [],
        "files": [],
        "sync_sources": [],
        "rendering_mode": "messages",
    },
}

#: fetch() the endpoint and read the SSE body as the app's stream reader does: ChatGPT's
#: classic events carry the whole assistant message so far (the last one wins); Claude's
#: content_block_delta events carry pieces of text to append.
READ_STREAM_JS = r"""
(async (request, format) => {
  const response = await fetch(request.path, {
    method: 'POST', headers: request.headers, body: JSON.stringify(request.body),
    credentials: 'include',
  });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '', text = '', done = false, roles = [];
  const events = [];
  const handle = (block) => {
    let name = null, data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (!data.length) return;
    const payload = data.join('\n');
    events.push(name || 'message');
    if (format === 'chatgpt') {
      if (payload === '[DONE]') { done = true; return; }
      const message = JSON.parse(payload).message;
      if (message && message.content && message.content.parts) {
        roles.push(message.author.role);
        text = message.content.parts.join('');
      }
    } else {
      const event = JSON.parse(payload);
      if (event.type === 'message_start') roles.push(event.message.role);
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
        text += event.delta.text;
      if (event.type === 'message_stop') done = true;
    }
  };
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, {stream: true});
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      handle(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
    }
  }
  return {status: response.status, contentType: response.headers.get('content-type'),
          decision: response.headers.get('x-aidlp-decision'),
          incident: response.headers.get('x-aidlp-incident'),
          events, roles, text, done};
})
"""


def read_stream(page, request: dict, format: str) -> dict:
    return page.evaluate(f"({READ_STREAM_JS})({json.dumps(request)}, {json.dumps(format)})")


def assert_explains_the_block(answer: dict, proxy, host: str) -> None:
    assert answer["status"] == 200, answer  # the app renders a 200 stream; a 403 it hides
    assert answer["contentType"].startswith("text/event-stream")
    assert answer["decision"] == "block" and answer["done"] is True
    assert answer["roles"] and set(answer["roles"]) == {"assistant"}
    incident = answer["incident"]
    assert re.fullmatch(r"AIDLP-[0-9A-F]{12}", incident), incident
    text = answer["text"]
    assert "nothing was sent to the AI tool" in text
    assert "personal data" in text  # the category, in staff words
    assert "PS2" in text and "PS3" in text  # the clauses
    assert "What you can do" in text and "Remove the personal data" in text
    assert "Data Protection Impact Assessment" in text
    assert f"Incident reference: `{incident}`" in text
    assert "PERSONAL_DATA" not in text and "X-AIDLP" not in text
    assert NINO not in text and NINO.replace(" ", "") not in text
    event = proxy.wait_event(lambda e: e.get("incident_id") == incident)
    assert event is not None and event["event"] == "ai.request.blocked"
    assert event["host"] == host and event["reason"] == "findings"


@pytest.mark.parametrize(
    "host,request_shape,format",
    [
        ("chatgpt.com", CHATGPT_REQUEST, "chatgpt"),
        ("claude.ai", CLAUDE_REQUEST, "claude"),
    ],
    ids=["chatgpt", "claude"],
)
def test_the_web_app_reads_the_block_as_an_assistant_turn(
    aidlp_proxy, upstream_log, tmp_path, host, request_shape, format
):
    with Browser(aidlp_proxy.url, tmp_path / "profile", trust_ca=aidlp_proxy.mitm_ca) as browser:
        page = browser.open(f"https://{host}/", until=f"location.host === '{host}'")
        answer = read_stream(page, request_shape, format)
    assert_explains_the_block(answer, aidlp_proxy, host)
    # The prompt never reached the AI tool (the page load itself did).
    sent = upstream_log.wait_for(
        lambda r: r.host.startswith(host) and r.method == "POST", timeout=0.5
    )
    assert sent is None


def test_a_clean_prompt_streams_from_the_app_untouched(aidlp_proxy, upstream_log, tmp_path):
    """Control: the same fetch without personal data reaches the app and is not rewritten."""
    clean = json.loads(json.dumps(CLAUDE_REQUEST))
    clean["body"]["prompt"] = "Summarise the Highway Code rules on roundabouts."
    with Browser(aidlp_proxy.url, tmp_path / "profile", trust_ca=aidlp_proxy.mitm_ca) as browser:
        page = browser.open("https://claude.ai/", until="location.host === 'claude.ai'")
        answer = read_stream(page, clean, "claude")
    assert answer["decision"] is None and answer["incident"] is None
    assert "aidlp" not in answer["text"]
    sent = upstream_log.wait_for(lambda r: r.host.startswith("claude.ai") and r.method == "POST")
    assert sent is not None and sent.path == clean["path"]
