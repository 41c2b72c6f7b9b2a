"""HookChain: aidlp's addons behind one mitmproxy addon, each hook only to its handlers."""

from __future__ import annotations

import asyncio

from mitmproxy.addonmanager import traverse
from mitmproxy.proxy.layers.http import HttpRequestHook, HttpResponseHook
from mitmproxy.test import taddons, tflow

from proxy.addons import HookChain, default_addons


class Recorder:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name, self.calls = name, calls

    def request(self, flow) -> None:
        self.calls.append(f"{self.name}.request")


class AsyncRecorder(Recorder):
    async def request(self, flow) -> None:
        await asyncio.sleep(0)
        self.calls.append(f"{self.name}.request-async")

    def response(self, flow) -> None:
        self.calls.append(f"{self.name}.response")


class Failing(Recorder):
    def request(self, flow) -> None:
        raise RuntimeError("boom")


def run(chain: HookChain, *hooks) -> None:
    async def go() -> None:
        with taddons.context(chain) as context:
            for hook in hooks:
                await context.master.addons.handle_lifecycle(hook)

    asyncio.run(go())


def test_hooks_reach_their_handlers_in_chain_order_with_the_flow():
    calls: list[str] = []
    flow = tflow.tflow(resp=True)
    chain = HookChain([Recorder("a", calls), AsyncRecorder("b", calls), Recorder("c", calls)])
    run(chain, HttpRequestHook(flow), HttpResponseHook(flow))
    assert calls == ["a.request", "b.request-async", "c.request", "b.response"]


def test_a_hook_no_member_defines_is_none_and_the_members_are_not_walked_twice():
    calls: list[str] = []
    chain = HookChain([Recorder("a", calls)])
    assert chain.websocket_message is None and chain.update is None
    assert not hasattr(chain, "add_log")  # mitmproxy would warn of a deprecated hook
    assert not hasattr(chain, "addons")  # else mitmproxy would call the members itself
    assert list(traverse([chain])) == [chain]
    run(chain, HttpRequestHook(tflow.tflow()))
    assert calls == ["a.request"]


def test_an_exception_ends_that_hooks_dispatch_as_inside_a_script():
    calls: list[str] = []
    flow = tflow.tflow(resp=True)
    chain = HookChain([Recorder("a", calls), Failing("f", calls), AsyncRecorder("b", calls)])
    run(chain, HttpRequestHook(flow), HttpResponseHook(flow))  # mitmproxy logs the error
    assert calls == ["a.request", "b.response"]


def test_the_default_chain_loads_behind_it_with_every_member_known_by_name():
    from mitmproxy.addons.proxyserver import Proxyserver

    members = default_addons()
    with taddons.context(Proxyserver(), HookChain(members)) as context:
        for member in members:
            name = getattr(member, "name", type(member).__name__.lower())
            assert context.master.addons.get(name) is member
        assert "aidlp_config" in context.options  # the members' load() added their options
