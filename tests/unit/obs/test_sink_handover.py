"""Sink hand-over: events offered during one event-loop turn wake the sink thread once."""

from __future__ import annotations

import asyncio
import threading
import time

from proxy.events.sinks.base import NullStats, Rendered, Sink


class Batches(Sink):
    name = "batches"

    def __init__(self) -> None:
        super().__init__(queue_size=100, stats=NullStats())
        self.batches: list[list[str]] = []
        self.got = threading.Event()

    def deliver(self, batch: list[Rendered]) -> None:
        self.batches.append([item.line for item in batch])
        self.got.set()


def item(n: int) -> Rendered:
    return Rendered("ai.request.allowed", f"line {n}", time.time())


def test_offers_on_the_loop_are_queued_together_at_the_next_turn():
    sink = Batches()
    sink.start()

    async def one_turn() -> tuple[int, int]:
        for n in range(5):
            sink.offer(item(n))
        held = (sink._queue.qsize(), sink.pending())  # nothing queued yet, all pending
        await asyncio.sleep(0)
        return held

    assert asyncio.run(one_turn()) == (0, 5)
    assert sink.got.wait(5)
    sink.close(5)
    assert sink.batches == [[f"line {n}" for n in range(5)]]  # one wake, one batch, in order


def test_offers_off_the_loop_are_queued_at_once_and_close_delivers_what_was_held():
    sink = Batches()
    sink.start()
    sink.offer(item(0))  # no running loop in this thread
    assert sink.got.wait(5)

    async def offer_then_close() -> None:
        sink.offer(item(1))
        sink.close(5)  # before the loop's next turn: still delivered

    asyncio.run(offer_then_close())
    assert [line for batch in sink.batches for line in batch] == ["line 0", "line 1"]
    assert sink.delivered == 2
