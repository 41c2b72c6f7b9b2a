"""CodeDetector: non-public code in a prompt (fingerprint index matches + internal markers)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np

from detectors.code.index import FingerprintIndex
from detectors.code.markers import MarkerMatcher
from detectors.code.normalise import Tok, guess_languages, tokenise
from detectors.code.pastes import paste_views
from detectors.code.segments import Segment, code_segments
from detectors.code.settings import CodeSettings
from detectors.code.winnow import fingerprint
from detectors.types import Finding

if TYPE_CHECKING:
    from detectors.settings import DetectorSettings

DETECTOR: Final = "code_fingerprint"
ENTITY_TYPE: Final = "CODE_FINGERPRINT"


@dataclass(frozen=True, slots=True)
class SegmentMatch:
    """How one code segment, lexed as one language, matched the index (counts only)."""

    language: str
    fingerprints: int
    matched: int
    start: int  # span of the matched k-grams, original-text offsets
    end: int
    repo_counts: dict[int, int]

    @property
    def fraction(self) -> float:
        return self.matched / self.fingerprints if self.fingerprints else 0.0


class CodeDetector:
    """Text in, NON_PUBLIC_CODE findings out. Construct once per process; ``detect`` is reentrant.

    ``index_path`` None (or ``settings.enabled`` false) turns index matching off; markers
    still run when enabled. A configured index that cannot be loaded raises
    :class:`detectors.code.index.FingerprintIndexError` (fail closed at start-up).
    """

    def __init__(
        self, settings: CodeSettings | None = None, index_path: str | os.PathLike[str] | None = None
    ) -> None:
        self.settings = settings or CodeSettings()
        self.index = (
            FingerprintIndex.load(index_path)
            if index_path is not None and self.settings.enabled
            else None
        )
        self.markers = MarkerMatcher(self.settings.markers)

    @classmethod
    def from_settings(cls, settings: DetectorSettings) -> CodeDetector | None:
        """The detector for a ``detectors:`` config section (None when disabled)."""
        if not settings.code.enabled:
            return None
        return cls(settings.code, settings.fingerprint_index)

    #: Plug-in name (see :class:`detectors.base.Detector`).
    name = "code"

    def findings(self, text: str) -> list[Finding]:
        """Plug-in entry point: same as :meth:`detect`."""
        return self.detect(text)

    def heavy(self, text: str) -> bool:
        """Would :meth:`detect` lex and fingerprint ``text`` (an index is loaded and the text
        has a code segment)? Markers alone are cheap (``ScanEngine.scan_inline``)."""
        if not self.settings.enabled or self.index is None or not len(self.index):
            return False
        lines = self.settings.min_segment_lines
        if code_segments(text, min_lines=lines):
            return True
        return any(code_segments(view.text, min_lines=lines) for view in paste_views(text))

    def detect(self, text: str) -> list[Finding]:
        """NON_PUBLIC_CODE findings in ``text`` (offsets index ``text``)."""
        if not self.settings.enabled:
            return []
        findings = self.markers.find(text)
        if self.index is not None and len(self.index):
            found = self._fingerprints(text)
            if not found:  # a paste wrapped on every line: read without the wrapper
                for view in paste_views(text):
                    for finding in self._fingerprints(view.text):
                        start, end = view.back(finding.start, finding.end)
                        found.append(dataclasses.replace(finding, start=start, end=end))
                    if found:
                        break
            findings += found
        findings.sort(key=lambda f: (f.start, f.end, f.entity_type))
        return findings

    def _fingerprints(self, text: str) -> list[Finding]:
        found = []
        for segment in code_segments(text, min_lines=self.settings.min_segment_lines):
            best = self.match_segment(text, segment)
            if best is not None and self._reportable(best):
                found.append(self._finding(best))
        return found

    def _languages(self, text: str, segment: Segment) -> list[str]:
        assert self.index is not None
        if segment.language is not None:
            return [segment.language]
        return guess_languages(
            text[segment.start : segment.end], self.index.languages, self.settings.max_languages
        )

    def match_segment(self, text: str, segment: Segment) -> SegmentMatch | None:
        """The best match of ``segment`` over its candidate languages (None: no fingerprints)."""
        best: SegmentMatch | None = None
        body = text[segment.start : segment.end]
        for language in self._languages(text, segment):
            for prefix in _phases(body, language):
                result = self._match_as(body, segment.start, language, prefix)
                if result is not None and (best is None or result.matched > best.matched):
                    best = result
        return best

    def _match_as(
        self, body: str, offset: int, language: str, prefix: str = ""
    ) -> SegmentMatch | None:
        """Match ``body`` (at ``offset`` in the prompt) lexed as ``language``, optionally
        lexed after ``prefix`` (an opening quote, for a paste that starts inside a string)."""
        assert self.index is not None
        tokens = tokenise(prefix + body, language)
        if prefix:
            cut = len(prefix)
            tokens = [
                Tok(t.text, max(t.start - cut, 0), t.end - cut) for t in tokens if t.end > cut
            ]
        k = self.index.k
        prints = fingerprint([t.text for t in tokens], k, self.index.window)
        if not len(prints):
            return None
        lookup = self.index.lookup(prints.hashes)
        matched = int(lookup.matched.sum())
        start = end = offset
        if matched:
            hit = prints.positions[lookup.matched]
            start = offset + tokens[int(hit[0])].start
            end = offset + tokens[int(hit[-1]) + k - 1].end
        return SegmentMatch(language, len(prints), matched, start, end, lookup.repo_counts)

    def _reportable(self, match: SegmentMatch) -> bool:
        s = self.settings
        return match.matched >= s.strong_matched or (
            match.matched >= s.min_matched and match.fraction >= s.min_fraction
        )

    def _finding(self, match: SegmentMatch) -> Finding:
        assert self.index is not None
        if self.settings.hide_repo_names:
            repos = "hidden"
        else:
            ranked = sorted(match.repo_counts.items(), key=lambda kv: (-kv[1], kv[0]))
            repos = ",".join(self.index.repo_names[r] for r, _ in ranked)
        meta = (
            ("matched", str(match.matched)),
            ("fingerprints", str(match.fingerprints)),
            ("fraction", f"{match.fraction:.2f}"),
            ("repos", repos),
            ("language", match.language),
        )
        return Finding(
            "NON_PUBLIC_CODE",
            ENTITY_TYPE,
            match.start,
            match.end,
            self.settings.score,
            DETECTOR,
            meta,
        )


_CODE_PUNCTUATION: Final = frozenset("()[]{}=;")


def _phases(body: str, language: str) -> list[str]:
    """Lexer start states to try. A Python paste may start inside a docstring (its first
    triple quote then closes a string): also lex it as if that string were open, when the
    quote count is odd or the text before the first triple quote reads like prose."""
    if language != "python":
        return [""]
    for quote in ('"""', "'''"):
        first = body.find(quote)
        if first < 0:
            continue
        head = "".join(body[:first].split())
        if body.count(quote) % 2 or (
            head and sum(c in _CODE_PUNCTUATION for c in head) < 0.03 * len(head)
        ):
            return ["", quote]
    return [""]


def segment_hashes(text: str, language: str, k: int, window: int) -> np.ndarray:
    """Winnowed fingerprint hashes of ``text`` (helper for benches and tests)."""
    return fingerprint([t.text for t in tokenise(text, language)], k, window).hashes
