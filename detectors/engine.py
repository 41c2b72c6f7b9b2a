"""ScanEngine: loads once, scans many texts.

The hot path, cheapest first (issue 8):

1. normalise (ASCII text: free) → views: the main text plus decoded blobs;
2. one RE2 *set* pass over each view tells which recogniser patterns can match at all
   (keyword triggers, :class:`~detectors.base.LiteralTriggerPattern`, by one Aho-Corasick
   pass instead: :mod:`detectors.literals`); only those patterns then run (RE2: linear
   time, no backtracking);
3. validation (checksums, look-alikes) and context (one RE2 keyword pass);
4. combination rules (who the context is about: :mod:`detectors.subjects`); the name
   finder (spaCy NER + parser, a plug-in built by :data:`NAME_FINDER_FACTORY`) runs only
   if names could still change the outcome, only on the windows around personal context
   (``DetectorSettings.ner``: window, chunk and budget), batched;
5. plug-in detectors (``detectors/code``) get the original text.

Nothing is downloaded at run time: the spaCy model is loaded from a path (found from
the installed package's files without importing it), tldextract uses its bundled
snapshot.
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from typing import TYPE_CHECKING, Any

from detectors import registry
from detectors.base import (
    RE2_OPTIONS,
    Candidate,
    Detector,
    LiteralTriggerPattern,
    Recogniser,
    Tier,
)
from detectors.combine import Item, combine, context_windows
from detectors.lexicon import Hits, KeywordIndex, default_groups, drop_topics
from detectors.literals import LiteralSet, fold
from detectors.namesets import name_sets
from detectors.normalise import (
    Limits,
    View,
    _byte_to_char,
    normalise,
    prepare,
    scrub_surrogates,
)
from detectors.re2sets import PackedSets
from detectors.seams import SEAM_TIERS, crossing_findings, seam_document, with_seam_findings
from detectors.settings import DetectorSettings
from detectors.types import Finding, ScanResult, Seam

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from detectors.base import NameFinder

#: Factories building plug-in detectors from the settings ("module:callable"). A factory
#: returns a :class:`~detectors.base.Detector` or None (disabled). Add yours here.
PLUGIN_FACTORIES: list[str] = [
    "detectors.code.detector:CodeDetector.from_settings",
]

#: The name finder (spaCy NER + parse): a factory taking ``DetectorSettings`` and returning
#: a :class:`~detectors.base.NameFinder` (not loaded yet), or None when disabled.
NAME_FINDER_FACTORY = "detectors.recognisers.person:SpacyPersonRecogniser.from_settings"

#: The pattern gate (which recogniser patterns can match a view): a factory taking the
#: patterns and RE2 options, returning an object whose ``matching(data)`` is the set of their
#: indices that match (a superset is fine: those patterns then run with RE2). RE2 packed sets
#: by default; ``"detectors.hssets:PatternSets"`` (Hyperscan for ASCII text) is ~2.5x faster
#: on a cold dev pass (0.03 vs 0.08 s CPU) but compiles for 2.3-4 s CPU at every engine
#: build, in the proxy and in the scan template: readiness 28 -> 45 s at load 14
#: (``bench/README.md``), so it is not the default.
PATTERN_GATE_FACTORY = "detectors.re2sets:PackedSets"


def _load_factory(spec: str) -> Callable[..., Any]:
    module, _, attr = spec.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[return-value]


class ScanEngine:
    """Text in, findings out. Construct once per process; ``scan`` is reentrant.

    ``plugins``: extra detectors (see :class:`detectors.base.Detector`); when None, the
    :data:`PLUGIN_FACTORIES` build them from ``settings``. ``load_ner=False`` skips spaCy
    (tests of pattern-only behaviour; names then come from patterns only).
    """

    def __init__(
        self,
        settings: DetectorSettings | None = None,
        plugins: Sequence[Detector] | None = None,
        *,
        load_ner: bool = True,
        limits: Limits | None = None,
    ) -> None:
        self.settings = settings or DetectorSettings()
        self.limits = limits or Limits()
        self.recognisers: list[Recogniser] = registry.build(self.settings.recognisers)
        self._allowed = frozenset(
            registry.allow_key(v) for v in self.settings.recognisers.allow_list
        )
        self._patterns: list[tuple[Recogniser, int]] = []
        regexes: list[str] = []  # what the RE2 sets search for ...
        self._set_owner: list[int] = []  # ... and the pattern each one stands for
        literal_groups: list[tuple[str, ...]] = []
        self._literal_owner: list[int] = []
        apart: list[list[int]] = []  # families of regexes packed among themselves
        #: patterns whose recogniser gates itself (``LiteralTriggerPattern.self_gated``)
        self._always: list[int] = []
        for rec in self.recognisers:
            for i in range(len(rec.regexes)):
                index = len(self._patterns)
                self._patterns.append((rec, i))
                pattern = rec.patterns[i]
                searched: str | None = rec.searched[i]  # a shaped pattern: its shape
                if isinstance(pattern, LiteralTriggerPattern) and pattern.self_gated:
                    self._always.append(index)
                    continue
                if isinstance(pattern, LiteralTriggerPattern):
                    literal_groups.append(pattern.literals)
                    self._literal_owner.append(index)
                    searched = pattern.residue
                    if pattern.residue_parts:
                        apart.append(
                            list(range(len(regexes), len(regexes) + len(pattern.residue_parts)))
                        )
                        regexes += pattern.residue_parts
                        self._set_owner += [index] * len(pattern.residue_parts)
                        searched = None
                if searched is not None:
                    regexes.append(searched)
                    self._set_owner.append(index)
        gate = _load_factory(PATTERN_GATE_FACTORY)
        self._sets = (
            gate(regexes, RE2_OPTIONS, apart=apart)
            if apart and gate is PackedSets
            else gate(regexes, RE2_OPTIONS)
        )
        self._literals = LiteralSet(literal_groups) if literal_groups else None
        self._needs_context = [
            getattr(rec.patterns[i], "needs_context", False) for rec, i in self._patterns
        ]
        vocab = registry.vocabulary_for(self.settings.recognisers)
        #: forenames and non-names the document rules use (``names.yaml``, configurable)
        self.names = name_sets(vocab)
        groups = default_groups(vocab)
        for rec in self.recognisers:
            if rec.CONTEXT:
                groups[f"ctx:{rec.ENTITY}"] = list(rec.CONTEXT)
        self.keywords = KeywordIndex(groups)
        prepare()  # the normaliser's tables now, not on a worker's first scan that needs them
        self.ner: NameFinder | None = None
        if load_ner:
            self.ner = _load_factory(NAME_FINDER_FACTORY)(self.settings)
            if self.ner is not None:
                self.ner.load()
        if plugins is None:
            built = (_load_factory(spec)(self.settings) for spec in PLUGIN_FACTORIES)
            plugins = [p for p in built if p is not None]
        self.plugins: list[Detector] = list(plugins)

    # -- public ------------------------------------------------------------------------
    def scan(
        self, text: str, seams: Sequence[Seam] = (), body_end: int | None = None
    ) -> ScanResult:
        """Findings in ``text``; with ``seams`` (:mod:`detectors.seams`), also the values
        split across the boundaries between the parts ``text`` was joined from.

        With ``body_end``, ``text[:body_end]`` is the prompt and the rest is request metadata
        (headers, cookies, the path) scanned as a document of its own: its words
        (``python-httpx``, ``application/json``) never frame the prompt, nor the other way
        round. Offsets still index ``text``."""
        result = self._scan(text, seams, inline=False, body_end=body_end)
        assert result is not None
        return result

    def scan_inline(
        self,
        text: str,
        seams: Sequence[Seam] = (),
        budget: float | None = None,
        body_end: int | None = None,
    ) -> ScanResult | None:
        """Stage 1 of a two-stage scan (the proxy runs it on small texts in its own process):
        the same result as :meth:`scan`, or None when that needs the name finder (a view
        where names could change the outcome, with ``detectors.ner`` enabled), a plug-in's
        heavy pass (``Detector.heavy(text)``, e.g. code fingerprint matching), or more than
        ``budget`` seconds of this thread's CPU (checked between steps: a dense text stops
        early): then :meth:`scan` must run, in a worker. Works on an engine built with
        ``load_ner=False``.
        """
        deadline = None if budget is None else _Deadline(budget)
        try:
            return self._scan(text, seams, inline=True, deadline=deadline, body_end=body_end)
        except _OverBudget:
            return None

    def _scan(
        self,
        text: str,
        seams: Sequence[Seam],
        *,
        inline: bool,
        deadline: _Deadline | None = None,
        body_end: int | None = None,
    ) -> ScanResult | None:
        started = time.perf_counter()
        text = scrub_surrogates(text)  # any str: lone surrogates become U+FFFD, same offsets
        if inline and any(getattr(p, "heavy", _light)(text) for p in self.plugins):
            return None
        findings: list[Finding] = []
        for offset, document in _documents(text, body_end):
            for view in normalise(document, self.limits):
                _check(deadline)
                found = self._scan_view(view, view.tiers, inline, deadline)
                if found is None:
                    return None
                findings += _shifted(found, offset)
        _check(deadline)
        for plugin in self.plugins:
            findings += plugin.findings(text)
        if seams:
            across = self._across(seams, inline, deadline)
            if across is None:
                return None
            findings = with_seam_findings(_dedupe(findings), across)
        findings = _dedupe(findings)
        return ScanResult(
            findings=findings,
            categories=sorted({f.category for f in findings}),
            chars=len(text),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _across(
        self, seams: Sequence[Seam], inline: bool = False, deadline: _Deadline | None = None
    ) -> list[Finding] | None:
        """Findings that cross a part boundary: the seams scanned as one document (None:
        the inline stage hands it on)."""
        document, starts = seam_document(seams)
        found: list[Finding] = []
        for view in normalise(scrub_surrogates(document), self.limits):
            _check(deadline)
            got = self._scan_view(view, SEAM_TIERS, inline, deadline)
            if got is None:
                return None
            found += got
        return crossing_findings(_dedupe(found), seams, starts)

    # -- stages --------------------------------------------------------------------------
    def candidates(
        self, text: str, data: bytes, b2c, hits: Hits, deadline: _Deadline | None = None
    ) -> list[Candidate]:
        """Validated, context-checked pattern hits of one view (past ``deadline``, raises
        :class:`_OverBudget`)."""
        out: list[Candidate] = []
        owner = self._set_owner
        found = {owner[i] for i in self._sets.matching(data, text)}
        found.update(self._always)
        if self._literals is not None:
            literal_owner = self._literal_owner
            found.update(literal_owner[g] for g in self._literals.groups_in(fold(text)))
        matched = sorted(found)
        for idx in matched:
            _check(deadline)
            rec, i = self._patterns[idx]
            if self._needs_context[idx] and f"ctx:{rec.ENTITY}" not in hits.starts:
                continue  # no context word anywhere: every hit would be dropped below
            for c in rec.candidates_for(i, text, data, b2c):
                if self._allowed and registry.allow_key(text[c.start : c.end]) in self._allowed:
                    continue
                if c.needs_context and not hits.near(
                    f"ctx:{rec.ENTITY}", c.start, c.end, rec.CONTEXT_WINDOW
                ):
                    continue
                out.append(c)
        return _overlaps(out)

    def _scan_view(
        self,
        view: View,
        tiers: frozenset[str] | None = None,
        inline: bool = False,
        deadline: _Deadline | None = None,
    ) -> list[Finding] | None:
        """Findings of one view (only items of ``tiers``, when given); None when ``inline``
        and the name finder could change them."""
        text = view.text
        data = text.encode()
        b2c = None if len(data) == len(text) else _byte_to_char(data)
        hits = drop_topics(text, self.keywords.scan(text, data, b2c))
        cands = self.candidates(text, data, b2c, hits, deadline)
        _check(deadline)
        items, needs_names = combine(text, cands, [], hits, name_words=self.names)
        needs_names = needs_names and view.tiers is None  # a rebuilt value: no names sought
        if inline and needs_names and self.settings.ner.enabled:
            return None  # the name finder could change the outcome: stage 2 (a worker)
        if needs_names and self.ner is not None:
            windows = context_windows(text, cands, hits, self.settings.ner.window_chars)
            spans, parsed = self.ner.analyse(text, windows)
            persons = [
                Item("PERSONAL_DATA", "PERSON", s, e, 0.85, "spacy_ner", "person", "ner")
                for s, e in spans
            ]
            items, _ = combine(text, cands, persons, hits, parsed, self.names)
        return [self._finding(view, i) for i in items if tiers is None or i.tier in tiers]

    @staticmethod
    def _finding(view: View, item: Item) -> Finding:
        start, end = view.to_original(item.start, item.end)
        meta = () if view.origin == "text" else (("decoded", view.origin),)
        category = item.category
        return Finding(category, item.entity, start, end, round(item.score, 2), item.detector, meta)


class _OverBudget(Exception):
    """An inline scan ran past its budget."""


class _Deadline:
    """A CPU-time budget for this thread, checked cheaply: the wall clock first; only when
    that has passed is the thread's CPU time read (time the OS gave to other processes is
    not the scan's), and the wall deadline moved on by what is left."""

    __slots__ = ("cpu_end", "wall_end")

    def __init__(self, seconds: float) -> None:
        self.cpu_end = time.thread_time() + seconds
        self.wall_end = time.perf_counter() + seconds

    def check(self) -> None:
        if time.perf_counter() > self.wall_end:
            left = self.cpu_end - time.thread_time()
            if left <= 0:
                raise _OverBudget
            self.wall_end = time.perf_counter() + left


