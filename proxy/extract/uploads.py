"""Raw file uploads: a PUT/POST whose body *is* the file. ChatGPT uploads to Azure blob
storage on ``*.oaiusercontent.com`` (PUT, ``x-ms-blob-type``), Gemini and AI Studio use
Google's resumable upload protocol (``/upload/...``, ``X-Goog-Upload-Command``), and other
tools PUT to signed URLs. The body goes through the file sniffer: text and documents are
extracted, images and media are uninspectable.

A large upload split into blocks (Azure ``comp=block``, Google chunked uploads) arrives one
chunk at a time. A first chunk of a zip or PDF does not open on its own and fails closed
(``unparseable``); a middle chunk has no magic number and is scanned for printable strings.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from proxy.extract.adapter import BODY_SHAPE, Adapter, host_matches
from proxy.extract.collector import Collector
from proxy.extract.datatypes import Extraction, RequestView
from proxy.extract.multipart import Part
from proxy.extract.values import is_json_type

_FILE_MIMES = ("application/octet-stream", "application/pdf", "application/zip")
_FILE_PREFIXES = ("image/", "audio/", "video/", "application/vnd.", "application/msword")


def _filename(view: RequestView) -> str:
    for header in ("x-goog-upload-file-name", "x-file-name", "x-filename", "x-ms-meta-name"):
        if view.header(header):
            return view.header(header)
    disposition = view.header("content-disposition")
    if disposition:
        found = Part({"content-disposition": "x; " + disposition}, b"").disposition("filename")
        if found:
            return found
    for key, value in parse_qsl(view.query):
        if key.lower() in ("filename", "file_name", "name"):
            return value
    return ""


class RawUploadAdapter(Adapter):
    """Claims PUT/POST/PATCH bodies on its upload hosts, with an upload-protocol header, or
    declared as a file type (on any AI-tool host)."""

    name = "upload"
    tier = BODY_SHAPE
    hosts = (
        "oaiusercontent.com",
        "*.oaiusercontent.com",
        "content-push.googleapis.com",
        "*.content-push.googleapis.com",
        "blob.core.windows.net",
        "*.blob.core.windows.net",
        "storage.googleapis.com",
        "*.storage.googleapis.com",
    )
    examples = (
        ("PUT", "https://files.oaiusercontent.com/file-abc", "application/octet-stream"),
        ("PUT", "https://files.oaiusercontent.com/file-abc", "text/plain"),
        ("POST", "https://api.anthropic.com/v1/upload", "application/pdf"),
    )

    def claims(self, view: RequestView) -> bool:
        if view.method not in ("PUT", "POST", "PATCH") or view.mime.startswith("multipart/"):
            return False
        if view.mime == "application/x-www-form-urlencoded":
            return False
        if host_matches(view.host, self.hosts):
            return True
        if view.header("x-goog-upload-command") or view.header("x-ms-blob-type"):
            return True
        if is_json_type(view):
            return False
        return view.mime in _FILE_MIMES or view.mime.startswith(_FILE_PREFIXES)

    def extract(self, view: RequestView, col: Collector) -> Extraction:
        filename = _filename(view)
        if filename:
            col.text(filename, "upload.filename")
        col.file(view.body, "upload", view.content_type, filename)
        return self.result(col)


RAW_UPLOAD = RawUploadAdapter()
