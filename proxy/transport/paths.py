"""URL paths as servers read them, for tools on hosts shared with non-AI services.

A shared host (``www.bing.com``, ``duckduckgo.com``, ``substrate.office.com``) is decrypted,
but only its AI paths are the AI tool (the catalogue's ``paths``). A server normalises a path
before it routes it, so the match must see every form it may take: percent-decoded (up to
three times), IIS ``%uXXXX`` escapes and overlong UTF-8 (``%c0%af``), full-width and other
compatibility letters (IIS best-fit mapping, NFKC), backslashes as slashes, repeated slashes
collapsed, dot segments resolved, ``;`` segment parameters dropped, control characters
(``%00``, ``%09``) removed, trailing dots and spaces of a segment dropped (Windows), any case.
A path counts as the tool's when any form matches.

Pure functions: no mitmproxy import.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from collections.abc import Iterable
from fnmatch import fnmatchcase
from urllib.parse import unquote

_SLASHES = re.compile(r"/{2,}")
_SEGMENT_PARAMS = re.compile(r";[^/]*")
_IIS_ESCAPE = re.compile(r"%u([0-9a-fA-F]{4})")
_PERCENT = re.compile(rb"%([0-9a-fA-F]{2})")
_OVERLONG = re.compile(rb"[\xc0\xc1][\x80-\xbf]|\xe0[\x80-\x9f][\x80-\xbf]")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_SEGMENT_TAIL = re.compile(r"[. ]+(?=/|$)")


def _overlong(match: re.Match[bytes]) -> bytes:
    raw = match.group(0)
    if len(raw) == 2:
        return bytes([((raw[0] & 0x1F) << 6) | (raw[1] & 0x3F)])
    return bytes([((raw[1] & 0x3F) << 6) | (raw[2] & 0x3F)])


def _lenient(path: str) -> str:
    """``path`` decoded the way a lenient (IIS) server decodes it: ``%uXXXX``, then
    percent-escapes as bytes with overlong UTF-8 sequences read as the ASCII they encode."""
    text = _IIS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), path)
    raw = _PERCENT.sub(lambda m: bytes([int(m.group(1), 16)]), text.encode("utf-8", "replace"))
    return _OVERLONG.sub(_overlong, raw).decode("utf-8", "replace")


def path_forms(path: str) -> set[str]:
    """``path`` (query and fragment cut off) in each form a server may route it by."""
    bare = path.partition("#")[0].partition("?")[0]
    forms = {bare}
    decoded = lenient = bare
    for _ in range(3):  # %252F → %2F → /
        decoded = unquote(decoded)
        lenient = _lenient(lenient)
        forms.update((decoded, lenient))
    forms |= {unicodedata.normalize("NFKC", form) for form in forms}
    forms |= {_SEGMENT_TAIL.sub("", _CONTROLS.sub("", form)) for form in forms}
    out: set[str] = set()
    for raw in forms:
        form = raw.replace("\\", "/").lower()
        for variant in (form, _SEGMENT_PARAMS.sub("", form)):
            collapsed = _SLASHES.sub("/", "/" + variant.lstrip("/"))
            resolved = posixpath.normpath(collapsed)
            out.update({variant, collapsed, resolved.replace("//", "/")})
    return out


def matches_paths(path: str, globs: Iterable[str]) -> bool:
    """Any form of ``path`` matches one of ``globs`` (lower-case)."""
    globs = [g.lower() for g in globs]
    return any(fnmatchcase(form, glob) for form in path_forms(path) for glob in globs)
