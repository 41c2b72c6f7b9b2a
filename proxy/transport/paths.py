"""URL paths as servers read them, for tools on hosts shared with non-AI services.

A shared host (``www.bing.com``, ``duckduckgo.com``, ``substrate.office.com``) is decrypted,
but only its AI paths are the AI tool (the catalogue's ``paths``). A server normalises a path
before it routes it, so the match must see every form it may take: percent-decoded (up to
three times), backslashes as slashes (IIS), repeated slashes collapsed, dot segments resolved,
``;`` segment parameters dropped, any case. A path counts as the tool's when any form
matches.

Pure functions: no mitmproxy import.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from fnmatch import fnmatchcase
from urllib.parse import unquote

_SLASHES = re.compile(r"/{2,}")
_SEGMENT_PARAMS = re.compile(r";[^/]*")


def path_forms(path: str) -> set[str]:
    """``path`` (query and fragment cut off) in each form a server may route it by."""
    bare = path.partition("#")[0].partition("?")[0]
    forms = {bare}
    decoded = bare
    for _ in range(3):  # %252F → %2F → /
        decoded = unquote(decoded)
        forms.add(decoded)
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
