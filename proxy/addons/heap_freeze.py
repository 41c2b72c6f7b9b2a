"""Heap freeze: the objects built at start-up are moved out of the garbage collector's sight.

The proxy process holds a large, long-lived heap once it is up (config, catalogue, runtime,
recogniser tables, mitmproxy's own state). CPython's full (oldest-generation) collections
walk all of it: under load, the requests in flight keep promoting objects, so a full
collection ran every few hundred requests at ~0.2 s of CPU each, on the event loop's thread
(0.45 ms a request of the main process's 6.9 ms, see bench/README.md). ``gc.freeze()`` once
the scan workers are up moves that heap to the permanent generation: collections then walk
only what was made since. Objects are still freed by reference counting as before; only
garbage *cycles* among frozen objects would stay, so a hot reload (which retires a whole
runtime) unfreezes, collects once and freezes the new heap.
"""

from __future__ import annotations

import gc
import logging

from proxy.addons.host import RuntimeHost

log = logging.getLogger("aidlp")


class HeapFreeze:
    """Freezes the heap when the workers are ready, and again after every hot reload."""

    def __init__(self, host: RuntimeHost) -> None:
        self.frozen = False
        host.on_ready.append(self.freeze)
        host.on_activate.append(self.refreeze)

    def freeze(self) -> None:
        """Collect what start-up left behind, then freeze the rest."""
        gc.collect()
        gc.freeze()
        self.frozen = True

    def refreeze(self) -> None:
        """After a swap: the retired runtime's cycles are collected, the new heap frozen."""
        if not self.frozen:
            return  # the first activation, before the workers are up
        gc.unfreeze()
        self.freeze()

    def done(self) -> None:
        if self.frozen:
            gc.unfreeze()
            self.frozen = False
