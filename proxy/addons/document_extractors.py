"""Document extractors addon: the worker processes that read documents (PDF, Office,
archives), killed at their deadline, with a per-client limit (:mod:`proxy.extractpool`).

Options ``aidlp_extraction_workers`` and ``aidlp_extraction_per_client``; the pipeline hands
heavy bodies to :attr:`pool`, ordinary prompts never come here. The runtime host starts it
with the scan workers.
"""

from __future__ import annotations

from typing import Any

from mitmproxy import ctx, exceptions

from proxy.extractpool import ExtractionPool


class DocumentExtractors:
    """Owns the :class:`~proxy.extractpool.ExtractionPool` (rebuilt when its options change)."""

    def __init__(self) -> None:
        self.pool = ExtractionPool()

    def load(self, loader: Any) -> None:
        loader.add_option(
            "aidlp_extraction_workers",
            int,
            2,
            "Processes extracting documents (PDF, Office, archives), killed at their deadline.",
        )
        loader.add_option(
            "aidlp_extraction_per_client",
            int,
            1,
            "Document extractions one client may run at once (the rest wait, then fail closed).",
        )

    def configure(self, updated: set[str]) -> None:
        if not updated & {"aidlp_extraction_workers", "aidlp_extraction_per_client"}:
            return
        workers = ctx.options.aidlp_extraction_workers
        per_client = ctx.options.aidlp_extraction_per_client
        if workers < 1 or per_client < 1:
            raise exceptions.OptionsError(
                "aidlp: aidlp_extraction_workers and aidlp_extraction_per_client must be >= 1"
            )
        previous, self.pool = self.pool, ExtractionPool(workers, per_client)
        previous.shutdown()

    def done(self) -> None:
        self.pool.shutdown()
