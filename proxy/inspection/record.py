"""Record: one typed event per outcome, handed to every subscriber (event recorder, metrics).

:func:`decision_event` builds the :class:`~proxy.events.model.DecisionEvent` of an
:class:`~proxy.inspection.model.Outcome` (findings summed per category, entity type and
detector; never a value). :class:`Recording` fans it out: ``EventRecorder.on_decision``
renders the JSON line, ``Metrics.on_decision`` counts it. A new sink is one more subscriber.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from proxy.events.model import DecisionEvent, FindingSummary
from proxy.inspection.model import Outcome
from proxy.register.subjects import subject_fields

log = logging.getLogger("aidlp")

Subscriber = Callable[[DecisionEvent], None]
Keeper = Callable[[Outcome], None]


#: The ``where`` suffix of a segment holding text that OCR read out of an image.
IMAGE_SEGMENT = " (image)"


def image_spans(extraction: Any) -> list[tuple[int, int]]:
    """Character ranges of ``extraction.text`` that OCR read out of images."""
    spans, offset = [], 0
    for segment in getattr(extraction, "segments", None) or []:
        if segment.where.endswith(IMAGE_SEGMENT):
            spans.append((offset, offset + len(segment.text)))
        offset += len(segment.text) + 2  # Extraction.text joins segments with a blank line
    return spans


def summarise(findings: Iterable, image_ranges: list[tuple[int, int]] = ()) -> list[FindingSummary]:
    """Findings summed per (category, entity type, detector, origin), in first-seen order;
    the highest score of each, rounded to 3 places (rounding is monotonic: rounded once, at
    the end)."""
    totals: dict[tuple[str, str, str, str | None], list] = {}
    for f in findings:
        origin = (
            "image" if image_ranges and any(a <= f.start < b for a, b in image_ranges) else None
        )
        key = (f.category, f.entity_type, f.detector, origin)
        entry = totals.get(key)
        if entry is None:
            totals[key] = [1, max(0.0, f.score)]
        else:
            entry[0] += 1
            entry[1] = max(entry[1], f.score)
    return [
        FindingSummary(category, entity_type, count, round(score, 3), detector, origin)
        for (category, entity_type, detector, origin), (count, score) in totals.items()
    ]


def decision_event(outcome: Outcome) -> DecisionEvent:
    """The event of ``outcome`` (the proxy user, else the client address, as ``user``)."""
    subject, decision, result = outcome.subject, outcome.decision, outcome.result
    return DecisionEvent(
        event=decision.event,
        incident_id=outcome.incident_id,
        user=subject.identity,
        client_ip=subject.client_ip,
        tool=subject.tool.id,
        host=subject.host,
        method=subject.method,
        path=subject.path.split("?", 1)[0] if subject.path is not None else None,
        decision=decision.action,
        reason=decision.reason,
        policy_clauses=list(decision.clauses),
        findings=summarise(result.findings, image_spans(outcome.extraction))
        if result is not None
        else [],
        approval=decision.approval,
        bytes_scanned=outcome.chars,
        scan_ms=outcome.scan_ms,
        content_hmac=outcome.content_hmac,
        stage=subject.stage,
        categories=list(result.categories) if result is not None else [],
        approval_result=decision.approval_result,
        scanned_chars=result.chars if result is not None else None,
        scan_failure=outcome.scan_failure,
        subject_hmacs=subject_fields(result).get("subject_hmacs", []),
    )


class Recording:
    """``record(outcome)``: build the event once, give it to each subscriber in turn; then
    hand the outcome itself to each keeper (sealed evidence of a block needs its text)."""

    def __init__(self, subscribers: Iterable[Subscriber], keepers: Iterable[Keeper] = ()) -> None:
        self.subscribers = list(subscribers)
        self.keepers = list(keepers)

    def record(self, outcome: Outcome) -> DecisionEvent:
        """Every subscriber sees the event; the first failure is raised afterwards (the hook
        then fails closed: a decision that cannot be recorded is not acted on)."""
        event = decision_event(outcome)
        failed: Exception | None = None
        for subscriber in self.subscribers:
            try:
                subscriber(event)
            except Exception as exc:
                log.error("aidlp: a recorder failed (%s)", type(exc).__name__)
                failed = failed or exc
        if failed is not None:
            raise failed
        for keeper in self.keepers:
            keeper(outcome)
        return event
