"""aidlp detectors: pure text in, findings out.

Nothing in this package imports mitmproxy. The proxy hands text to a
:class:`detectors.engine.ScanEngine` (in a worker process) and gets a
:class:`detectors.types.ScanResult` back.
"""
