"""OpenAI API bodies, and every OpenAI-compatible API (Azure OpenAI, Mistral, OpenRouter, Groq,
Together, Perplexity API, xAI, GitHub Copilot, Gemini's OpenAI endpoint, Hugging Face router).

Claimed by path suffix on any AI-tool host:
- ``/chat/completions``: every message (the whole history, not only the newest), string or
  content-part arrays (``text``, ``image_url``, ``input_audio``, ``file``, ``refusal``),
  assistant ``tool_calls[].function.arguments`` and legacy ``function_call`` (JSON strings,
  decoded), ``tool``/``function`` role outputs; OpenRouter's ``models`` fallback list.
- ``/responses``: ``instructions``, ``input`` (string or items: messages with ``input_text``,
  ``input_image``, ``input_file`` parts; ``function_call`` arguments;
  ``function_call_output``; ``custom_tool_call`` input; reasoning summaries).
- ``/completions`` and Mistral ``/fim/completions``: ``prompt`` (string or list) and ``suffix``.
- ``/embeddings`` and ``/moderations``: ``input`` (string or list).
- Token-id arrays (``prompt``/``input`` as ``[9906, 1917, ...]`` or a list of them): decoded
  as the server does, with the model's vocabulary (:mod:`proxy.extract.tokens`); an array no
  shipped vocabulary can read is blocked (``uninspectable``).
- ``/images/generations``, ``/audio/speech``, assistants and thread messages: via the
  residual sweep (every string field), with OpenAI's error shape.
- Azure: ``/openai/deployments/{deployment}/...``: the deployment is the model.

Formats confirmed against the public OpenAI API reference and the ``openai`` Python SDK.
Anything not modelled above is still scanned by the residual sweep.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import API, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.tokens import decode
from proxy.extract.values import as_list, get, path_join

_ENDPOINT = re.compile(
    r"/(chat/completions|completions|fim/completions|agents/completions|responses|embeddings|"
    r"moderations|images/(generations|edits|variations)|audio/speech|assistants(/[^/]+)?|"
    r"threads(/[^/]+)?(/messages|/runs)?(/[^/]+)?|threads/runs|batches|conversations(/.*)?|"
    r"realtime/sessions)/?$"
)
_AZURE_DEPLOYMENT = re.compile(r"/openai/deployments/([^/]+)/")


def content_parts(col: Collector, content: Any, where: str) -> None:
    """A message's ``content``: a string, or an array of typed parts (chat or responses)."""
    for at, part in col.content(content, where):
        kind = part.get("type", "")
        for key in ("text", "refusal", "input_text", "output_text"):
            if isinstance(part.get(key), str):
                col.text(part[key], f"{at}.{key}")
        if kind in ("image_url", "input_image"):
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            _url(col, url, f"{at}.image_url", "image/*")
        elif kind == "input_audio":
            col.media("audio", at)
            col.handled.add(str(get(part, "input_audio", "data")))
        elif kind in ("file", "input_file"):
            file = part.get("file") if isinstance(part.get("file"), dict) else part
            name = file.get("filename") or ""
            col.text(name, f"{at}.filename")
            if isinstance(file.get("file_data"), str):
                _url(col, file["file_data"], f"{at}.file_data")
            _url(col, file.get("file_url"), f"{at}.file_url")


def _url(col: Collector, url: Any, where: str, mime: str = "") -> None:
    """An image/file reference: a ``data:`` URL or raw base64 is decoded and inspected; a
    remote URL is scanned as text (the provider fetches it, the proxy cannot see it)."""
    if not isinstance(url, str) or not url:
        return
    if url.startswith("data:"):
        col.blob(url, where)
    elif url.startswith(("http://", "https://")) or not col.blob(url, where, content_type=mime):
        col.text(url, where)


def chat_messages(col: Collector, messages: Any, where: str = "messages") -> None:
    for index, message in enumerate(as_list(messages)):
        at = path_join(where, index)
        if not isinstance(message, dict):
            col.value(message, at)
            continue
        content_parts(col, message.get("content"), f"{at}.content")
        col.text(message.get("name"), f"{at}.name")
        for call_index, call in enumerate(as_list(message.get("tool_calls"))):
            arguments = get(call, "function", "arguments")
            col.value(arguments, f"{at}.tool_calls[{call_index}].function.arguments")
        col.value(get(message, "function_call", "arguments"), f"{at}.function_call.arguments")
        audio = message.get("audio")
        if isinstance(audio, dict) and isinstance(audio.get("data"), str):
            col.media("audio", f"{at}.audio")
            col.handled.add(audio["data"])


def responses_input(col: Collector, items: Any, where: str = "input") -> None:
    if isinstance(items, str):
        col.text(items, where)
        return
    for index, item in enumerate(as_list(items)):
        at = path_join(where, index)
        if not isinstance(item, dict):
            col.value(item, at)
            continue
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            content_parts(col, item.get("content"), f"{at}.content")
        elif kind == "function_call":
            col.value(item.get("arguments"), f"{at}.arguments")
        elif kind in ("function_call_output", "custom_tool_call_output"):
            output = item.get("output")
            if isinstance(output, list):
                content_parts(col, output, f"{at}.output")
            else:
                col.value(output, f"{at}.output")
        elif kind == "custom_tool_call":
            col.value(item.get("input"), f"{at}.input")
        elif kind == "reasoning":
            for s_index, summary in enumerate(as_list(item.get("summary"))):
                col.text(get(summary, "text"), f"{at}.summary[{s_index}]")
            col.opaque(item.get("encrypted_content"))


