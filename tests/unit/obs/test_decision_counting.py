"""The decision's event and metrics, built the quick way, are the ones the plain way built:
summarise() against the straightforward per-finding loop it replaced, and Metrics counting
through remembered label children against fresh ``labels()`` calls."""

from __future__ import annotations

import random
from types import SimpleNamespace

from prometheus_client import CollectorRegistry

from proxy.events.model import FindingSummary
from proxy.inspection.record import summarise
from proxy.metrics import Metrics


def plain_summarise(findings, image_ranges=()):
    totals = {}
    for f in findings:
        origin = "image" if any(a <= f.start < b for a, b in image_ranges) else None
        entry = totals.setdefault((f.category, f.entity_type, f.detector, origin), [0, 0.0])
        entry[0] += 1
        entry[1] = max(entry[1], round(f.score, 3))
    return [FindingSummary(c, e, n, s, d, o) for (c, e, d, o), (n, s) in totals.items()]


def findings(rng: random.Random, n: int):
    kinds = [("PERSONAL_DATA", "UK_NINO", "Nino"), ("PERSONAL_DATA", "PERSON", "Names"),
             ("CREDENTIALS", "AWS_KEY", "Creds")]  # fmt: skip
    for _ in range(n):
        category, entity, detector = rng.choice(kinds)
        score = rng.choice([0.0, 0.5, 0.85, 0.8505, 0.8504999, 1.0, rng.random()])
        yield SimpleNamespace(
            category=category, entity_type=entity, detector=detector,
            start=rng.randint(0, 500), score=score,
        )  # fmt: skip


def test_summarise_matches_the_plain_loop() -> None:
    rng = random.Random(12)
    for _ in range(300):
        found = list(findings(rng, rng.randint(0, 40)))
        images = rng.choice([[], [(0, 100)], [(50, 60), (200, 400)]])
        assert summarise(found, images) == plain_summarise(found, images)


def event(tool: str, decision: str, finding_types: list[tuple[str, str, str]]):
    return SimpleNamespace(
        findings=[FindingSummary(c, e, 2, 0.9, d) for c, e, d in finding_types],
        categories=sorted({c for c, _, _ in finding_types}),
        tool=tool, decision=decision, blocked=decision == "block", reason="findings",
        approval_result=None, scanned_chars=100, scan_ms=1.0, scan_failure=None,
    )  # fmt: skip


def exported(metrics: Metrics) -> dict:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in metrics.registry.collect()
        for s in family.samples
        if not s.name.endswith("_created")
    }


def test_remembered_children_count_what_labels_counts() -> None:
    quick, plain = Metrics(CollectorRegistry()), Metrics(CollectorRegistry())
    plain._child = lambda metric, *values: metric.labels(*values)  # no memory
    types = [("PERSONAL_DATA", "UK_NINO", "Nino"), ("CREDENTIALS", "AWS_KEY", "Creds")]
    events = [event("openai", "block", types), event("openai", "allow", []),
              event("claude", "block", types[1:]), event("openai", "block", types)]  # fmt: skip
    for metrics in (quick, plain):
        for e in events:
            metrics.on_decision(e)
            metrics.event_emitted("ai.request.blocked")
    assert exported(quick) == exported(plain)
    counted = exported(quick)
    assert counted[("aidlp_findings_total", (("category", "PERSONAL_DATA"),
                                             ("entity_type", "UK_NINO")))] == 4  # fmt: skip
    assert counted[("aidlp_requests_total", (("decision", "block"), ("tool", "openai")))] == 2
