"""The recogniser registry: the shipped recognisers (``recognisers.ALL``) as the
``detectors.recognisers`` settings shape them, the way Presidio's registry is configured.

* a recogniser can be disabled, or get a new score or context words;
* deny lists and pattern recognisers can be added (an entity, a category and a tier each);
* an allow list names values that are never findings (the department's own public
  addresses, helplines, test identifiers).

The engine builds its recognisers here once; nothing in the scan path reads the settings.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import re2
from presidio_analyzer import Pattern

from detectors import vocabulary
from detectors.base import CtxPattern, Recogniser
from detectors.recognisers import ALL
from detectors.vocabulary import Vocabulary

if TYPE_CHECKING:
    from detectors.settings import DenyListSpec, PatternSpec, RecogniserSettings


def known_names() -> set[str]:
    """Names a ``detectors.recognisers.overrides`` key may use (class names)."""
    return {cls.__name__ for cls in ALL}


def vocabulary_for(settings: RecogniserSettings) -> Vocabulary:
    """The shipped vocabulary with the ``detectors.recognisers.vocabulary`` changes."""
    return vocabulary.load().changed(settings.vocabulary)


def build(settings: RecogniserSettings) -> list[Recogniser]:
    """The recognisers the engine runs, in a stable order: shipped ones (minus disabled,
    with overrides applied; made of the changed vocabulary when the settings change one of
    the words their patterns use), then configured deny lists and patterns."""
    vocab = vocabulary_for(settings)
    out: list[Recogniser] = []
    for cls in ALL:
        override = settings.overrides.get(cls.__name__)
        if override is not None and not override.enabled:
            continue
        rec = cls.from_vocabulary(vocab) if settings.vocabulary else cls()
        if override is not None:
            if override.score is not None:
                rec.patterns = [_rescored(p, override.score) for p in rec.patterns]
            if override.context is not None:
                rec.CONTEXT = tuple(override.context)  # instance attribute shadows the class's
            if override.context_window is not None:
                rec.CONTEXT_WINDOW = override.context_window
        out.append(rec)
    out += [deny_list_recogniser(spec) for spec in settings.deny_lists]
    out += [pattern_recogniser(spec) for spec in settings.patterns]
    return out


def _rescored(pattern: Pattern, score: float) -> Pattern:
    """A copy of ``pattern`` with a new score (the class's own pattern is shared)."""
    new = copy.copy(pattern)
    new.score = score
    return new


def _recogniser_class(name: str, entity: str, category: str, tier: str, patterns, context, window):
    return type(
        name,
        (Recogniser,),
        {
            "ENTITY": entity,
            "CATEGORY": category,
            "TIER": tier,
            "PATTERNS": tuple(patterns),
            "CONTEXT": tuple(context),
            "CONTEXT_WINDOW": window,
            "__doc__": f"Configured recogniser for {entity} (detectors.recognisers settings).",
        },
    )


def deny_list_recogniser(spec: DenyListSpec) -> Recogniser:
    """Every listed term, as a whole word, in any case unless ``case_sensitive``."""
    terms = "|".join(re2.escape(t) for t in sorted(spec.terms, key=len, reverse=True))
    flags = "" if spec.case_sensitive else "(?i)"
    pattern = Pattern(f"deny_{spec.entity.lower()}", rf"{flags}\b(?:{terms})\b", spec.score)
    cls = _recogniser_class(
        f"DenyList_{spec.entity}", spec.entity, spec.category, spec.tier, [pattern], (), 80
    )
    return cls()


def pattern_recogniser(spec: PatternSpec) -> Recogniser:
    """A configured RE2 pattern; with ``context`` words it counts only near one of them."""
    kind = CtxPattern if spec.context else Pattern
    pattern = kind(spec.name, spec.regex, spec.score)
    cls = _recogniser_class(
        f"Pattern_{spec.name}",
        spec.entity,
        spec.category,
        spec.tier,
        [pattern],
        spec.context,
        spec.context_window,
    )
    return cls()


def allow_key(value: str) -> str:
    """How allow-list entries and candidate values are compared: case and spacing folded."""
    return "".join(value.split()).casefold()
