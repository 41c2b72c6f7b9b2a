"""Value types shared by every detector and by the proxy (picklable, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

Category = Literal[
    "PERSONAL_DATA", "SPECIAL_CATEGORY", "OFFICIAL_SENSITIVE", "NON_PUBLIC_CODE", "CREDENTIALS"
]

#: The contract categories of ../shared/DESIGN.md, in display order.
CATEGORIES: Final[tuple[str, ...]] = (
    "PERSONAL_DATA",
    "SPECIAL_CATEGORY",
    "OFFICIAL_SENSITIVE",
    "NON_PUBLIC_CODE",
    "CREDENTIALS",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected entity. Offsets index the *original* (un-normalised) text.

    ``meta`` carries non-sensitive extra facts only (for example matched fingerprint
    counts or repository names); never the matched value.
    """

    category: str
    entity_type: str
    start: int
    end: int
    score: float
    detector: str
    meta: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class ScanResult:
    """Document-level outcome of one scan.

    ``findings`` are the findings that count after the combination rules (a bare
    public-figure name, for example, is not among them). ``categories`` is the
    sorted set of their categories: what the policy decides on.
    """

    findings: list[Finding] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    chars: int = 0
    elapsed_ms: float = 0.0
    #: (family, keyed hash) per strong identifier, filled in by the proxy's scan workers
    #: when a subject key is configured (proxy/register/subjects.py); never a raw value.
    subject_hmacs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Seam:
    """The text across consecutive boundaries between the parts of a request
    (proxy/extract/seams.py): pieces of the parts, joined by a space or by nothing.

    ``runs`` map ``text`` back to the scanned document: ``(start in text, start in the
    document, length)`` per piece, in order (joining characters belong to no run); a boundary
    lies between two consecutive runs.
    """

    text: str
    runs: tuple[tuple[int, int, int], ...]

    def crosses(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` has characters on both sides of a boundary."""
        return any(
            start < left[0] + left[2] and end > right[0]
            for left, right in zip(self.runs, self.runs[1:], strict=False)
        )

    def to_document(self, start: int, end: int) -> tuple[int, int]:
        """Map ``text[start:end]`` to the span of the document it was cut from (the pieces
        of a seam may come from the document in another order: fragments given last part
        first, :mod:`detectors.fragments`; the span then covers every piece touched)."""
        touched = [r for r in self.runs if start < r[0] + r[2] and r[0] < end]
        if not touched:  # only joining characters: the piece before them
            touched = [next(r for r in reversed(self.runs) if r[0] < end)]
        begin = min(r[1] + max(start - r[0], 0) for r in touched)
        finish = max(r[1] + min(end - r[0], r[2]) for r in touched)
        return begin, finish
