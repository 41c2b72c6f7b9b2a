"""One mitmproxy addon in front of aidlp's chain: each hook dispatched only to the addons
that define it.

mitmproxy dispatches every hook of every flow (``requestheaders``, ``request``,
``responseheaders``, ``response``, then an ``update`` after each) by walking the whole addon
tree: for a script's addons, a nested generator per level, a ``getattr`` and a
``hasattr(a, "addons")`` per addon and a fresh ``event.args()`` per handler. Over aidlp's
seventeen addons that walk cost more proxy CPU per request than most of aidlp's own work.
:class:`HookChain` is a leaf of that tree (no ``addons`` attribute): a hook's dispatcher is
built on first use and kept (None for a hook no member defines), calling the members'
handlers in chain order with the same arguments. Same order, same arguments, and an exception escaping a
member ends that hook's dispatch, as it did inside the script (mitmproxy logs it).

The members stay reachable by name (``ctx.master.addons.get("gracefulshutdown")``) and
their commands are collected, as when mitmproxy walked them itself.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Sequence
from typing import Any

from mitmproxy import hooks

#: Hooks mitmproxy still knows but warns about when an addon has them (``hasattr``).
_DEPRECATED = frozenset({"add_log"})


class HookChain:
    """Dispatches mitmproxy hooks to ``members``, in order, each hook only to its handlers."""

    name = "aidlp"

    def __init__(self, members: Sequence[Any]) -> None:
        self.members = list(members)

    def __getattr__(self, hook: str) -> Any:
        """A hook's dispatcher (None when no member handles it), built on first use and kept
        as an instance attribute. Any other missing name (``addons`` above all: mitmproxy
        would walk the members itself) is an AttributeError."""
        if hook.startswith("_") or hook not in hooks.all_hooks or hook == "load":
            raise AttributeError(hook)
        handlers = [h for h in (_handler(m, hook) for m in self.members) if h is not None]
        if not handlers and hook in _DEPRECATED:
            raise AttributeError(hook)  # mitmproxy warns about an addon that has one
        dispatcher = _dispatch(handlers) if handlers else None
        setattr(self, hook, dispatcher)
        return dispatcher

    def load(self, loader: Any) -> None:
        for member in self.members:
            handler = _handler(member, "load")
            if handler is not None:
                handler(loader)
        manager = loader.master.addons
        for member in self.members:
            # as mitmproxy's register() names them (a reloaded script's members replace)
            manager.lookup[getattr(member, "name", type(member).__name__.lower())] = member
            loader.master.commands.collect_commands(member)


def _handler(member: Any, hook: str) -> Callable[..., Any] | None:
    """``member``'s handler of ``hook``, as mitmproxy's own dispatch would find it."""
    func = getattr(member, hook, None)
    if not func or isinstance(func, types.ModuleType) or not callable(func):
        return None
    return func


def _dispatch(handlers: list[Callable[..., Any]]) -> Callable[..., Any]:
    """One hook's dispatcher: async when a handler is (mitmproxy then awaits it)."""
    if len(handlers) == 1:
        return handlers[0]
    if not any(inspect.iscoroutinefunction(h) for h in handlers):

        def call_all(*args: Any) -> None:
            for handler in handlers:
                handler(*args)

        return call_all

    async def await_all(*args: Any) -> None:
        for handler in handlers:
            result = handler(*args)
            if result is not None and inspect.isawaitable(result):
                await result

    return await_all
