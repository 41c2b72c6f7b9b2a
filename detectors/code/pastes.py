"""Code pasted in a wrapper that repeats on every line, read without it: a ``git diff`` of a
new file (``+`` before each line), an editor's or ``cat -n``'s line numbers (``  12| ``,
``12:``, ``12<tab>``), e-mail quoting (``> ``), and a file pasted as a JSON string (one line
with ``\\n`` escapes). The fingerprint's k-grams run across line starts, so a token before
every line breaks every one of them (red team RT-79).

:func:`paste_views` gives each such view of the text with a map back to it, at line
granularity: a finding in a view covers the original lines it was read from. Linear in the
text; no regular expression backtracks (each pattern is anchored and bounded).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: a line number then its separator, as editors, ``cat -n``, ``nl`` and GitHub copy them
_NUMBERED = re.compile(r"[ \t]{0,8}\d{1,6}(?:[ \t]{0,2}[|:] ?|\t| {1,2}(?=\S))")
_QUOTED = re.compile(r"(?:>[ \t]?){1,8}")
_DIFF_HEADER = ("diff --git ", "index ", "--- ", "+++ ", "@@ ", "new file mode", "\\ No newline")
#: a line of a JSON string holding source: its escaped line breaks
_ESCAPED_BREAK = "\\n"
_MIN_LINES = 3
#: a wrapper is read off when it starts at least this share of a block's non-blank lines
_SHARE = 0.6
_MAX_JSON_LINE = 1_000_000


@dataclass(frozen=True, slots=True)
class PasteView:
    """``text``: the view; ``back(start, end)``: the original span its lines came from."""

    name: str
    text: str
    back: Callable[[int, int], tuple[int, int]]


def _diff(line: str) -> str | None:
    if line.startswith(_DIFF_HEADER):
        return ""
    if line[:1] in ("+", "-", " "):
        return line[1:]
    return None


def _numbered(line: str) -> str | None:
    found = _NUMBERED.match(line)
    return line[found.end() :] if found else None


def _quoted(line: str) -> str | None:
    found = _QUOTED.match(line)
    return line[found.end() :] if found else None


_WRAPPERS: dict[str, Callable[[str], str | None]] = {
    "diff": _diff,
    "numbered": _numbered,
    "quoted": _quoted,
}


def _marked(name: str, line: str) -> bool:
    """The line carries the wrapper's own mark (a diff's ``+``/``-``, not a bare space)."""
    if name == "diff":
        return line[:1] in ("+", "-") or line.startswith(_DIFF_HEADER)
    return _WRAPPERS[name](line) is not None


def paste_views(text: str) -> Iterator[PasteView]:
    """Every wrapper found on most lines of the text (at least three), the text without it;
    then JSON-string lines with escaped line breaks, unescaped."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    filled = [line.rstrip("\r\n") for line in lines]
    nonblank = [line for line in filled if line.strip()]
    if len(nonblank) >= _MIN_LINES:
        for name, strip in _WRAPPERS.items():
            marked = sum(1 for line in nonblank if _marked(name, line))
            if marked < _MIN_LINES or marked < _SHARE * len(nonblank):
                continue
            pieces = []
            for line, raw in zip(filled, lines, strict=True):
                body = strip(line)
                pieces.append((line if body is None else body) + raw[len(line) :])
            yield _view(name, pieces, starts)
    if _ESCAPED_BREAK in text:
        pieces, changed = [], False
        for line, raw in zip(filled, lines, strict=True):
            body = _unescaped(line)
            changed = changed or body is not None
            pieces.append((line if body is None else body) + raw[len(line) :])
        if changed:
            yield _view("json string", pieces, starts)


#: a JSON string literal (the alternatives are disjoint: linear)
_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


def _unescaped(line: str) -> str | None:
    """The JSON string literals of a line that hold two or more escaped line breaks,
    decoded (a file pasted as a JSON value: logs, API payloads)."""
    if line.count(_ESCAPED_BREAK) < 2 or len(line) > _MAX_JSON_LINE:
        return None
    decoded = []
    for literal in _JSON_STRING.finditer(line):
        if literal.group().count(_ESCAPED_BREAK) < 2:
            continue
        try:
            decoded.append(json.loads(literal.group()))
        except ValueError:
            continue
    return "\n".join(decoded) if decoded else None


def _view(name: str, pieces: list[str], starts: list[int]) -> PasteView:
    view_starts = [0]
    for piece in pieces:
        view_starts.append(view_starts[-1] + len(piece))

    def back(start: int, end: int) -> tuple[int, int]:
        first = max(bisect.bisect_right(view_starts, start) - 1, 0)
        last = max(bisect.bisect_right(view_starts, max(end - 1, start)) - 1, 0)
        first, last = min(first, len(pieces) - 1), min(last, len(pieces) - 1)
        return starts[first], starts[last + 1]

    return PasteView(name, "".join(pieces), back)
