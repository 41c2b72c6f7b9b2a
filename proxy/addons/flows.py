"""Between mitmproxy flows and the pipeline: plain views of a flow, and replies back.

The only place that reads a :class:`mitmproxy.http.HTTPFlow` for the pipeline's sake, so
the pipeline (:mod:`proxy.inspection`) never sees mitmproxy.
"""

from __future__ import annotations

from typing import Any

from mitmproxy import http

from proxy.catalogue import Tool
from proxy.inspection import HttpRequest, Subject
from proxy.responses import Reply
from proxy.transport.metadata import header_text
from proxy.transport.names import bare_host, flow_names

#: ``flow.metadata`` key of the AI tool a flow goes to (set by the connection gate).
TOOL_KEY = "aidlp.tool"


def tool_of(flow: http.HTTPFlow) -> Tool | None:
    return flow.metadata.get(TOOL_KEY)


def subject_of(
    flow: http.HTTPFlow, tool: Tool, token: str | None = None, stage: str | None = None
) -> Subject:
    """Who sends ``flow`` to ``tool`` (the proxy-auth user only, never the password)."""
    auth = flow.metadata.get("proxyauth")  # (user, password)
    client = flow.client_conn.peername
    request = flow.request
    return Subject(
        tool=tool,
        host=request.pretty_host,
        method=request.method,
        path=request.path,
        accept=request.headers.get("accept", ""),
        client_ip=client[0] if client else None,
        user=str(auth[0]) if auth else None,
        approval_token=token,
        stage=stage,
    )


def connection_subject(tool: Tool, host: str, client: Any, stage: str) -> Subject:
    """A connection refused before any HTTP (ClientHello): the client address identifies."""
    return Subject(tool=tool, host=host, client_ip=client[0] if client else None, stage=stage)


def http_request_of(flow: http.HTTPFlow) -> HttpRequest:
    """The request as it arrived (body still Content-Encoded; decoded in the pipeline)."""
    request = flow.request
    return HttpRequest(
        method=request.method,
        host=request.pretty_host,
        path=request.path,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=request.raw_content or b"",
        header_pairs=_pairs(request.headers),
        trailer_pairs=_pairs(request.trailers),
        names=_names(flow),
    )


def _names(flow: http.HTTPFlow) -> list[str]:
    """Every host name the flow carries to the AI host (SNI, Host, ``:authority``): their
    labels leave too (``jg103729a.openai.com``), so they are scanned like headers."""
    names = dict.fromkeys(filter(None, (bare_host(n) for n in flow_names(flow))))
    return list(names)


def _pairs(headers: http.Headers | None) -> list[tuple[str, str]]:
    if headers is None:
        return []
    return [(k.decode("latin-1"), header_text(v)) for k, v in headers.fields]


def response_of(reply: Reply) -> http.Response:
    return http.Response.make(reply.status, reply.body, reply.headers)
