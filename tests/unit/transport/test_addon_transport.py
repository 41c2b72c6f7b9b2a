"""The addon strips approval tokens from trailers too (issue 15 item 7)."""

from __future__ import annotations

import asyncio

from mitmproxy import http

from tests.unit.obs.test_addon_recording import addon, openai_flow  # noqa: F401 - fixture

APPROVAL = "X-AIDLP-Approval"


def test_approval_in_trailers_never_goes_upstream(addon):  # noqa: F811
    async def go():
        await addon.running()
        flow = openai_flow({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]})
        flow.request.trailers = http.Headers([(APPROVAL.encode(), b"a.b.c"), (b"x-ok", b"1")])
        addon.requestheaders(flow)
        await addon.request(flow)
        return flow

    flow = asyncio.new_event_loop().run_until_complete(go())
    assert APPROVAL not in flow.request.trailers
    assert flow.request.trailers["x-ok"] == "1"
