"""Builds the scan-worker template's engine: imported only as the forkserver's preload.

See :mod:`proxy.scan_template`. Importing this module anywhere else with
``AIDLP_SCAN_TEMPLATE_SETTINGS`` set would build an engine in that process: don't.
"""

from __future__ import annotations

import gc
import logging
import os

from proxy import scan_template

log = logging.getLogger("aidlp")


def _build() -> None:
    wanted = os.environ.get(scan_template.SETTINGS_ENV)
    if not wanted:
        return
    # No collections while the engine is built: it only allocates (about 8 % of the
    # template's CPU, on the start-up path); what it made is frozen below, then collection
    # resumes (the workers forked from here collect as usual).
    gc.disable()
    try:
        _build_engine(wanted)
    finally:
        gc.enable()


def _build_engine(wanted: str) -> None:
    try:
        from detectors.engine import ScanEngine
        from detectors.settings import DetectorSettings

        engine = ScanEngine(DetectorSettings.model_validate_json(wanted))
        engine.scan("warm up: Jane Doe, 10 Downing Street")  # first-call work done once, here
        # the workers build a request's seams (proxy.extract.deferred_seams): warm that too
        from proxy.extract.datatypes import Segment
        from proxy.extract.deferred_seams import DeferredSeams

        parts = [
            Segment("warm up: the first half is JG10", "m[0].c[0]"),
            Segment("37", "m[0].c[1]"),
        ]
        engine.scan("\n\n".join(p.text for p in parts), DeferredSeams(parts))
    except Exception as exc:  # never fatal: the workers then build their own engines
        log.warning("aidlp: scan worker template not built (%s)", type(exc).__name__)
        return
    import proxy.worker_pool  # noqa: F401  (what each worker unpickles, imported once here)

    scan_template.engine, scan_template.settings_json = engine, wanted
    scan_template.template_id = os.environ.get(scan_template.ID_ENV)
    gc.freeze()  # the template's objects stay shared with the workers (copy-on-write)


_build()
