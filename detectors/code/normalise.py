"""Tokenise source text with a Pygments lexer and normalise the token stream.

MOSS / copydetect / Dolos style: every identifier becomes ``V``, every string literal ``S``,
every number ``N``; comments, docstrings and whitespace vanish; keywords, operators and
punctuation stay as written. Renaming locals, re-indenting or stripping comments therefore
leaves the normalised stream (and so the fingerprints) unchanged.

Each normalised token keeps the character span of the original text it came from, so a
match can be reported with offsets into the original prompt.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

import pygments
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Text,
    Token,
    _TokenType,
)
from pygments.util import ClassNotFound

#: Bumped whenever the token stream for the same input can change. Recorded in every index;
#: an index built by another normaliser (or another Pygments minor version) is refused.
NORMALISER_VERSION: Final = f"aidlp-norm-1/pygments-{'.'.join(pygments.__version__.split('.')[:2])}"

#: Languages we fingerprint: our language name -> Pygments alias. Only real programming
#: languages (no prose, markup or data formats).
LANGUAGES: Final[dict[str, str]] = {
    "python": "python",
    "java": "java",
    "kotlin": "kotlin",
    "scala": "scala",
    "groovy": "groovy",
    "javascript": "javascript",
    "jsx": "jsx",
    "typescript": "typescript",
    "tsx": "tsx",
    "go": "go",
    "ruby": "ruby",
    "php": "php",
    "csharp": "csharp",
    "c": "c",
    "cpp": "cpp",
    "rust": "rust",
    "swift": "swift",
    "bash": "bash",
    "powershell": "powershell",
    "sql": "sql",
    "terraform": "terraform",
    "perl": "perl",
    "lua": "lua",
    "dart": "dart",
    "vbnet": "vbnet",
}

#: File suffix (lower case, with dot) -> language.
EXTENSIONS: Final[dict[str, str]] = {
    ".py": "python",
    ".pyi": "python",
    ".java": "java",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".scala": "scala",
    ".groovy": "groovy",
    ".gradle": "groovy",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "jsx",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".hpp": "cpp",
    ".hh": "cpp",
    ".hxx": "cpp",
    ".rs": "rust",
    ".swift": "swift",
    ".sh": "bash",
    ".bash": "bash",
    ".ps1": "powershell",
    ".psm1": "powershell",
    ".sql": "sql",
    ".tf": "terraform",
    ".pl": "perl",
    ".pm": "perl",
    ".lua": "lua",
    ".dart": "dart",
    ".vb": "vbnet",
}

_LEXER_OPTIONS: Final[dict[str, dict[str, object]]] = {
    # PHP pasted into a prompt rarely starts with "<?php".
    "php": {"startinline": True},
}


@dataclass(frozen=True, slots=True)
class Tok:
    """One normalised token and the span of original text it stands for."""

    text: str
    start: int
    end: int


def language_for_path(name: str) -> str | None:
    """Our language name for a file name, or None if it is not fingerprinted."""
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:].lower()) if dot >= 0 else None


@functools.lru_cache(maxsize=256)
def language_for_tag(tag: str) -> str | None:
    """Our language name for a Markdown fence info string (``py``, ``java``...), or None."""
    tag = tag.strip().lower()
    if not tag:
        return None
    if tag in LANGUAGES:
        return tag
    try:
        lexer = get_lexer_by_name(tag)
    except ClassNotFound:
        return None
    for language, alias in LANGUAGES.items():
        if alias in lexer.aliases:
            return language
    return None


@functools.cache
def _lexer(language: str) -> Lexer:
    options = {"stripnl": False, "stripall": False, "ensurenl": False, "tabsize": 0}
    options.update(_LEXER_OPTIONS.get(language, {}))
    return get_lexer_by_name(LANGUAGES[language], **options)


def _classify(ttype: _TokenType, value: str) -> str | None:
    """The normalised text of one Pygments token; None drops it."""
    if ttype in Text or ttype in Comment.Hashbang:
        return None
    if ttype in Comment:
        # C preprocessor lines are code, not commentary.
        return "#P" if ttype in Comment.Preproc else None
    if ttype in String.Doc:
        return None
    if ttype in String:
        return "S"
    if ttype in Number:
        return "N"
    if ttype in Name:
        return "V"
    if ttype in Keyword:
        # Keyword.Constant (True/None/null), Keyword.Type (int/void) and control keywords
        # are structure: keep them, case-folded for case-insensitive languages like SQL.
        return value.strip().lower() or None
    stripped = value.strip()
    return stripped or None


def _is_symbolic(ttype: _TokenType) -> bool:
    return (ttype in Operator and ttype not in Operator.Word) or ttype in Punctuation


def tokenise(text: str, language: str) -> list[Tok]:
    """Normalised tokens of ``text`` lexed as ``language``; spans index ``text``.

    Consecutive string-literal pieces (prefix, quotes, escapes) collapse into one ``S``.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language: {language!r}")
    # Same length, so offsets still index the caller's text: CR would confuse some lexers.
    source = text.replace("\r", " ")
    if not source.endswith("\n"):
        source += "\n"
    limit = len(text)
    out: list[Tok] = []
    in_string = False
    for pos, ttype, value in _lexer(language).get_tokens_unprocessed(source):
        if pos >= limit:
            break
        end = min(pos + len(value), limit)
        norm = _classify(ttype, value)
        if norm is None:
            continue
        if norm == "S":
            if in_string:
                last = out[-1]
                out[-1] = Tok("S", last.start, end)
                continue
            in_string = True
        else:
            in_string = False
        if len(norm) > 1 and (ttype is Token.Error or _is_symbolic(ttype)):
            # Operators and punctuation split per character, so "f()" / "f( )" and
            # "a==b" / "a == b" tokenise alike whatever the lexer groups together.
            for offset, char in enumerate(value):
                if not char.isspace():
                    out.append(Tok(char, pos + offset, pos + offset + 1))
            continue
        out.append(Tok(norm, pos, end))
    return out
