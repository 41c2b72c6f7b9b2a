"""Test-only mitmproxy script: make one stage of aidlp's handling raise, on demand.

Loaded with `aidlp run -- -s tests/e2e/faults.py`; never part of the product. The stage to
break is read from the file named by AIDLP_TEST_FAULT_FILE on every call (empty: none), so
one proxy process serves every stage. Functions are replaced wherever they are referenced
(every imported module and every loaded addon script), so the test does not depend on how
the addon is split into modules.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from pathlib import Path
from typing import Any

from mitmproxy import ctx

FAULT_FILE = Path(os.environ["AIDLP_TEST_FAULT_FILE"])


class InjectedFault(RuntimeError):
    pass


def active(stage: str) -> bool:
    try:
        return FAULT_FILE.read_text().strip() == stage
    except OSError:
        return False


def faulty(stage: str, original: Any) -> Any:
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            if active(stage):
                raise InjectedFault(stage)
            return await original(*args, **kwargs)

        return async_wrapper

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if active(stage):
            raise InjectedFault(stage)
        return original(*args, **kwargs)

    return wrapper


def _namespaces() -> list[dict[str, Any]]:
    spaces = [vars(m) for m in list(sys.modules.values()) if m is not None]
    seen: set[int] = set()
    stack = list(ctx.master.addons.chain)
    while stack:
        addon = stack.pop()
        if id(addon) in seen:
            continue
        seen.add(id(addon))
        stack.extend(getattr(addon, "addons", []) or [])
        for value in vars(type(addon)).values():
            function = getattr(value, "__wrapped__", value)
            if inspect.isfunction(function):
                spaces.append(function.__globals__)
    return spaces


def patch_function(stage: str, module: str, name: str) -> int:
    original = getattr(sys.modules[module], name)
    replacement = faulty(stage, original)
    count = 0
    for space in _namespaces():
        for key, value in list(space.items()):
            if value is original:
                space[key] = replacement
                count += 1
    return count


def patch_method(stage: str, cls: type, name: str) -> None:
    setattr(cls, name, faulty(stage, getattr(cls, name)))


class Faults:
    def running(self) -> None:
        import proxy.approvals.store as store
        import proxy.events.recorder as recorder
        import proxy.extract
        import proxy.policy
        import proxy.responses
        import proxy.transport.names  # noqa: F401
        import proxy.worker_pool as worker_pool

        patch_function("headers", "proxy.transport.names", "flow_names")
        patch_method("approval", store.ApprovalStore, "check")
        patch_function("extraction", "proxy.extract", "extract")
        patch_function("extraction", "proxy.extract", "extract_view")
        patch_function("extraction", "proxy.extract", "extract_websocket_message")
        patch_method("scan", worker_pool.ScanPool, "scan")
        patch_function("decision", "proxy.policy", "decide")
        patch_function("response", "proxy.responses", "render")
        patch_function("response", "proxy.responses", "websocket_close_reason")
        patch_method("recording", recorder.EventRecorder, "emit")


addons = [Faults()]
