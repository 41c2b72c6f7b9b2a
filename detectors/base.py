"""Recogniser base classes: Presidio recognisers whose patterns run on RE2 (linear time).

Every recogniser family is a :class:`Recogniser` (a Presidio ``PatternRecognizer``)
with ``PATTERNS``, ``CONTEXT`` words and ``validate_result``/``invalidate_result``.
The engine does not use Presidio's ``AnalyzerEngine``: it runs all patterns through one
RE2 set (one linear pass tells which patterns can match at all), then only those
patterns, then validation and context. ``analyze`` is still implemented, so any
recogniser can also be registered with a Presidio ``AnalyzerEngine``.

A plug-in detector (for example ``detectors/code``) only needs to satisfy
:class:`Detector`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

import re2
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult

if TYPE_CHECKING:
    from collections.abc import Iterator

    from detectors.types import Finding
    from detectors.vocabulary import Vocabulary

RE2_OPTIONS = re2.Options()
RE2_OPTIONS.max_mem = 64 << 20


class Tier:
    """How a finding counts in the document-level combination rules."""

    STRONG = "strong"  #: blocks alone (NINO, NHS, card, IBAN, bank, passport, licence, UTR)
    CONTACT = "contact"  #: blocks alone (personal email / phone, confirmed address)
    WEAK = "weak"  #: personal context: counts with a person or another weak identifier
    PERSON = "person"  #: a person's name: counts with personal context
    #: a capitalised pair after a cue word ("journal entry from Shona Whitfield"): a name
    #: only next to casework detail, then counts like PERSON
    NAME_CUE = "name_cue"
    SPECIAL = "special"  #: special-category fact: counts when related to a person
    DIRECT = "direct"  #: blocks alone, own category (markings, credentials)


class CtxPattern(Pattern):
    """A pattern whose match counts only with one of the recogniser's context words
    within ``CONTEXT_WINDOW`` characters (for example a bare 9-digit passport number)."""

    needs_context = True


class LiteralTriggerPattern(Pattern):
    """A trigger pattern that matches iff one of ``literals`` (ASCII) occurs in any case, or
    ``residue`` (an RE2 pattern, or None) matches: ``regex`` must say the same thing as
    ``(?i)(?:literal|...|residue)``. The engine finds the literals with one Aho-Corasick
    pass (:mod:`detectors.literals`) instead of adding a large ``(?i)`` alternation to its
    RE2 sets (whose lazily built DFA states cost more than the rest of those sets)."""

    def __init__(
        self,
        name: str,
        regex: str,
        score: float,
        literals: tuple[str, ...],
        residue: str | None = None,
        residue_parts: tuple[str, ...] = (),
        self_gated: bool = False,
    ) -> None:
        super().__init__(name, regex, score)
        self.literals = literals
        self.residue = residue
        #: patterns one of which matches iff ``residue`` does: the engine's RE2 sets search
        #: them apart (a large alternation of counted runs builds more DFA states)
        self.residue_parts = residue_parts
        #: the recogniser tests this trigger itself, in the literal pass and the RE2 sets
        #: it runs anyway (``candidates_for`` yields nothing where the trigger does not
        #: match): the engine calls it on every view instead of reading the text for it twice
        self.self_gated = self_gated


class ShapedPattern(Pattern):
    """A pattern made of long word lists (``Forename Surname`` with 1,000 forenames),
    searched through its ``shape``: an RE2 pattern that matches at every position where
    ``regex`` does (a superset: each word list replaced by the character classes of its
    words, ``\\p{Lu}`` by ``[A-Z\\x{80}-\\x{10FFFF}]``), with a program of a few hundred
    instructions instead of thousands. The engine's gate searches the shape (small programs
    pack into shared sets); :meth:`Recogniser.candidates_for` tries ``regex`` anchored
    only where a shape match starts (:func:`shaped_matches`): the same matches as
    ``regex``'s own search, without the unanchored DFA of a word-list alternation, whose
    states (sets of partial words) are built anew for every new text."""

    def __init__(self, name: str, regex: str, score: float, shape: str) -> None:
        super().__init__(name, regex, score)
        self.shape = shape


def shaped_matches(shape: re2._Regexp, rx: re2._Regexp, data: bytes) -> Iterator[list]:
    """The group spans of each match of ``rx.finditer(data)`` (bytes offsets), found with
    ``shape``, which must match wherever ``rx`` does (at the same start, any end).

    ``rx``'s leftmost match at or after ``pos`` starts at a position where ``shape``
    starts a match too, and ``rx`` matches at no earlier start; so the shape's starts are
    tried left to right with ``rx`` anchored there, and the first that holds is that
    match (its groups as RE2's leftmost-first search gives them from that start). The
    search then goes on as ``finditer`` does (from the match's end; one byte on after an
    empty match). Each shape start is tried once: linear in the text for a bounded ``rx``.
    """
    unanchored, anchored = _ANCHOR.UNANCHORED, _ANCHOR.ANCHOR_START
    search, match = shape._regexp.Match, rx._regexp.Match
    pos = 0
    end = len(data)
    while True:
        at = pos
        while True:
            start = search(unanchored, data, at, end)[0][0]
            if start < 0:
                return
            spans = match(anchored, data, start, end)
            if spans[0][0] >= 0:
                break
            at = start + 1
            if at > end:
                return
        yield spans
        if pos == end:
            return
        pos = pos + 1 if pos == spans[0][1] else spans[0][1]


_ANCHOR = re2._Anchor


@dataclass(slots=True)
class Candidate:
    """A validated pattern hit in a view's (normalised) text."""

    recogniser: Recogniser
    entity: str
    start: int
    end: int
    score: float
    pattern: str
    needs_context: bool
    tier: str
    category: str


@runtime_checkable
class Detector(Protocol):
    """Plug-in detector: gets the ORIGINAL text, returns findings that count as they are.

    Findings' offsets index the original text. Register one by passing it to
    ``ScanEngine(settings, plugins=[...])`` or via ``detectors.engine.PLUGIN_FACTORIES``.
    Optionally ``heavy(text) -> bool``: True when ``findings(text)`` would do expensive
    work (then ``ScanEngine.scan_inline`` declines the text and a worker scans it).
    """

    name: str

    def findings(self, text: str) -> list[Finding]: ...


@runtime_checkable
class NameFinder(Protocol):
    """Finds person names and the sentence structure in windows of a text (spaCy NER and
    parser). ``analyse`` returns PERSON spans (text offsets) and a
    :class:`detectors.subjects.Parsed`."""

    def load(self) -> None: ...

    def analyse(self, text: str, windows: list[tuple[int, int]]) -> tuple[list, object]: ...


class Recogniser(PatternRecognizer):
    """A Presidio pattern recogniser with a category, a tier and RE2 patterns.

    Subclasses set ``ENTITY``, ``PATTERNS`` and optionally ``CATEGORY``, ``TIER``,
    ``CONTEXT``, ``CONTEXT_WINDOW`` and override ``validate_result`` (checksums),
    ``invalidate_result`` (look-alikes) or :meth:`refine` (decisions needing the text
    around the match, such as a marking's line).
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[tuple[Pattern, ...]]
    CATEGORY: ClassVar[str] = "PERSONAL_DATA"
    TIER: ClassVar[str] = Tier.STRONG
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    CONTEXT_WINDOW: ClassVar[int] = 80
    #: tier per entity, for recognisers whose ``refine`` returns several entities
    TIERS: ClassVar[dict[str, str]] = {}
    #: the recogniser's patterns are case-insensitive unless they say otherwise
    IGNORE_CASE: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            global_regex_flags=None,
        )
        prefix = "(?i)" if self.IGNORE_CASE else ""
        self.regexes: list[str] = [prefix + p.regex for p in self.patterns]
        self.compiled = [re2.compile(r, RE2_OPTIONS) for r in self.regexes]
        #: what a gate searches for each pattern: its shape (:class:`ShapedPattern`) or
        #: the pattern itself; and the compiled shapes (None: searched as it is)
        self.searched: list[str] = [
            prefix + p.shape if isinstance(p, ShapedPattern) else rx
            for p, rx in zip(self.patterns, self.regexes, strict=True)
        ]
        self.shapes = [
            re2.compile(s, RE2_OPTIONS) if isinstance(p, ShapedPattern) else None
            for p, s in zip(self.patterns, self.searched, strict=True)
        ]
        #: the group each pattern's value is (``v`` when it names one, else the whole match),
        #: read once: google-re2 builds ``groupindex`` anew on every access (~30 us)
        self.value_groups = [rx.groupindex.get("v", 0) for rx in self.compiled]
        #: each pattern's binding-level ``Match`` (see :func:`raw_match`)
        self.raw_matches = [raw_match(rx) for rx in self.compiled]

    #: ``identifiers.yaml`` key holding this recogniser's context words (when its
    #: ``CONTEXT`` lives there): :meth:`from_vocabulary` reads the changed list
    CONTEXT_KEY: ClassVar[str] = ""

    @classmethod
    def from_vocabulary(cls, vocab: Vocabulary) -> Recogniser:
        """An instance using ``vocab`` (the shipped vocabulary with the
        ``detectors.recognisers.vocabulary`` changes). Recognisers whose patterns are made of
        data-file words override this; the others read only the shipped files (and their
        context words, :attr:`CONTEXT_KEY`, from ``vocab``)."""
        rec = cls()
        if cls.CONTEXT_KEY:
            rec.CONTEXT = vocab.list(IDENTIFIERS, cls.CONTEXT_KEY)  # shadows the class's
        return rec

    @classmethod
    def _with_patterns(cls, patterns: tuple[Pattern, ...]) -> Recogniser:
        """An instance with its own ``patterns`` instead of the class's."""
        rec = cls.__new__(cls)
        rec.PATTERNS = tuple(patterns)  # instance attribute shadows the class's
        Recogniser.__init__(rec)
        return rec

    # -- hooks -------------------------------------------------------------------------
    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        """Adjust or drop a validated hit given the whole text: ``(start, end, entity)``
        or ``None`` to drop. Default: keep as is."""
        return start, end, self.ENTITY

    # -- engine path -------------------------------------------------------------------
    def candidates_for(self, index: int, text: str, data: bytes, b2c) -> Iterator[Candidate]:
        """Validated hits of pattern ``index`` (``data`` is ``text`` UTF-8 encoded;
        ``b2c`` maps byte offsets to char offsets, or is None for ASCII text)."""
        pattern = self.patterns[index]
        needs_ctx = getattr(pattern, "needs_context", False)
        group = self.value_groups[index]
        shape = self.shapes[index]
        rx = self.compiled[index]
        found = (
            finditer_spans(rx, self.raw_matches[index], data)
            if shape is None
            else shaped_matches(shape, rx, data)
        )
        for spans in found:
            s, e = spans[group]
            if s < 0:
                s, e = spans[0]
            if b2c is not None:
                s, e = b2c(s), b2c(e)
            value = text[s:e]
            if self.validate_result(value) is False or self.invalidate_result(value):
                continue
            refined = self.refine(text, s, e)
            if refined is None:
                continue
            s, e, entity = refined
            yield Candidate(
                self,
                entity,
                s,
                e,
                pattern.score,
                pattern.name,
                needs_ctx,
                self.TIERS.get(entity, self.TIER),
                self.CATEGORY,
            )

    # -- Presidio API ------------------------------------------------------------------
    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts=None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Presidio entry point (used when registered with an ``AnalyzerEngine``)."""
        data = text.encode()
        b2c = None
        if not text.isascii():
            from detectors.normalise import _byte_to_char

            b2c = _byte_to_char(data)
        lower = text.lower()
        results = []
        for i in range(len(self.patterns)):
            for c in self.candidates_for(i, text, data, b2c):
                if c.needs_context:
                    lo = max(0, c.start - self.CONTEXT_WINDOW)
                    window = lower[lo : c.end + self.CONTEXT_WINDOW]
                    if not any(w.lower() in window for w in self.CONTEXT):
                        continue
                if not any(
                    (r.entity_type, r.start, r.end) == (c.entity, c.start, c.end) for r in results
                ):
                    results.append(RecognizerResult(c.entity, c.start, c.end, c.score))
        return results


#: google-re2's anchors and "no match" span (``re2._Anchor``, ``re2._NULL_SPAN``)
UNANCHORED = re2._Anchor.UNANCHORED
ANCHOR_START = re2._Anchor.ANCHOR_START
NO_SPAN = (-1, -1)


def raw_match(rx):
    """The binding's own ``Match(anchor, bytes, pos, endpos) -> spans`` of a compiled
    google-re2 pattern, or None (another wrapper: use ``rx``'s methods). The Python
    wrapper's ``finditer``/``match`` add ~1.1 us a call and a ``_Match`` object a hit
    (~17,000 calls a cold dev pass)."""
    regexp = getattr(rx, "_regexp", None)
    return getattr(regexp, "Match", None)


def finditer_spans(rx, match, data: bytes) -> Iterator[list[tuple[int, int]]]:
    """The spans (whole match, then each group) of ``rx.finditer(data)``'s matches, the
    same iteration google-re2's wrapper runs on bytes (``match``: :func:`raw_match`)."""
    if match is None:
        for m in rx.finditer(data):
            yield [m.span(i) for i in range(rx.groups + 1)]
        return
    pos, endpos = 0, len(data)
    while True:
        spans = match(UNANCHORED, data, pos, endpos)
        if spans[0] == NO_SPAN:
            return
        yield spans
        if pos == endpos:
            return
        elif pos == spans[0][1]:
            pos += 1  # an empty match at pos: step on, as the wrapper does
        else:
            pos = spans[0][1]


def digits(value: str) -> str:
    """The digits of ``value`` (separators dropped)."""
    return "".join(ch for ch in value if ch.isdigit())


#: Separator tolerated inside identifiers: space, dot, dash, underscore, slash.
SEP = r"[ .\-_/]?"


#: the data file of the identifier recognisers' context words and labels
IDENTIFIERS = "identifiers.yaml"


def context_words(key: str) -> tuple[str, ...]:
    """The shipped context words ``identifiers.yaml: key`` (a recogniser's ``CONTEXT``)."""
    from detectors import vocabulary  # the vocabulary module imports nothing of ours

    return vocabulary.load().list(IDENTIFIERS, key)
