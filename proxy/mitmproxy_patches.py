"""Where aidlp changes mitmproxy's proxy layers: one way to patch a layer method, in one place.

mitmproxy 12 has no public API for a few things aidlp must do inside a connection (close a
websocket with a code, answer a request that is already upstream, read HTTP/1 trailers).
The modules that need one (:mod:`proxy.addons.mitmproxy_ws_close_patch`,
:mod:`proxy.upstream_timeouts`, :mod:`proxy.transport.http1_trailers`) patch a layer class
through :func:`patch_method` or :func:`route_injected`: idempotent, checked against the
installed mitmproxy's layout (a missing name makes the patch refuse, logged, rather than break
the layer), with the original kept as ``__wrapped__``.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Generator, Iterable
from typing import Any

log = logging.getLogger("aidlp")

Method = Callable[..., Any]
_installed: set[tuple[str, str, str, str]] = set()


def patch_method(
    module: str,
    class_name: str,
    method: str,
    wrap: Callable[[Method], Method],
    needed: Iterable[str] = (),
    tag: str = "",
) -> bool:
    """Replace ``module.class_name.method`` with ``wrap(original)`` once per ``tag``.

    Returns False (the layer left untouched) when the module, class, method or any of the
    module-level names ``needed`` is missing from this mitmproxy.
    """
    key = (module, class_name, method, tag or getattr(wrap, "__qualname__", repr(wrap)))
    if key in _installed:
        return True
    try:
        found = importlib.import_module(module)
    except ImportError:  # pragma: no cover - mitmproxy layout changed
        return False
    cls = getattr(found, class_name, None)
    original = getattr(cls, method, None)
    if cls is None or original is None or not all(hasattr(found, n) for n in needed):
        return False
    replacement = wrap(original)
    replacement.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(cls, method, replacement)
    _installed.add(key)
    return True


def route_injected(
    module: str,
    class_name: str,
    method: str,
    event_type: type,
    handler: Callable[[Any, Any], Generator[Any, Any, None]],
    needed: Iterable[str] = (),
) -> bool:
    """Teach a layer's event method to hand ``event_type`` events (injected through the proxy
    server's public ``inject_event``) to ``handler(layer, event)``; others go on as before."""

    def wrap(original: Method) -> Method:
        def routed(self: Any, event: Any) -> Generator[Any, Any, None]:
            if isinstance(event, event_type):
                return handler(self, event)
            return original(self, event)

        return routed

    return patch_method(module, class_name, method, wrap, needed, tag=event_type.__qualname__)
