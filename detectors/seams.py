"""Findings across part boundaries: a value split between two messages or content parts of
one request (``"JG10"`` | ``"3729A"``).

The parts of a request are scanned as one document joined by blank lines, which identifier
recognisers do not cross. Extraction also hands the engine seams
(:class:`~detectors.types.Seam`): the text either side of the boundaries joined by one space
(the soft separator recognisers allow inside an identifier) and joined directly. The seams are scanned as one
document of their own, and a seam finding counts only if it **crosses a join** (so a value
wholly inside one part, already found in the main document, is not counted twice), is a value
that blocks alone (:data:`SEAM_TIERS`), and overlaps no main or earlier seam finding of the
same type (the two joinings of one run of parts find a value once). Its
offsets are mapped back to the main document, where the span covers the separator between
the parts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence

from detectors.base import Tier
from detectors.types import Finding, Seam

#: What a seam finding may be: a value that blocks alone (identifiers, contact details,
#: markings, credentials), split mid-value. Names, personal context and special-category
#: facts are words whose meaning is the document's: the main scan judges them, with every
#: part in view; taken from a seam they would join unrelated words of two parts
#: ("… Karim" | "Director …" read as a name).
SEAM_TIERS = frozenset({Tier.STRONG, Tier.CONTACT, Tier.DIRECT})

#: Seams are joined by blank lines in the seam document, so two seams never merge.
SEAM_SEPARATOR = "\n\n"


def seam_document(seams: Sequence[Seam]) -> tuple[str, list[int]]:
    """The document to scan, and where each seam starts in it."""
    starts: list[int] = []
    offset = 0
    for seam in seams:
        starts.append(offset)
        offset += len(seam.text) + len(SEAM_SEPARATOR)
    return SEAM_SEPARATOR.join(seam.text for seam in seams), starts


def crossing_findings(
    findings: Iterable[Finding], seams: Sequence[Seam], starts: Sequence[int]
) -> list[Finding]:
    """The seam-document findings that cross a join, in main-document offsets."""
    out: list[Finding] = []
    for finding in findings:
        index = _seam_at(starts, finding.start)
        seam, base = seams[index], starts[index]
        start, end = finding.start - base, finding.end - base
        if end > len(seam.text) or not seam.crosses(start, end):
            continue
        begin, finish = seam.to_document(start, end)
        meta = (*finding.meta, ("across", "parts"))
        out.append(
            Finding(
                finding.category,
                finding.entity_type,
                begin,
                finish,
                finding.score,
                finding.detector,
                meta,
            )
        )
    return out


def with_seam_findings(main: list[Finding], across: Iterable[Finding]) -> list[Finding]:
    """``main`` plus the seam findings that overlap no main finding of the same type."""
    kept = list(main)
    for finding in across:
        if any(
            f.entity_type == finding.entity_type
            and f.category == finding.category
            and f.start < finding.end
            and finding.start < f.end
            for f in kept
        ):
            continue
        kept.append(finding)
    return kept


def _seam_at(starts: Sequence[int], offset: int) -> int:
    """The index of the seam whose text holds ``offset``."""
    return max(bisect_right(starts, offset) - 1, 0)
