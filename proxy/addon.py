"""The aidlp mitmproxy script: wires the addons of :mod:`proxy.addons`, nothing else.

Load it with ``aidlp run`` or the mitmproxy way: ``mitmdump -s proxy/addon.py``.

Per request: connection gate (catalogue) → approval-header taker → request inspector, which
hands the request to the inspection pipeline (:mod:`proxy.inspection`: extract → scan →
decide), answers a block (:mod:`proxy.responses`) and records the outcome (events, metrics).
One :class:`~proxy.addons.chain.HookChain` dispatches mitmproxy's hooks to them (cheaper
than mitmproxy walking seventeen addons for every hook of every flow).
Traffic to hosts that are not AI tools is never decrypted (TLS passthrough at ClientHello)
and never altered. Blocked tools (DeepSeek) are refused at CONNECT and at ClientHello, or
shown the block page over TLS (browsers), and never connected to.
"""

from __future__ import annotations

import os
import sys

# mitmproxy puts a script's own directory (proxy/) at the front of sys.path and leaves it
# there; worker processes inherit it. Our module names would then shadow real packages
# (proxy/catalogue.py vs the `catalogue` package spaCy needs). Import us as `proxy.*` only.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

from proxy.addons import HookChain, default_addons

addons = [HookChain(default_addons())]
