"""The seams of a request's parts, built where they are scanned (issue 21: hot path).

Building seams (:func:`proxy.extract.seams.seams`, with its fragment pass) costs 0.1-0.5 ms
of CPU for a 2 KB chat request; on the proxy's event loop that is CPU the loop's one thread
spends on every request. Extraction records *which* parts the seams join
(:class:`DeferredSeams`); the first use builds them: in the scan worker when the pool scans
(it pickles as its parts, never as built seams), in process for ``aidlp scan`` and tests. The
seams are the same either way, in the same order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import overload

from detectors.types import Seam
from proxy.extract.datatypes import Segment


class DeferredSeams(Sequence[Seam]):
    """``ahead``, then the seams of ``parts`` (their offsets moved by ``shift``): a sequence
    of :class:`~detectors.types.Seam` built on first use."""

    __slots__ = ("_built", "ahead", "parts", "shift")

    def __init__(
        self, parts: Sequence[Segment], shift: int = 0, ahead: Sequence[Seam] = ()
    ) -> None:
        self.parts = tuple(parts)  # a snapshot: segments appended later are not joined
        self.shift = shift
        self.ahead = tuple(ahead)
        self._built: list[Seam] | None = None

    def moved(self, shift: int, ahead: Sequence[Seam] = ()) -> DeferredSeams:
        """These seams with their offsets moved by ``shift`` (a segment put before the
        parts), after ``ahead``: still unbuilt."""
        return DeferredSeams(
            self.parts, self.shift + shift, (*ahead, *(_moved(s, shift) for s in self.ahead))
        )

    def _seams(self) -> list[Seam]:
        if self._built is None:
            from proxy.extract.seams import seams

            built = seams(list(self.parts))
            if self.shift:
                built = [_moved(s, self.shift) for s in built]
            self._built = [*self.ahead, *built]
        return self._built

    def __reduce__(self) -> tuple:
        return DeferredSeams, (self.parts, self.shift, self.ahead)

    def __len__(self) -> int:
        return len(self._seams())

    def __iter__(self) -> Iterator[Seam]:
        return iter(self._seams())

    @overload
    def __getitem__(self, index: int) -> Seam: ...
    @overload
    def __getitem__(self, index: slice) -> list[Seam]: ...
    def __getitem__(self, index: int | slice) -> Seam | list[Seam]:
        return self._seams()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DeferredSeams | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable cache, compared by content

    def __repr__(self) -> str:
        state = "unbuilt" if self._built is None else f"{len(self._built)} seams"
        return f"DeferredSeams({len(self.parts)} parts, shift={self.shift}, {state})"


def _moved(seam: Seam, shift: int) -> Seam:
    return dataclasses.replace(seam, runs=tuple((a, b + shift, n) for a, b, n in seam.runs))
