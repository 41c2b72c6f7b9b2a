"""Other countries' national identifiers (US SSN/ITIN, Spanish NIE, Finnish HETU, ...).

One family, configured by data: ``detectors/data/national_ids.yaml`` lists one recogniser per
entity with RE2 patterns, context words and a validator. The validators are Presidio's own
predefined recognisers' ``validate_result`` / ``invalidate_result`` (their checksum and
structure rules, called on the short matched value only), so the logic stays Presidio's while
the patterns run on RE2 in linear time. The file is validated at load with located messages.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import re2
import yaml
from presidio_analyzer import Pattern

from detectors.base import RE2_OPTIONS, CtxPattern, Recogniser, Tier

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "national_ids.yaml"

_ENTRY_KEYS = frozenset(
    {
        "entity",
        "validator",
        "require_valid",
        "upper",
        "same_separators",
        "context",
        "context_window",
        "patterns",
    }
)
_PATTERN_KEYS = frozenset({"name", "regex", "score", "context"})


class NationalIdDataError(ValueError):
    """The national identifiers data file is malformed (the message names the entry)."""


@dataclass(frozen=True, slots=True)
class _Validator:
    """Presidio's validate/invalidate for one entity (``None``: shape only)."""

    presidio: Any = None
    #: only ``validate_result() is True`` passes (Presidio's "None" means "not checked")
    require_valid: bool = False

    def ok(self, value: str) -> bool:
        if self.presidio is None:
            return True
        try:
            verdict = self.presidio.validate_result(value)
            if verdict is False or (self.require_valid and verdict is not True):
                return False
            return not self.presidio.invalidate_result(value)
        except (ValueError, IndexError, KeyError, TypeError):
            return False


def _validator(spec: Any, where: str, require_valid: bool = False) -> _Validator:
    if spec in (None, "none"):
        return _Validator()
    if not isinstance(spec, str) or not spec.startswith("presidio:"):
        raise NationalIdDataError(f"{where}: validator must be 'none' or 'presidio:<ClassName>'")
    import presidio_analyzer.predefined_recognizers as predefined

    cls = getattr(predefined, spec.removeprefix("presidio:"), None)
    if cls is None:
        raise NationalIdDataError(f"{where}: unknown Presidio recogniser {spec!r}")
    return _Validator(cls(), require_valid)


_JOINERS = ".,-/:"


def in_longer_number(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is one piece of a longer run: a decimal or dotted code
    (``jama.280.14.1256``, ``-0.463 22.455``), a column of numbers (``100 200 300 400``) or
    a code with a prefix (``hal-02887264``)."""
    before, after = text[max(0, start - 2) : start], text[end : end + 2]
    if len(before) == 2:
        if before[1] in _JOINERS and before[0].isalnum():
            return True
        if before[1] == " " and before[0].isdigit():
            return True
    if len(after) == 2:
        if after[0] in _JOINERS and after[1].isdigit():
            return True
        if after[0] == " " and after[1].isdigit():
            return True
    return False


class NationalIdRecogniser(Recogniser):
    """Base of the generated classes: a validator, optional upper-casing and a rule that
    the separators inside a value are all the same character (``078-05 1123`` is not)."""

    TIER = Tier.STRONG
    CONTEXT_WINDOW = 80
    VALIDATOR: ClassVar[_Validator] = _Validator()
    UPPER: ClassVar[bool] = False
    SAME_SEPARATORS: ClassVar[bool] = False

    def validate_result(self, pattern_text: str) -> bool:
        value = pattern_text.upper() if self.UPPER else pattern_text
        if self.SAME_SEPARATORS and len({c for c in value if not c.isalnum()}) > 1:
            return False
        if self.VALIDATOR.presidio is None and not any(c.isalpha() for c in value):
            digits = [c for c in value if c.isdigit()]  # shape only: 000000000 is a placeholder
            if len(set(digits)) <= 1 and len(digits) > 4:
                return False
        return self.VALIDATOR.ok(value)

    def refine(self, text: str, start: int, end: int) -> tuple[int, int, str] | None:
        if in_longer_number(text, start, end):
            return None
        return start, end, self.ENTITY


def _class_name(entity: str) -> str:
    return "".join(part.capitalize() for part in entity.split("_")) + "Recogniser"


def _patterns(entry: dict, where: str) -> tuple[Pattern, ...]:
    raw = entry.get("patterns")
    if not isinstance(raw, list) or not raw:
        raise NationalIdDataError(f"{where}: 'patterns' must be a non-empty list")
    out = []
    for i, p in enumerate(raw):
        at = f"{where}, pattern {i + 1}"
        if not isinstance(p, dict) or not {"name", "regex"} <= set(p):
            raise NationalIdDataError(f"{at}: needs 'name' and 'regex'")
        unknown = set(p) - _PATTERN_KEYS
        if unknown:
            raise NationalIdDataError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
        try:
            re2.compile(p["regex"], RE2_OPTIONS)
        except re2.error as exc:
            raise NationalIdDataError(f"{at} ({p['name']}): not valid RE2: {exc}") from exc
        score = p.get("score", 0.8)
        if not isinstance(score, int | float) or not 0 < score <= 1:
            raise NationalIdDataError(f"{at}: 'score' must be in (0, 1]")
        kind = CtxPattern if p.get("context", False) else Pattern
        out.append(kind(str(p["name"]), str(p["regex"]), float(score)))
    return tuple(out)


def build_recognisers(path: Path = DATA_FILE) -> tuple[type[NationalIdRecogniser], ...]:
    """One :class:`NationalIdRecogniser` subclass per entry of the data file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise NationalIdDataError(f"{path}: {exc}") from exc
    entries = data.get("recognisers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise NationalIdDataError(f"{path}: expected a top-level 'recognisers' list")
    classes = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        where = f"{path.name}: entry {n}"
        if not isinstance(entry, dict) or not isinstance(entry.get("entity"), str):
            raise NationalIdDataError(f"{where}: needs an 'entity' name")
        entity = entry["entity"]
        where = f"{where} ({entity})"
        unknown = set(entry) - _ENTRY_KEYS
        if unknown:
            raise NationalIdDataError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if entity in seen:
            raise NationalIdDataError(f"{where}: entity listed twice")
        seen.add(entity)
        context = entry.get("context", [])
        if not isinstance(context, list) or not all(isinstance(w, str) for w in context):
            raise NationalIdDataError(f"{where}: 'context' must be a list of words")
        attrs = {
            "ENTITY": entity,
            "PATTERNS": _patterns(entry, where),
            "CONTEXT": tuple(context),
            "CONTEXT_WINDOW": int(entry.get("context_window", 80)),
            "VALIDATOR": _validator(
                entry.get("validator"), where, bool(entry.get("require_valid", False))
            ),
            "UPPER": bool(entry.get("upper", False)),
            "SAME_SEPARATORS": bool(entry.get("same_separators", False)),
            "__doc__": f"{entity} (from {path.name}).",
            "__module__": __name__,
        }
        classes.append(type(_class_name(entity), (NationalIdRecogniser,), attrs))
    return tuple(classes)


@functools.cache
def national_id_recognisers() -> tuple[type[NationalIdRecogniser], ...]:
    return build_recognisers()
