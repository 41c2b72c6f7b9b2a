"""Google Gemini API bodies (Generative Language API and Vertex AI):
``models/{model}:generateContent`` / ``:streamGenerateContent`` / ``:countTokens`` /
``:embedContent`` / ``:batchEmbedContents`` / ``:batchGenerateContent``, and
``cachedContents``.

``contents[].parts[]`` (the whole history), ``systemInstruction`` / ``system_instruction``,
``content`` (embeddings), ``generateContentRequest`` (countTokens), ``requests[]`` (batches).
Parts: ``text``; ``inlineData`` / ``inline_data`` (base64: documents extracted, images and
audio uninspectable); ``fileData.fileUri``; ``functionCall.args``; ``functionResponse.response``;
``executableCode.code``; ``codeExecutionResult.output``. Both camelCase and snake_case field
names are accepted (the REST API takes either). The model comes from the URL path.

Format confirmed against the public Gemini API reference and ``google-genai`` samples.
"""

from __future__ import annotations

import re
from typing import Any

from proxy.extract.adapter import API, JsonAdapter
from proxy.extract.collector import Collector
from proxy.extract.datatypes import RequestView
from proxy.extract.values import as_list, get, path_join

_ENDPOINT = re.compile(
    r"(:(generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents|"
    r"batchGenerateContent|predict|streamRawPredict|rawPredict)|/cachedContents(/[^/]+)?)$",
    re.I,
)
_MODEL = re.compile(r"/models/([^/:]+)")


def _pick(obj: dict[str, Any], camel: str, snake: str) -> Any:
    return obj.get(camel, obj.get(snake))


def parts(col: Collector, value: Any, where: str) -> None:
    for at, part in col.parts(value, where):
        col.text(part.get("text"), f"{at}.text")
        inline = _pick(part, "inlineData", "inline_data")
        if isinstance(inline, dict) and isinstance(inline.get("data"), str):
            mime = _pick(inline, "mimeType", "mime_type") or ""
            data = inline["data"]
            col.handled.add(data)
            col.blob(f"data:{mime or 'application/octet-stream'};base64,{data}", f"{at}.inlineData")
        file_data = _pick(part, "fileData", "file_data")
        if isinstance(file_data, dict):
            col.text(_pick(file_data, "fileUri", "file_uri"), f"{at}.fileData")
        call = _pick(part, "functionCall", "function_call")
        col.value(get(call, "args"), f"{at}.functionCall.args")
        response = _pick(part, "functionResponse", "function_response")
        col.value(get(response, "response"), f"{at}.functionResponse.response")
        code = _pick(part, "executableCode", "executable_code")
        col.text(get(code, "code"), f"{at}.executableCode")
        result = _pick(part, "codeExecutionResult", "code_execution_result")
        col.text(get(result, "output"), f"{at}.codeExecutionResult")


def content(col: Collector, value: Any, where: str) -> None:
    if isinstance(value, str):
        col.text(value, where)
    elif isinstance(value, dict):
        parts(col, value.get("parts"), f"{where}.parts")


def request_body(col: Collector, data: dict[str, Any], where: str = "") -> None:
    system = _pick(data, "systemInstruction", "system_instruction")
    content(col, system, path_join(where, "systemInstruction"))
    contents = data.get("contents")
    if isinstance(contents, dict | str):
        contents = [contents]
    for index, item in enumerate(as_list(contents)):
        content(col, item, f"{path_join(where, 'contents')}[{index}]")
    content(col, data.get("content"), path_join(where, "content"))
    inner = _pick(data, "generateContentRequest", "generate_content_request")
    if isinstance(inner, dict):
        request_body(col, inner, path_join(where, "generateContentRequest"))
    for index, request in enumerate(as_list(data.get("requests"))):
        if isinstance(request, dict):
            nested = request.get("request") if isinstance(request.get("request"), dict) else request
            request_body(col, nested, f"{path_join(where, 'requests')}[{index}]")


class GeminiAdapter(JsonAdapter):
    name = "gemini"
    error_style = "gemini"
    tier = API
    paths = (_ENDPOINT,)
    examples = (
        (
            "POST",
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent",
            "application/json",
        ),
        (
            "POST",
            "https://europe-west2-aiplatform.googleapis.com/v1/projects/p/locations/l/publishers"
            "/google/models/gemini-2.0-flash:streamGenerateContent",
            "application/json",
        ),
    )

    def walk(self, data: Any, view: RequestView, col: Collector) -> tuple[Any, list[Any]]:
        if isinstance(data, dict):
            request_body(col, data)
        match = _MODEL.search(view.path)
        model = match.group(1) if match else get(data, "model")
        return model, []


GEMINI = GeminiAdapter()
