"""Part boundaries as soft separators: the text across the boundaries of one request.

Segments are scanned joined by blank lines (:data:`SEGMENT_SEPARATOR`), which identifier
recognisers do not cross, so a value split across two messages or content parts of one
request (``"JG10"`` then ``"3729A"``) would be missed. So extraction also builds
seams (:class:`~detectors.types.Seam`): pieces of the parts joined by one space, which every
recogniser treats as the soft separator it allows inside an identifier ("JG10 3729A",
"943 476 5919"), and, between the content parts of one message, glued directly
("JG103729A"). In the spaced seams a run of short parts
(up to ``2 * SEAM_CHARS`` characters) goes in whole, so a value split over many parts is
still whole; a longer part gives its first :data:`SEAM_CHARS` characters to the seam before it
and its last ones to the seam after it. The glued seams take :data:`SEAM_CHARS` characters
either side of a boundary. The scan engine (:mod:`detectors.seams`) keeps a finding that
crosses a boundary once. Splitting across separate requests of one
conversation is the conversation memory's (``proxy/conversation/``, see the extraction
README). Pieces given in words ("the first half is JG1037" | "the second half is 29A"), far
from the boundary or last part first are glued by :mod:`detectors.fragments`.
"""

from __future__ import annotations

import re

from detectors.fragments import chain_seams, part_fragments
from detectors.types import Seam
from proxy.extract.datatypes import SEGMENT_SEPARATOR, Segment

SEAM_CHARS = 40  # longer than any identifier's halves (an IBAN is 34 characters)

#: Parts glued directly at most, one seam per left end: a value cut into this many pieces
#: (``"JG1"`` | ``"03"`` | ``"729A"``) is whole in one of them.
MAX_GLUED = 6

#: (offset in the joined text, text) of one piece of a seam
_Piece = tuple[int, str]


def seams(segments: list[Segment]) -> list[Seam]:
    """The seams across every boundary between non-blank segments: runs of parts joined by
    a space, then every boundary joined directly."""
    parts: list[_Piece] = []
    places: list[str] = []
    offset = 0
    for segment in segments:
        if segment.text.strip():
            parts.append((offset, segment.text))
            places.append(segment.where)
        offset += len(segment.text) + len(SEGMENT_SEPARATOR)
    pieces = part_fragments([(o, t, w) for (o, t), w in zip(parts, places, strict=True)])
    return _spaced(parts) + _glued(parts, places) + chain_seams(pieces)


def _spaced(parts: list[_Piece]) -> list[Seam]:
    """Runs of short parts whole, a long part's head closing a run and its tail opening the
    next, joined by spaces: ``"943 476"`` | ``"5919"`` → ``943 476 5919``."""
    out: list[Seam] = []
    chain: list[_Piece] = []
    for start, text in parts:
        if len(text) <= 2 * SEAM_CHARS:
            chain.append((start, text))
            continue
        if chain:
            chain.append((start, text[:SEAM_CHARS]))
            out.append(_seam(chain, " "))
        chain = [(start + len(text) - SEAM_CHARS, text[-SEAM_CHARS:])]
    if len(chain) > 1:
        out.append(_seam(chain, " "))
    return out


def _glued(parts: list[_Piece], places: list[str]) -> list[Seam]:
    """Per boundary between two content parts of one message (:func:`sibling_parts`), the end
    of the part before it glued to the start of the part after it: providers concatenate the
    text parts of a message with nothing between them (``"JG103"`` | ``"729A"`` →
    ``JG103729A``). Fragments (parts without whitespace) before the boundary also glue with
    the part before them, up to :data:`MAX_GLUED` parts. Only the right part's head is taken,
    so the part after it does not glue on. Separate messages are separate turns to the model:
    their boundaries are spaced only."""
    out: list[Seam] = []
    for k in range(1, len(parts)):
        start, text = parts[k]
        pieces = [(start, text[:SEAM_CHARS])]
        for left in range(k - 1, max(k - MAX_GLUED, 0) - 1, -1):
            if not sibling_parts(places[left], places[k]):
                break
            origin, before = parts[left]
            cut = max(len(before) - SEAM_CHARS, 0)
            out.append(_seam([(origin + cut, before[cut:]), *pieces], ""))
            if len(before) > SEAM_CHARS or any(c.isspace() for c in before):
                break  # not a fragment: what lies before it does not glue on
            pieces.insert(0, (origin, before))
    return out


_LAST_INDEX = re.compile(r"\[\d+\](?!.*\[)")


def sibling_parts(a: str, b: str) -> bool:
    """Whether two segments are parts of one list inside one item (``messages[0].content[0]
    .text`` and ``messages[0].content[1].text``; ``contents[0].parts[1].text``): their places
    differ only in the last of at least two list indexes."""
    return a.count("[") >= 2 and _LAST_INDEX.sub("[]", a) == _LAST_INDEX.sub("[]", b)


def _seam(pieces: list[_Piece], joiner: str) -> Seam:
    runs: list[tuple[int, int, int]] = []
    parts: list[str] = []
    position = 0
    for origin, piece in pieces:
        if parts:
            parts.append(joiner)
            position += len(joiner)
        runs.append((position, origin, len(piece)))
        parts.append(piece)
        position += len(piece)
    return Seam("".join(parts), tuple(runs))
