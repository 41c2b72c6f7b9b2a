"""Credential rules: a data file (YAML) of RE2 patterns, loaded and validated once.

A rules file is a mapping::

    source: gitleaks | aidlp          # where the rules come from (attribution)
    allow: [RE2, ...]                 # file-wide: a secret matching one is not a secret
    stopwords: [word, ...]            # file-wide: a secret containing one is not a secret
    rules:
      - id: aws-access-token          # unique across all files
        entity: AWS_ACCESS_KEY        # the family: the finding's entity_type (a metric label)
        regex: '...'                  # RE2 syntax (no look-arounds / back-references)
        keywords: [akia, asia]        # lower-case literals; the rule runs only if one occurs
        prefilter: 'RE2'              # or: a cheap RE2 pattern in place of keywords (for
                                      # formats with no literal, e.g. a 32-char base64 run)
        secret_group: 1               # optional: the group that is the secret, a name, or
                                      # `last` (default: the first group that took part,
                                      # else the whole match)
        entropy: 3.0                  # optional: minimum Shannon entropy of the secret
        allow: [RE2]                  # optional: secret-level allow regexes
        allow_match: [RE2]            # optional: allow regexes on the whole match
        allow_line: [RE2]             # optional: allow regexes on the match's line
        stopwords: [word]             # optional: secret contains one -> not a secret
        checks: [password]            # optional: named value checks (see CHECKS)
        placeholders: true            # optional (default true): drop documentation
                                      # placeholders (EXAMPLE, xxxx, ${VAR}, <your-key>)
        score: 0.9                    # optional

Every problem is reported with the file, the line and the rule id (:class:`RuleError`);
a file that does not validate is never half-loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import re2
import yaml

from detectors.base import RE2_OPTIONS

ENTITY_SHAPE = re2.compile(r"^[A-Z][A-Z0-9_]{1,48}$")
_KNOWN_KEYS = frozenset(
    [
        "id",
        "entity",
        "regex",
        "keywords",
        "prefilter",
        "secret_group",
        "entropy",
        "allow",
        "allow_match",
        "allow_line",
        "stopwords",
        "checks",
        "placeholders",
        "score",
        "description",
    ]
)


class RuleError(ValueError):
    """A rules file that does not validate (message: ``file:line: rule id: problem``)."""


@dataclass(slots=True)
class CredentialRule:
    id: str
    entity: str
    regex: Any  # re2 compiled
    keywords: tuple[str, ...]
    prefilter: str | None = None
    secret_group: int | None = None
    entropy: float | None = None
    allow: tuple[Any, ...] = ()
    allow_match: tuple[Any, ...] = ()
    allow_line: tuple[Any, ...] = ()
    stopwords: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    placeholders: bool = True
    score: float = 0.9
    source: str = ""
    file_allow: tuple[Any, ...] = field(default=(), repr=False)
    file_stopwords: tuple[str, ...] = field(default=(), repr=False)


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present
    """SafeLoader that records each mapping's line as ``__line__``."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _compile(where: str, what: str, pattern: Any) -> Any:
    if not isinstance(pattern, str) or not pattern:
        raise RuleError(f"{where}: {what} must be a non-empty string")
    try:
        return re2.compile(pattern, RE2_OPTIONS)
    except re2.error as exc:
        raise RuleError(f"{where}: {what} does not compile under RE2: {exc}") from None


