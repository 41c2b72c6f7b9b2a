"""Text boxes a reader sees side by side (RT-99): slides and Word drawings place each text
box at its own position, and a value split across two boxes that touch on one line reads
whole to the eye (and in the page image a model is given) though the XML keeps the boxes
apart, in any order. This reads the boxes of one XML part with their positions and joins
the end of each box with the start of the next one on the same line, left to right.

pptx: ``p:sp`` shapes, position from ``a:xfrm`` (``a:off`` / ``a:ext``), text from ``a:t``.
docx: ``wp:anchor`` drawings (floating text boxes), position from ``wp:positionH`` /
``wp:positionV`` ``wp:posOffset`` and ``wp:extent``, text from ``w:t`` in ``wps:txbx``.
Positions are EMU; group transforms are not applied (boxes of one group share its space).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proxy.extract.files.archive import local_name

#: elements that open a positioned box: a slide shape, a floating Word drawing
BOX_ELEMENTS = frozenset({"sp", "anchor"})
_TEXT = frozenset({"t"})  # a:t (DrawingML), w:t (WordprocessingML)
_PIECE = 40  # characters either side of a join (as the seams of a request)
_MAX_BOXES = 5_000


@dataclass(slots=True)
class Box:
    x: int = 0
    y: int = 0
    width: int = 0
    height: int = 0
    paragraphs: list[str] = field(default_factory=list)
    current: list[str] = field(default_factory=list)


class BoxLayout:
    """expat handlers collecting positioned boxes, then :meth:`view`: the joins of boxes
    that sit on one line, each box's last line glued to the next box's first line (and with
    a space: a narrow gap reads as one)."""

    def __init__(self) -> None:
        self.boxes: list[Box] = []
        self._stack: list[Box] = []
        self._in_text = 0
        self._offset_axis: str | None = None  # docx wp:positionH / wp:positionV
        self._in_offset = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = local_name(name)
        if local in BOX_ELEMENTS:
            if not self._stack and len(self.boxes) < _MAX_BOXES:
                box = Box()
                self.boxes.append(box)
                self._stack.append(box)
            elif self._stack:
                self._stack.append(self._stack[-1])  # nested: same box
            return
        if not self._stack:
            return
        box = self._stack[-1]
        if local == "off" and not box.width:
            box.x, box.y = _int(attrs.get("x")), _int(attrs.get("y"))
        elif local in ("ext", "extent") and not box.width:
            box.width, box.height = _int(attrs.get("cx")), _int(attrs.get("cy"))
        elif local in ("positionH", "positionV"):
            self._offset_axis = local[-1]
        elif local == "posOffset":
            self._in_offset = True
        elif local in _TEXT:
            self._in_text += 1

    def end(self, name: str) -> None:
        local = local_name(name)
        if local in BOX_ELEMENTS and self._stack:
            box = self._stack.pop()
            if not self._stack:
                self._end_paragraph(box)
            return
        if not self._stack:
            return
        if local in _TEXT and self._in_text:
            self._in_text -= 1
        elif local == "posOffset":
            self._in_offset = False
        elif local in ("positionH", "positionV"):
            self._offset_axis = None
        elif local == "p":
            self._end_paragraph(self._stack[-1])

    def chars(self, data: str) -> None:
        if not self._stack:
            return
        box = self._stack[-1]
        if self._in_offset and self._offset_axis:
            value = _int(data.strip())
            if self._offset_axis == "H":
                box.x = value
            else:
                box.y = value
        elif self._in_text:
            box.current.append(data)

    @staticmethod
    def _end_paragraph(box: Box) -> None:
        text = " ".join("".join(box.current).split())
        box.current.clear()
        if text:
            box.paragraphs.append(text)

    def view(self) -> str:
        """One line per run of boxes that sit side by side on a line, left to right: the
        first box's last paragraph end, short one-paragraph boxes whole, the last box's
        first paragraph start; each run glued and spaced."""
        boxes = [b for b in self.boxes if b.paragraphs]
        if len(boxes) < 2:
            return ""
        following = {id(b): _next_on_line(b, boxes) for b in boxes}
        targets = {id(n) for n in following.values() if n is not None}
        out: list[str] = []
        for first in boxes:
            if id(first) in targets or following[id(first)] is None:
                continue  # not the left end of a run
            pieces, box, seen = [first.paragraphs[-1][-_PIECE:]], following[id(first)], {id(first)}
            while box is not None and id(box) not in seen:
                seen.add(id(box))
                whole = len(box.paragraphs) == 1 and len(box.paragraphs[0]) <= 2 * _PIECE
                pieces.append(box.paragraphs[0] if whole else box.paragraphs[0][:_PIECE])
                if not whole:
                    out.extend(("".join(pieces), " ".join(pieces)))
                    pieces = [box.paragraphs[-1][-_PIECE:]]
                box = following[id(box)]
            if len(pieces) > 1:
                out.extend(("".join(pieces), " ".join(pieces)))
        return "\n".join(out)


def _next_on_line(left: Box, boxes: list[Box]) -> Box | None:
    """The nearest box starting right of ``left``'s start whose vertical extent overlaps
    ``left``'s middle (one line to the eye), or None."""
    best: Box | None = None
    middle = left.y + max(left.height, 1) // 2
    for box in boxes:
        if box is left or box.x <= left.x:
            continue
        top, bottom = box.y, box.y + max(box.height, 1)
        left_top, left_bottom = left.y, left.y + max(left.height, 1)
        if not (
            top <= middle <= bottom or left_top <= box.y + max(box.height, 1) // 2 <= left_bottom
        ):
            continue
        if best is None or box.x < best.x:
            best = box
    return best


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
