"""Part boundaries as soft separators: the text across the boundaries of one request.

Segments are scanned joined by blank lines (:data:`SEGMENT_SEPARATOR`), which identifier
recognisers do not cross, so a value split across two messages or content parts of one
request (``"JG10"`` then ``"3729A"``) would be missed. So extraction also builds
seams (:class:`~detectors.types.Seam`): pieces of the parts joined by one space, which every
recogniser treats as the soft separator it allows inside an identifier ("JG10 3729A",
"943 476 5919"). A run of short parts (up to ``2 * SEAM_CHARS`` characters) goes into one seam
whole, so a value split over many parts is still whole; a longer part gives its first
:data:`SEAM_CHARS` characters to the seam before it and its last ones to the seam after it.
Seams never overlap, so the scan engine (:mod:`detectors.seams`) can keep the findings that
cross a join without counting one twice. Their size is bounded by the text's, and by
``2 * SEAM_CHARS + 1`` characters per boundary. Splitting across separate requests is out of
scope (no state is kept between requests: see the extraction README).
"""

from __future__ import annotations

from detectors.types import Seam
from proxy.extract.datatypes import SEGMENT_SEPARATOR, Segment

SEAM_CHARS = 40  # longer than any identifier's halves (an IBAN is 34 characters)

#: (offset in the joined text, text) of one piece of a seam
_Piece = tuple[int, str]


def seams(segments: list[Segment]) -> list[Seam]:
    """The seams across every boundary between non-blank segments, in order."""
    out: list[Seam] = []
    chain: list[_Piece] = []
    offset = 0
    for segment in segments:
        text, start = segment.text, offset
        offset += len(text) + len(SEGMENT_SEPARATOR)
        if not text.strip():
            continue
        if len(text) <= 2 * SEAM_CHARS:
            chain.append((start, text))
            continue
        if chain:  # a long part: its head closes this seam, its tail opens the next
            chain.append((start, text[:SEAM_CHARS]))
            out.append(_seam(chain))
        chain = [(start + len(text) - SEAM_CHARS, text[-SEAM_CHARS:])]
    if len(chain) > 1:
        out.append(_seam(chain))
    return out


def _seam(pieces: list[_Piece]) -> Seam:
    runs: list[tuple[int, int, int]] = []
    joins: list[int] = []
    parts: list[str] = []
    position = 0
    for origin, piece in pieces:
        if parts:
            joins.append(position)
            parts.append(" ")
            position += 1
        runs.append((position, origin, len(piece)))
        parts.append(piece)
        position += len(piece)
    return Seam("".join(parts), tuple(joins), tuple(runs))