def _strings(where: str, what: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuleError(f"{where}: {what} must be a list of non-empty strings")
    return value


def load_rules_file(path: Path, checks: frozenset[str]) -> list[CredentialRule]:
    """Load and validate one rules file; ``checks`` are the known check names."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot read rules: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise RuleError(f"{path}:1: expected a mapping with a 'rules' list")
    head = f"{path}:{doc['__line__']}"
    source = str(doc.get("source", path.stem))
    file_allow = tuple(
        _compile(head, f"allow[{i}]", p)
        for i, p in enumerate(_strings(head, "allow", doc.get("allow")))
    )
    file_stop = tuple(w.lower() for w in _strings(head, "stopwords", doc.get("stopwords")))
    out: list[CredentialRule] = []
    for raw in doc["rules"]:
        if not isinstance(raw, dict):
            raise RuleError(f"{path}: each rule must be a mapping")
        line = raw.pop("__line__", "?")
        rid = raw.get("id")
        where = f"{path}:{line}: rule {rid!r}"
        if not isinstance(rid, str) or not rid:
            raise RuleError(f"{path}:{line}: rule without an 'id'")
        unknown = sorted(set(raw) - _KNOWN_KEYS)
        if unknown:
            raise RuleError(f"{where}: unknown keys {unknown}")
        entity = raw.get("entity")
        if not isinstance(entity, str) or not ENTITY_SHAPE.match(entity):
            raise RuleError(f"{where}: 'entity' must be UPPER_SNAKE_CASE (got {entity!r})")
        regex = _compile(where, "regex", raw.get("regex"))
        keywords = _strings(where, "keywords", raw.get("keywords"))
        prefilter = raw.get("prefilter")
        if prefilter is not None:
            _compile(where, "prefilter", prefilter)
        if bool(keywords) == (prefilter is not None):
            raise RuleError(f"{where}: give either 'keywords' (literals) or a 'prefilter'")
        if any(k != k.lower() for k in keywords):
            raise RuleError(f"{where}: keywords must be lower case")
        group = raw.get("secret_group")
        if group == "last":
            group = -1  # the last group that took part (user-then-password patterns)
        elif group is not None:
            names = regex.groupindex
            if isinstance(group, bool) or not (
                (isinstance(group, int) and 0 <= group <= regex.groups)
                or (isinstance(group, str) and group in names)
            ):
                raise RuleError(f"{where}: secret_group {group!r} is not a group of the regex")
        entropy = raw.get("entropy")
        if entropy is not None and (
            isinstance(entropy, bool) or not isinstance(entropy, int | float) or entropy < 0
        ):
            raise RuleError(f"{where}: 'entropy' must be a non-negative number")
        rule_checks = _strings(where, "checks", raw.get("checks"))
        bad = sorted(set(rule_checks) - checks)
        if bad:
            raise RuleError(f"{where}: unknown checks {bad} (known: {sorted(checks)})")
        score = raw.get("score", 0.9)
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 < score <= 1:
            raise RuleError(f"{where}: 'score' must be in (0, 1]")
        placeholders = raw.get("placeholders", True)
        if not isinstance(placeholders, bool):
            raise RuleError(f"{where}: 'placeholders' must be true or false")
        out.append(
            CredentialRule(
                id=rid,
                entity=entity,
                regex=regex,
                keywords=tuple(keywords),
                prefilter=prefilter,
                secret_group=regex.groupindex[group] if isinstance(group, str) else group,
                entropy=float(entropy) if entropy is not None else None,
                allow=tuple(
                    _compile(where, f"allow[{i}]", p)
                    for i, p in enumerate(_strings(where, "allow", raw.get("allow")))
                ),
                allow_match=tuple(
                    _compile(where, f"allow_match[{i}]", p)
                    for i, p in enumerate(_strings(where, "allow_match", raw.get("allow_match")))
                ),
                allow_line=tuple(
                    _compile(where, f"allow_line[{i}]", p)
                    for i, p in enumerate(_strings(where, "allow_line", raw.get("allow_line")))
                ),
                stopwords=tuple(
                    w.lower() for w in _strings(where, "stopwords", raw.get("stopwords"))
                ),
                checks=tuple(rule_checks),
                placeholders=placeholders,
                score=float(score),
                source=source,
                file_allow=file_allow,
                file_stopwords=file_stop,
            )
        )
    return out


def load_rules(paths: list[Path], checks: frozenset[str]) -> list[CredentialRule]:
    """Load several files; rule ids must be unique across them."""
    rules: list[CredentialRule] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for rule in load_rules_file(path, checks):
            if rule.id in seen:
                raise RuleError(f"{path}: rule {rule.id!r} is also defined in {seen[rule.id]}")
            seen[rule.id] = path
            rules.append(rule)
    return rules
