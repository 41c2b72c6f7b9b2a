"""Part boundaries as soft separators: the text across each boundary of one request.

Not yet scanned: ``Extraction.seams`` is kept apart from the segments because a finding that
lies wholly inside one part would be counted twice; the scan stage must keep only seam
findings that cross the join (the pipeline's part, not landed).

Segments are scanned joined by blank lines, which identifier recognisers do not cross; a
value split across two messages or content parts of one request (``"JG10"`` then ``"3729A"``)
would be missed. For every boundary we add a *seam*: the last :data:`SEAM_CHARS` characters
before it (short parts chain, so a value split over three parts is still whole) and the first
:data:`SEAM_CHARS` after it, joined by one space, which every recogniser treats as the soft
separator it allows inside an identifier ("JG10 3729A", "943 476 5919"). A seam costs at most
``2 * SEAM_CHARS + 1`` characters per boundary. Splitting across separate requests is out of
scope (no state is kept between requests).
"""

from __future__ import annotations

from proxy.extract.datatypes import Segment

SEAM_CHARS = 40  # longer than any identifier's halves (an IBAN is 34 characters)


def seams(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    tail = ""
    for index, segment in enumerate(segments):
        text = segment.text
        if not text.strip():
            continue
        if tail:
            out.append(Segment(f"{tail} {text[:SEAM_CHARS]}", f"<seam {index}>"))
            tail = f"{tail} {text}"[-SEAM_CHARS:]
        else:
            tail = text[-SEAM_CHARS:]
    return out
