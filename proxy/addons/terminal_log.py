"""Terminal log placement after every config (re)load (see :mod:`proxy.startup_log`)."""

from __future__ import annotations

from mitmproxy import ctx

from proxy import startup_log
from proxy.addons.host import RuntimeHost


class TerminalLog:
    """Keeps mitmproxy's text log date-stamped, and off stdout while events use it."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        host.on_activate.append(self._apply)

    def _apply(self) -> None:
        runtime = self.host.runtime
        if runtime is not None:
            master = getattr(ctx, "master", None)
            startup_log.apply(runtime.loaded.config.events.stdout, master)
