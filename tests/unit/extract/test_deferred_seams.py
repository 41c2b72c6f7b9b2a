"""DeferredSeams: the same seams as building them at once, built where they are used."""

from __future__ import annotations

import dataclasses
import pickle

from proxy.extract import RequestView, extract_view
from proxy.extract.datatypes import SEGMENT_SEPARATOR, Segment
from proxy.extract.deferred_seams import DeferredSeams
from proxy.extract.seams import seams

PARTS = [
    Segment("My NI number, the first half is JG10", "messages[0].content[0].text"),
    Segment("37", "messages[0].content[1].text"),
    Segment("and the rest is 29A, thanks", "messages[1].content"),
    Segment("x" * 120 + " card 4111 1111", "messages[2].content"),
    Segment("1111 1111", "messages[3].content"),
]


def test_same_seams_in_the_same_order() -> None:
    deferred = DeferredSeams(PARTS)
    assert deferred._built is None  # nothing built until used
    assert list(deferred) == seams(PARTS)
    assert len(deferred) == len(seams(PARTS)) > 0
    assert deferred[0] == seams(PARTS)[0]


def test_pickles_as_its_parts_not_as_built_seams() -> None:
    deferred = DeferredSeams(PARTS)
    list(deferred)  # built here...
    copy = pickle.loads(pickle.dumps(deferred))
    assert copy._built is None  # ...but the worker gets the parts and builds them itself
    assert list(copy) == seams(PARTS)


def test_a_snapshot_of_the_parts() -> None:
    segments = list(PARTS[:2])
    deferred = DeferredSeams(segments)
    segments.append(Segment("3729A", "messages[0].content[2].text"))  # metadata added later
    assert list(deferred) == seams(PARTS[:2])


def test_moved_is_the_seams_shifted_after_the_new_ones() -> None:
    ahead = seams([Segment("the tail JG", "context"), PARTS[0]])[:1]
    shift = 17
    eager = ahead + [
        dataclasses.replace(s, runs=tuple((a, b + shift, n) for a, b, n in s.runs))
        for s in seams(PARTS)
    ]
    moved = DeferredSeams(PARTS).moved(shift, ahead)
    assert moved._built is None
    assert list(moved) == eager
    twice = DeferredSeams(PARTS, 0, ahead).moved(5).moved(7)
    assert list(twice) == [
        dataclasses.replace(s, runs=tuple((a, b + 12, n) for a, b, n in s.runs))
        for s in ahead + seams(PARTS)
    ]


def test_extraction_defers_its_seams() -> None:
    body = (
        b'{"model": "gpt-4o", "messages": [{"role": "user", "content": ['
        b'{"type": "text", "text": "JG10"}, {"type": "text", "text": "3729A"}]}]}'
    )
    view = RequestView(
        method="POST",
        host="api.openai.com",
        path="/v1/chat/completions",
        query="",
        body=body,
        content_type="application/json",
    )
    extraction = extract_view(view)
    assert isinstance(extraction.seams, DeferredSeams)
    assert extraction.seams._built is None
    assert list(extraction.seams) == seams(extraction.segments)
    assert any("JG103729A" in s.text for s in extraction.seams)
    assert SEGMENT_SEPARATOR.join(s.text for s in extraction.segments).count("JG10") == 1
