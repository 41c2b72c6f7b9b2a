"""Reloader addon: SIGHUP, a watched-file change or a new ``aidlp_config`` value reloads.

Installs the SIGHUP handler first thing at start-up (an unhandled SIGHUP would kill the
proxy) and accepts reloads once the workers are up. The reload itself
(:class:`proxy.reload.Reloader`) builds the new runtime off the event loop and swaps it into
the :class:`~proxy.addons.host.RuntimeHost` whole.
"""

from __future__ import annotations

from mitmproxy import ctx, exceptions

from proxy.addons.host import RuntimeHost
from proxy.config import ConfigError, load_config
from proxy.reload import Reloader


class ConfigReloader:
    """Drives a :class:`~proxy.reload.Reloader` on the host."""

    def __init__(self, host: RuntimeHost) -> None:
        self.host = host
        self.reloader = Reloader(host, lambda: ctx.options.aidlp_config or None)
        host.on_ready.append(self.reloader.ready)

    def configure(self, updated: set[str]) -> None:
        if "aidlp_config" not in updated or not self.reloader.running or not self.host.serving:
            return
        try:
            load_config(ctx.options.aidlp_config or None)  # refuse a bad value at once
        except ConfigError as exc:
            raise exceptions.OptionsError(f"aidlp: {exc}") from None
        self.reloader.request("option")

    async def running(self) -> None:
        self.reloader.start()

    def done(self) -> None:
        self.reloader.stop()