def _check(deadline: _Deadline | None) -> None:
    """Between steps of :meth:`ScanEngine.scan_inline`: past its budget, stop."""
    if deadline is not None:
        deadline.check()


def _light(_text: str) -> bool:
    """A plug-in without ``heavy``: always cheap enough for the inline stage."""
    return False


def _overlaps(cands: list[Candidate]) -> list[Candidate]:
    """Drop a candidate contained in a longer one of the same category and tier."""
    cands.sort(key=lambda c: (c.start, -(c.end - c.start), c.tier == Tier.NAME_CUE))
    out: list[Candidate] = []
    for c in cands:
        if any(
            o.start <= c.start
            and c.end <= o.end
            and o.category == c.category
            and (
                ((o.end - o.start) > (c.end - c.start) and c.tier in (o.tier, "weak"))
                or (o.start, o.end, o.entity) == (c.start, c.end, c.entity)
            )
            for o in out[-8:]
        ):
            continue
        out.append(c)
    return out


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.start, f.end, f.category, f.entity_type)):
        key = (f.category, f.entity_type, f.start, f.end)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _documents(text: str, body_end: int | None) -> list[tuple[int, str]]:
    """``(offset, text)`` of the documents ``text`` holds: the prompt and, after
    ``body_end``, the request metadata."""
    if body_end is None or not 0 < body_end < len(text):
        return [(0, text)]
    return [(0, text[:body_end]), (body_end, text[body_end:])]


def _shifted(findings: list[Finding], offset: int) -> list[Finding]:
    if not offset:
        return findings
    return [dataclasses.replace(f, start=f.start + offset, end=f.end + offset) for f in findings]
