"""Find the code-like segments of a prompt: fenced blocks and runs of code-looking lines.

Linear in the text length, no regular expressions. Spans index the original text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from detectors.code.normalise import language_for_tag

#: First words that start a line of code in common languages (lower-case keywords only, so
#: a prose sentence starting "If ..." or "For ..." does not count).
_CODE_STARTS: Final = frozenset(
    [
        "def",
        "class",
        "import",
        "from",
        "return",
        "if",
        "elif",
        "else",
        "for",
        "while",
        "try",
        "except",
        "finally",
        "with",
        "raise",
        "yield",
        "async",
        "await",
        "lambda",
        "pass",
        "break",
        "continue",
        "assert",
        "del",
        "global",
        "nonlocal",
        "public",
        "private",
        "protected",
        "static",
        "final",
        "abstract",
        "function",
        "const",
        "let",
        "var",
        "package",
        "func",
        "fn",
        "impl",
        "struct",
        "enum",
        "interface",
        "type",
        "val",
        "using",
        "namespace",
        "switch",
        "case",
        "throw",
        "throws",
        "new",
        "select",
        "insert",
        "update",
        "delete",
        "create",
        "alter",
        "begin",
        "end",
        "do",
        "local",
        "sub",
        "my",
        "use",
        "require",
        "module",
        "export",
        "@override",
        "#include",
        "#define",
        "#import",
    ]
)
_CODE_ENDINGS: Final = frozenset(";{}()[]:,=\\>")
_SYMBOLS: Final = frozenset("=(){}[];<>+-*/&|!%^.:,\"'`$@#_")
_STRONG: Final = frozenset("=(){}[];")


@dataclass(frozen=True, slots=True)
class Segment:
    """A code-like span of the prompt; ``language`` is set from a fence info string."""

    start: int
    end: int
    language: str | None = None
    fenced: bool = False


def looks_like_code(line: str) -> bool:
    """Heuristic: does this (non-blank) line look like a line of source code?"""
    stripped = line.strip()
    if not stripped:
        return False
    if line[0] in " \t" and len(line) - len(line.lstrip(" \t")) >= 2:
        return True  # indented
    if stripped[-1] in _CODE_ENDINGS or stripped.startswith(("//", "/*", "*/", "# ", "@")):
        return True
    first = stripped.split(None, 1)[0]
    if first in _CODE_STARTS or first.rstrip(":(") in _CODE_STARTS:
        return True
    symbols = sum(1 for c in stripped if c in _SYMBOLS)
    return symbols >= 0.1 * len(stripped) and any(c in _STRONG for c in stripped)


def _fence(line: str) -> tuple[str, int, str] | None:
    """(fence char, fence length, info string) if ``line`` opens/closes a fence."""
    body = line.lstrip(" ")
    if len(line) - len(body) > 3 or not body or body[0] not in "`~":
        return None
    char = body[0]
    run = len(body) - len(body.lstrip(char))
    if run < 3:
        return None
    info = body[run:].strip()
    if char == "`" and "`" in info:
        return None
    return char, run, info


def _tag_language(info: str) -> str | None:
    words = info.split(None, 1)
    return language_for_tag(words[0].strip("{}.")) if words else None


def code_segments(text: str, min_lines: int = 3, max_gap: int = 8) -> list[Segment]:
    """Fenced blocks (always) and unfenced runs of >= ``min_lines`` code-looking lines.

    A run may span blank lines and up to ``max_gap`` consecutive prose-looking lines (a
    docstring line, say) when code continues after them.
    """
    segments: list[Segment] = []
    run_start = run_end = -1
    run_lines = gap = 0
    fence: tuple[str, int, str] | None = None
    fence_body = 0

    def close_run() -> None:
        nonlocal run_start, run_end, run_lines, gap
        if run_lines >= min_lines:
            segments.append(Segment(run_start, run_end))
        run_start = run_end = -1
        run_lines = gap = 0

    pos = 0
    for line in text.splitlines(keepends=True):
        start, pos = pos, pos + len(line)
        content = line.rstrip("\r\n")
        marker = _fence(content)
        if fence is not None:
            if marker and marker[0] == fence[0] and marker[1] >= fence[1] and not marker[2]:
                segments.append(Segment(fence_body, start, _tag_language(fence[2]), True))
                fence = None
            continue
        if marker is not None:
            close_run()
            fence, fence_body = marker, pos
            continue
        if not content.strip():
            continue
        if looks_like_code(content):
            if run_start < 0:
                run_start = start
            run_end = start + len(content)
            run_lines += 1
            gap = 0
        elif run_start >= 0:
            gap += 1
            if gap > max_gap:
                close_run()
    if fence is not None:
        segments.append(Segment(fence_body, len(text), _tag_language(fence[2]), True))
    close_run()
    return [s for s in sorted(segments, key=lambda s: s.start) if s.end > s.start]
