"""The proxy's own text log, as operators and log shippers read it.

- mitmproxy's terminal log lines carry a full UTC date-time stamp
  (``[2026-12-01T14:42:37.232Z]``, the events' timestamp form) instead of a bare time of day;
- with ``events.stdout`` on, stdout carries the JSON events alone and mitmproxy's text log
  (and its flow dumper) goes to stderr, so a shipper reading stdout gets clean JSON lines;
  with it off, the text log stays on stdout, mitmproxy's default.

``aidlp run`` applies this as soon as mitmproxy's master exists, before any script loads
(:func:`mitmdump`), so even the first lines follow it. Loaded the mitmproxy way
(``mitmdump -s proxy/addon.py``), the addon applies it when the config is loaded, and both
re-apply it after a reload (:class:`proxy.addons.terminal_log.TerminalLog`).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from mitmproxy.addons.termlog import TermLogHandler
from mitmproxy.utils import vt_codes

#: ISO 8601 in UTC, milliseconds, like the events' ``timestamp``.
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"
MSEC_FORMAT = "%s.%03dZ"


def text_log_stream(events_on_stdout: bool) -> TextIO:
    return sys.stderr if events_on_stdout else sys.stdout


def apply(events_on_stdout: bool, master: Any = None) -> int:
    """Date-stamp mitmproxy's terminal log and send it where it belongs; returns how many
    terminal log handlers were changed. Idempotent."""
    stream = text_log_stream(events_on_stdout)
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, TermLogHandler)]
    for handler in handlers:
        if handler.file is not stream:
            handler.file = stream
            colour = vt_codes.ensure_supported(stream)
            handler.has_vt_codes = colour
            handler.formatter.colorize = colour  # type: ignore[union-attr]
        formatter = handler.formatter
        assert formatter is not None
        formatter.converter = time.gmtime  # type: ignore[method-assign]
        formatter.default_time_format = TIME_FORMAT
        formatter.default_msec_format = MSEC_FORMAT
    dumper = master.addons.get("dumper") if master is not None else None
    if dumper is not None and getattr(dumper, "outfp", None) in (sys.stdout, sys.stderr):
        dumper.outfp = stream
    return len(handlers)


def mitmdump(argv: Sequence[str], events_on_stdout: bool) -> None:
    """mitmproxy's ``mitmdump`` entry point, with :func:`apply` done on its master at once."""
    from mitmproxy.tools import cmdline, dump
    from mitmproxy.tools.main import run

    class AidlpDumpMaster(dump.DumpMaster):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            apply(events_on_stdout, self)

    def extra(args: Any) -> dict[str, str]:  # as mitmproxy.tools.main.mitmdump does
        if args.filter_args:
            value = " ".join(args.filter_args)
            return {"save_stream_filter": value, "readfile_filter": value, "dumper_filter": value}
        return {}

    run(AidlpDumpMaster, cmdline.mitmdump, list(argv), extra)
