"""The name word sets of one engine: forenames and the words that are never names.

``names.yaml`` lists them (``forenames``, ``not_names``, ``not_name_words``,
``forenames_also_words``); ``detectors.recognisers.vocabulary`` may change them without
code. :func:`name_sets` builds the frozen sets and the forename regex alternations once per
vocabulary (cached by its digest), so the scan path only reads them: the name-pattern
recognisers and the name finder hold the engine's sets, and the document rules
(:mod:`detectors.combine`) are given them by the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from detectors import vocabulary
from detectors.vocabulary import Vocabulary

NAMES = "names.yaml"
#: ``names.yaml`` lists that make :class:`NameSets` (configurable, one word per entry,
#: :func:`detectors.vocabulary.check_word`)
KEYS = ("forenames", "not_names", "not_name_words", "forenames_also_words")


@dataclass(frozen=True, slots=True)
class NameSets:
    """Forenames and non-names of one vocabulary, ready for the scan path."""

    forenames: frozenset[str]
    #: lower case: words NER tags PERSON that are not names
    not_names: frozenset[str]
    #: capitalised words that are never names
    not_name_words: frozenset[str]
    #: lower case: forenames that are also English words ("grace", "will")
    forenames_also_words: frozenset[str]
    #: regex alternations of the forenames: as listed, upper case, and lower case without
    #: the ones that are also words
    forename_rx: str
    forename_upper_rx: str
    forename_lower_rx: str
    #: the shapes of those three lists and of every forename in lower case (also those
    #: that are words: "sue", "bev") (:func:`shape`), for the name patterns' shapes
    forename_shape: str
    forename_upper_shape: str
    forename_lower_shape: str
    forename_all_lower_shape: str

    def forename(self, word: str) -> bool:
        """A known forename."""
        return word.strip(".,'\"()") in self.forenames

    def not_name(self, word: str) -> bool:
        """A word that is never (part of) a name."""
        return word.lower() in self.not_names or word in self.not_name_words


def name_sets(vocab: Vocabulary) -> NameSets:
    """The :class:`NameSets` of ``vocab`` (built once per vocabulary digest)."""
    return _build(vocab.digest, tuple(vocab.list(NAMES, k) for k in KEYS))


@lru_cache(maxsize=8)
def _build(digest: str, lists: tuple[tuple[str, ...], ...]) -> NameSets:
    del digest  # the cache key: one build per vocabulary
    forenames, not_names, not_name_words, also_words = lists
    names = frozenset(forenames)
    also = frozenset(w.lower() for w in also_words)

    def alt(words) -> str:
        return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))

    upper = [n.upper() for n in names]
    lower = [n.lower() for n in names if n.lower() not in also]
    all_lower = [n.lower() for n in names]
    return NameSets(
        forenames=names,
        not_names=frozenset(w.lower() for w in not_names),
        not_name_words=frozenset(not_name_words),
        forenames_also_words=also,
        forename_rx=alt(names),
        forename_upper_rx=alt(upper),
        forename_lower_rx=alt(lower),
        forename_shape=shape(names),
        forename_upper_shape=shape(upper),
        forename_lower_shape=shape(lower),
        forename_all_lower_shape=shape(all_lower),
    )


def shape(words: Iterable[str]) -> str:
    """An RE2 pattern matching every one of ``words`` (and more): the class of their
    first characters, then the class of their other characters, as many as the shortest
    to the longest word has. It stands for the words' alternation in a pattern's shape
    (:class:`detectors.base.ShapedPattern`): a few instructions instead of thousands.
    No words: a pattern that matches nothing."""
    words = [w for w in words if w]
    if not words:
        return r"[^\s\S]"
    lengths = [len(w) for w in words]
    first = _char_class(w[0] for w in words)
    rest = {c for w in words for c in w[1:]}
    if not rest:
        return first
    return f"{first}{_char_class(rest)}{{{min(lengths) - 1},{max(lengths) - 1}}}"


def _char_class(chars: Iterable[str]) -> str:
    """A character class of ``chars``, each as itself (RE2 and Python ``re`` syntax
    alike), the class's own syntax characters escaped."""
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in sorted(set(chars))) + "]"


#: the shipped sets (recognisers built without vocabulary changes use these)
SHIPPED = name_sets(vocabulary.load())
