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


_DROP, _STRING, _KEEP, _SYMBOLIC, _KEYWORD = range(5)


@functools.cache
def _kind(ttype: _TokenType) -> tuple[int, str]:
    """How a Pygments token type normalises: (kind, fixed text or "")."""
    if ttype in Text or ttype in Comment.Hashbang or ttype in String.Doc:
        return _DROP, ""
    if ttype in Comment:
        # C preprocessor lines are code, not commentary.
        return (_KEEP, "#P") if ttype in Comment.Preproc else (_DROP, "")
    if ttype in String:
        return _STRING, "S"
    if ttype in Number:
        return _KEEP, "N"
    if ttype in Name:
        return _KEEP, "V"
    if ttype in Keyword:
        # True/None/null, int/void and control keywords are structure: keep them, case-folded
        # for case-insensitive languages like SQL.
        return _KEYWORD, ""
    if ttype is Token.Error or (ttype in Operator and ttype not in Operator.Word):
        return _SYMBOLIC, ""
    if ttype in Punctuation:
        return _SYMBOLIC, ""
    return _KEYWORD, ""


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
        kind, fixed = _kind(ttype)
        if kind == _DROP:
            continue
        end = min(pos + len(value), limit)
        if kind == _STRING:
            if in_string:
                out[-1] = Tok("S", out[-1].start, end)
            else:
                out.append(Tok("S", pos, end))
                in_string = True
            continue
        in_string = False
        if kind == _KEEP:
            out.append(Tok(fixed, pos, end))
        elif kind == _SYMBOLIC:
            # Operators and punctuation split per character, so "f()" / "f( )" and
            # "a==b" / "a == b" tokenise alike whatever the lexer groups together.
            if len(value) == 1:
                out.append(Tok(value, pos, pos + 1))
            else:
                out.extend(
                    Tok(char, pos + i, pos + i + 1)
                    for i, char in enumerate(value)
                    if not char.isspace()
                )
        else:
            word = value.strip().lower()
            if word:
                out.append(Tok(word, pos, end))
    return out


#: Cheap substring signals per language, used only to order/prune the languages an
#: unfenced segment is lexed as (never to decide a match).
_SIGNALS: Final[dict[str, tuple[str, ...]]] = {
    "python": ("def ", "self.", "self,", "elif ", "import ", "None", "):\n", "__", "lambda "),
    "java": ("public ", "private ", "static ", "void ", "new ", ";\n", "@Override", "String "),
    "kotlin": ("fun ", "val ", "override ", "?.", ": String"),
    "scala": ("def ", "val ", "object ", "case class", "=> "),
    "groovy": ("def ", "println ", "task ", "->"),
    "javascript": ("function", "const ", "let ", "=>", "===", "require(", "console."),
    "jsx": ("function", "const ", "=>", "</", "/>", "className="),
    "typescript": ("const ", "=>", "interface ", ": string", ": number", "export "),
    "tsx": ("const ", "=>", ": string", "</", "/>", "className="),
    "go": ("func ", ":=", "package ", "err != nil", "fmt."),
    "ruby": ("def ", "end\n", "puts ", "do |", "require '"),
    "php": ("<?php", "$this->", "function ", "->", "$"),
    "csharp": ("namespace ", "using System", "public ", "{ get;", "async Task", "var "),
    "c": ("#include", "int ", "void ", "->", "NULL", "char *"),
    "cpp": ("#include", "std::", "::", "->", "nullptr", "template<"),
    "rust": ("fn ", "let mut", "impl ", "::", "-> ", "pub "),
    "swift": ("func ", "let ", "var ", "guard ", "-> "),
    "bash": ("#!/bin/", "echo ", "fi\n", "then\n", "$(", "${"),
    "powershell": ("$_", "Get-", "Set-", "-eq ", "param("),
    "sql": ("SELECT ", "FROM ", "WHERE ", "INSERT ", "select ", "from "),
    "terraform": ("resource ", "variable ", "module ", "provider "),
    "perl": ("my $", "sub ", "use strict", "=~"),
    "lua": ("local ", "function ", "end\n", "then\n"),
    "dart": ("void ", "final ", "Widget ", "@override"),
    "vbnet": ("Dim ", "End Sub", "Public Sub", "As String"),
}


def guess_languages(text: str, candidates: list[str], limit: int) -> list[str]:
    """The candidates worth lexing ``text`` as, most likely first (at most ``limit``).

    Scores each candidate by counting its signal substrings; keeps those scoring at least
    half the best. With no signal at all, the first candidate (the index's commonest).
    """
    if len(candidates) <= 1:
        return candidates[:1]
    sample = text[:20000]
    scores = {c: sum(sample.count(s) for s in _SIGNALS.get(c, ())) for c in candidates}
    best = max(scores.values())
    if best == 0:
        return candidates[:1]
    ranked = sorted(candidates, key=lambda c: -scores[c])  # stable: index order breaks ties
    return [c for c in ranked if scores[c] * 2 >= best][:limit]