def prompt_list(col: Collector, value: Any, where: str, model: object = None) -> None:
    """``prompt``/``input``: a string, a list of strings, or token-id arrays. Ids are read as
    the server's lax validation reads them: integral floats (``41.0``, ``4.1e1``) are ids;
    a list of digit strings is read as strings *and* as ids (when they decode)."""
    if isinstance(value, str):
        col.text(value, where)
    elif isinstance(value, list):
        if value and all(_is_token(item) for item in value):
            token_ids(col, _ids(value), where, model)
            return
        if value and all(_is_digit_string(item) for item in value):
            optional_token_ids(col, _ids(value), where, model)
        for index, item in enumerate(value):
            if isinstance(item, str):
                col.text(item, path_join(where, index))
            elif isinstance(item, dict):
                col.value(item, path_join(where, index))
            elif isinstance(item, list) and item and all(_is_token(t) for t in item):
                token_ids(col, _ids(item), path_join(where, index), model)
            elif isinstance(item, list) and item and all(_is_digit_string(t) for t in item):
                optional_token_ids(col, _ids(item), path_join(where, index), model)
                col.value(item, path_join(where, index))


def _is_token(item: object) -> bool:
    if isinstance(item, float):
        return item.is_integer() and 0 <= item < 1 << 31
    return isinstance(item, int) and not isinstance(item, bool) and item >= 0


def _is_digit_string(item: object) -> bool:
    return isinstance(item, str) and 0 < len(item) <= 7 and item.isascii() and item.isdigit()


def _ids(items: list[Any]) -> list[int]:
    return [int(item) for item in items]


#: a lower-case letter then an upper-case one: where a word ended in a deduplicated text
_WORD_END = re.compile(r"(?<=[a-z])(?=[A-Z])")


def optional_token_ids(
    col: Collector, ids: list[int], where: str, model: object, deduplicated: bool = False
) -> None:
    """Numbers that may be token ids (digit strings, ``logit_bias`` keys): read as ids when
    some shipped vocabulary decodes them; never blocked for not decoding (they are also read
    as what they are). ``deduplicated``: the ids are the keys of an object, each token once,
    so a text spelt in them lost its repeated tokens, spaces among them (``My NI number is
    JG103729A`` reads ``My NInumberisJG103729A``): also read with a space where a lower-case
    letter meets an upper-case one (red team RT-57)."""
    decoded = decode(ids, model)
    if decoded is None:
        return
    col.budget.exclude(decoded.load_seconds)
    for name, text in decoded.texts:
        col.text(text, f"{where}<tokens:{name}>")
        if deduplicated:
            col.text(_WORD_END.sub(" ", text), f"{where}<tokens:{name}><words>")


def token_ids(col: Collector, ids: list[int], where: str, model: object) -> None:
    """A token-id array, read as the server decodes it (every candidate vocabulary's reading
    when the model is unknown); blocked when no shipped vocabulary can read it."""
    decoded = decode(ids, model)
    if decoded is None:
        col.unreadable("token-id array no shipped vocabulary can decode")
    col.budget.exclude(decoded.load_seconds)
    for name, text in decoded.texts:
        col.text(text, f"{where}<tokens:{name}>")


class OpenAIAdapter(JsonAdapter):
    name = "openai"
    error_style = "openai"
    tier = API
    paths = (_ENDPOINT,)
    examples = (
        ("POST", "https://api.openai.com/v1/chat/completions", "application/json"),
        ("POST", "https://api.openai.com/v1/responses", "application/json"),
        ("POST", "https://api.mistral.ai/v1/fim/completions", "application/json"),
        ("POST", "https://api.cohere.com/compatibility/v1/chat/completions", "application/json"),
        (
            "POST",
            "https://x.openai.azure.com/openai/deployments/d/chat/completions",
            "application/json",
        ),
    )

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        if not isinstance(data, dict):
            return None, []
        path = view.path.rstrip("/")
        model = data.get("model")
        deployment = _AZURE_DEPLOYMENT.search(view.path)
        if not model and deployment:
            model = deployment.group(1)
        if path.endswith("/responses"):
            col.text(data.get("instructions"), "instructions")
            responses_input(col, data.get("input"))
        elif path.endswith("/completions") and "messages" in data:
            chat_messages(col, data.get("messages"))
        elif path.endswith("/completions"):
            prompt_list(col, data.get("prompt"), "prompt", model)
            col.text(data.get("suffix"), "suffix")
        elif path.endswith(("/embeddings", "/moderations")):
            prompt_list(col, data.get("input"), "input", model)
        elif "messages" in data:
            chat_messages(col, data.get("messages"))
        bias = data.get("logit_bias")
        if isinstance(bias, dict) and bias and all(_is_digit_string(key) for key in bias):
            # the ids a request favours, in the order sent: a prompt can be spelt in them
            optional_token_ids(col, _ids(list(bias)), "logit_bias<keys>", model, True)
        others = data.get("models") if isinstance(data.get("models"), list) else []
        return model, others


OPENAI = OpenAIAdapter()
