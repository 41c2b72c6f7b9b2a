"""Vocabularies for the detectors: word lists loaded from ``detectors/data/*.yaml``.

Every word list the recognisers and the document rules use (special-category terms,
personal and casework context, name lists, public-figure and fiction register) lives in a
data file, not in Python. Files are read once per process, validated at load (a mistake
names the file, the line and the entry), and :func:`fingerprint` hashes their content so
a changed vocabulary rebuilds the scan workers (it is part of the reload key).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).with_name("data")

#: file → top-level keys → "list" (a list of phrases) or "groups" (name → list of phrases)
SCHEMA: dict[str, dict[str, str]] = {
    "special.yaml": {"special": "groups", "political_acts": "list", "political_parties": "list"},
    "context.yaml": {
        "personal": "list",
        "casework": "list",
        "framing": "list",
        "topic_next": "list",
        "involvement": "list",
        "workplace": "list",
    },
    "names.yaml": {
        "forenames": "list",
        "not_names": "list",
        "not_name_words": "list",
        "org_next": "list",
        "forenames_also_words": "list",
        "court_institutions": "list",
        "institution_words": "list",
        "not_surnames_lower": "list",
    },
    "roles.yaml": {
        "address_line": "list",
        "address_confirmer": "list",
        "organisation_contact": "list",
    },
    "markings.yaml": {
        "descriptors": "list",
        "asks": "list",
        "about": "list",
        "document_nouns": "list",
        "introduced_nouns": "list",
        "handling": "list",
        "scheme_nouns": "list",
        "marking_columns": "list",
        "scheme_columns": "list",
        "introduces": "list",
        "introduces_determiners": "list",
        "it_is": "list",
        "modifier_before": "list",
        "question_words": "list",
        "label_words": "list",
        "label_qualifiers": "list",
        "marked_verbs": "list",
        "scheme_qualifiers": "list",
        "short_forms": "list",
        "short_forms_labelled": "list",
        "short_form_labels": "list",
        "foreign_markings": "list",
        "descriptor_only_markings": "list",
    },
    "person.yaml": {
        "honorifics": "list",
        "title_honorifics": "list",
        "public_honorifics": "list",
        "particles": "list",
        "labels": "list",
        "roles": "list",
        "casework_roles": "list",
        "casework_appositions": "list",
        "greetings": "list",
        "workplace_units": "list",
        "grades": "list",
        "cues": "list",
        "subject_verbs": "list",
        "contact_verbs": "list",
        "lone_non_names": "list",
        "lower_subject_verbs": "list",
        "imperative_next": "list",
        "forename_labels": "list",
        "surname_labels": "list",
    },
    "address.yaml": {
        "street_types": "list",
        "counted_after": "list",
        "organisation_places": "list",
        "lead_ins": "list",
        "context": "list",
    },
    "document.yaml": {
        "question_start": "list",
        "question_write_objects": "list",
        "question_lead_ins": "list",
        "involved_phrases": "list",
        "possessed_case_nouns": "list",
        "person_references": "list",
        "surname_fields": "list",
        "stated_verbs": "list",
        "reporting_lemmas": "list",
        "reporting_past": "list",
        "back_reference_roles": "list",
        "carry_pronouns": "list",
        "note_openers": "list",
        "plural_pronouns": "list",
        "who_has_verbs": "list",
        "salutations": "list",
        "not_addressees": "list",
        "closings": "list",
        "second_person_pronouns": "list",
        "first_person_pronouns": "list",
        "self_introductions": "list",
    },
    "identifiers.yaml": {
        "nhs": "list",
        "nino": "list",
        "bank": "list",
        "card": "list",
        "passport": "list",
        "utr": "list",
        "driving_licence": "list",
        "dob": "list",
        "iban": "list",
        "nhs_other_number_labels": "list",
        "staff_number_labels": "list",
        "person_reference_labels": "list",
    },
    "register.yaml": {
        "public_role": "list",
        "reporting": "list",
        "news": "list",
        "encyclopaedic": "list",
        "fiction": "list",
        "code_task": "list",
        "example_cue": "list",
        "placeholder_names": "list",
        "placeholder_addresses": "list",
        "english_function_words": "list",
    },
}


def alternation(phrases: Iterable[str], *, any_space: bool = False) -> str:
    """A regex alternation of ``phrases``, longest first (so a longer phrase wins), each
    escaped; a space inside a phrase matches one space, or (``any_space``) any run of
    whitespace. RE2 and ``re`` syntax alike."""
    joiner = r"\s+" if any_space else " "
    ordered = sorted(dict.fromkeys(phrases), key=len, reverse=True)
    return "|".join(joiner.join(re.escape(w) for w in p.split()) for p in ordered)


#: What ``detectors.recognisers.vocabulary`` may change at run time, without code: the
#: lists read per engine (the keyword pass's groups, the name and street patterns of the
#: engine's own recogniser instances). ``file: keys`` (``special`` means every
#: ``special.yaml: special.<GROUP>``). The other lists are read once per process at import;
#: they change by editing the data file (its fingerprint rebuilds the scan workers).
CONFIGURABLE: dict[str, frozenset[str]] = {
    "special.yaml": frozenset({"special", "political_acts", "political_parties"}),
    "context.yaml": frozenset({"personal", "casework", "framing", "involvement", "workplace"}),
    "register.yaml": frozenset(
        {"public_role", "reporting", "news", "encyclopaedic", "fiction", "code_task", "example_cue"}
    ),
    "person.yaml": frozenset(
        {
            *("honorifics", "particles", "labels", "roles", "greetings", "workplace_units"),
            *("cues", "subject_verbs", "grades", "contact_verbs", "lower_subject_verbs"),
        }
    ),
    "address.yaml": frozenset({"street_types", "lead_ins"}),
    # the name word sets (detectors/namesets.py), one word per entry
    "names.yaml": frozenset({"forenames", "not_names", "not_name_words", "forenames_also_words"}),
    # every list: the identifier recognisers' context words and labels
    "identifiers.yaml": frozenset(
        {
            *("nhs", "nino", "bank", "card", "passport", "utr", "driving_licence", "dob"),
            *("iban", "nhs_other_number_labels", "staff_number_labels"),
            "person_reference_labels",
        }
    ),
}


def change_target(name: str) -> tuple[str, str, str | None]:
    """``"context.yaml:casework"`` → ``("context.yaml", "casework", None)``;
    ``"special.yaml:special.HEALTH"`` → ``("special.yaml", "special", "HEALTH")``. Raises
    :class:`VocabularyError` for a list that cannot be changed at run time."""
    file, sep, key = name.partition(":")
    group = None
    if "." in key:
        key, group = key.split(".", 1)
    if not sep or file not in CONFIGURABLE or key not in CONFIGURABLE[file]:
        known = ", ".join(
            f"{f}:{k}" + (".<GROUP>" if SCHEMA[f][k] == "groups" else "")
            for f in CONFIGURABLE
            for k in sorted(CONFIGURABLE[f])
        )
        raise VocabularyError(
            f"{name!r} is not a vocabulary that can be changed here (known: {known})"
        )
    if (SCHEMA[file][key] == "groups") != (group is not None):
        raise VocabularyError(f"{name!r}: name a group ({file}:{key}.<GROUP>)")
    if group is not None and not re.fullmatch(r"[A-Z][A-Z0-9_]{1,63}", group):
        raise VocabularyError(f"{name!r}: a group is an entity name in capitals (HEALTH)")
    return file, key, group


def clean_phrases(phrases: Iterable[str], where: str) -> list[str]:
    """Phrases as the data files hold them (whitespace normalised), or a
    :class:`VocabularyError` naming ``where`` and the entry."""
    out = []
    for i, value in enumerate(phrases):
        phrase = " ".join(str(value).split())
        if not phrase:
            raise VocabularyError(f"{where} entry {i + 1}: expected a non-empty phrase")
        if "," in phrase:
            raise VocabularyError(
                f"{where} entry {i + 1}: {phrase!r} holds a comma; give each phrase its own entry"
            )
        out.append(phrase)
    return out


class VocabularyError(ValueError):
    """A data file that is missing, unparseable or not of the expected shape."""


#: ``names.yaml`` lists of single words (:mod:`detectors.namesets`), and which of them
#: hold capitalised words
WORD_LISTS: dict[str, frozenset[str]] = {
    "names.yaml": frozenset({"forenames", "not_names", "not_name_words", "forenames_also_words"})
}
_CAPITALISED_LISTS = frozenset({"forenames", "not_name_words"})
#: one word of letters, with inner apostrophes or hyphens ("O'Neil", "Anne-Marie")
_ONE_WORD = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")


def check_word(file: str, key: str, phrase: str, where: str) -> None:
    """Raise :class:`VocabularyError` (naming ``where``) when ``file:key`` is a list of
    single words (:data:`WORD_LISTS`) and ``phrase`` is not one word of letters, or not
    capitalised where the list needs it. Other lists take any phrase."""
    if key not in WORD_LISTS.get(file, ()):
        return
    if not _ONE_WORD.fullmatch(phrase):
        raise VocabularyError(
            f"{where}: {phrase!r} is not one word of letters ({file}:{key} holds single "
            "words; an apostrophe or hyphen inside a word is fine)"
        )
    if key in _CAPITALISED_LISTS and not phrase[0].isupper():
        raise VocabularyError(f"{where}: {phrase!r} must start with a capital ({file}:{key})")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The validated content of the data files: ``lists[file][key]`` or
    ``groups[file][key][group]``, each a tuple of phrases (whitespace normalised)."""

    lists: dict[str, dict[str, tuple[str, ...]]]
    groups: dict[str, dict[str, dict[str, tuple[str, ...]]]]
    digest: str

    def list(self, file: str, key: str) -> tuple[str, ...]:
        return self.lists[file][key]

    def group(self, file: str, key: str) -> dict[str, tuple[str, ...]]:
        return self.groups[file][key]

    def changed(self, changes: Mapping[str, Any]) -> Vocabulary:
        """This vocabulary with ``changes`` applied: ``{"file:key[.GROUP]": change}``, each
        change with ``replace`` (a new list), ``add`` and ``remove`` (phrases, compared
        ignoring case). No changes: this vocabulary itself."""
        if not changes:
            return self
        lists = {f: dict(keys) for f, keys in self.lists.items()}
        groups = {f: {k: dict(g) for k, g in keys.items()} for f, keys in self.groups.items()}
        digest = hashlib.sha256(self.digest.encode())
        for name in sorted(changes):
            change = changes[name]
            file, key, group = change_target(name)
            current = lists[file][key] if group is None else groups[file][key].get(group, ())
            replace = getattr(change, "replace", None)
            base = list(current if replace is None else replace)
            removed = {p.casefold() for p in getattr(change, "remove", ())}
            new = [p for p in base if p.casefold() not in removed]
            new += [p for p in getattr(change, "add", ()) if p.casefold() not in removed]
            value = tuple(dict.fromkeys(new))
            if group is None:
                lists[file][key] = value
            else:
                groups[file][key][group] = value
            digest.update(f"{name}\0{value!r}".encode())
        return Vocabulary(lists, groups, digest.hexdigest())


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _phrases(node: yaml.Node, where: str) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise VocabularyError(f"{where} (line {_line(node)}): expected a list of phrases")
    out: list[str] = []
    for i, item in enumerate(node.value):
        value = item.value if isinstance(item, yaml.ScalarNode) else None
        if not isinstance(value, str) or not value.strip() or item.tag.endswith((":int", ":bool")):
            raise VocabularyError(
                f"{where} entry {i + 1} (line {_line(item)}): expected a non-empty phrase"
            )
        phrase = " ".join(value.split())
        if "," in phrase:
            raise VocabularyError(
                f"{where} entry {i + 1} (line {_line(item)}): {phrase!r} holds a comma; "
                "give each phrase its own entry"
            )
        out.append(phrase)
    return tuple(out)


def _mapping(node: yaml.Node, where: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise VocabularyError(f"{where} (line {_line(node)}): expected a mapping")
    out: dict[str, yaml.Node] = {}
    for key, value in node.value:
        name = str(key.value)
        if name in out:
            raise VocabularyError(f"{where} line {_line(key)}: duplicate key {name!r}")
        out[name] = value
    return out


def parse_file(path: Path, schema: dict[str, str]) -> tuple[dict, dict]:
    """``(lists, groups)`` of one data file, validated against ``schema``."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text)
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path}: cannot load vocabulary: {exc}") from exc
    if root is None:
        raise VocabularyError(f"{path}: empty vocabulary file")
    top = _mapping(root, str(path))
    unknown = sorted(set(top) - set(schema))
    if unknown:
        raise VocabularyError(
            f"{path} line {_line(top[unknown[0]])}: unknown key {unknown[0]!r} "
            f"(expected {', '.join(sorted(schema))})"
        )
    lists: dict[str, tuple[str, ...]] = {}
    groups: dict[str, dict[str, tuple[str, ...]]] = {}
    for key, shape in schema.items():
        if key not in top:
            raise VocabularyError(f"{path}: missing key {key!r}")
        where = f"{path}: {key}"
        if shape == "list":
            lists[key] = _phrases(top[key], where)
            for i, phrase in enumerate(lists[key]):
                check_word(path.name, key, phrase, f"{where} entry {i + 1}")
        else:
            groups[key] = {
                name: _phrases(value, f"{where}.{name}")
                for name, value in _mapping(top[key], where).items()
            }
    return lists, groups


def load(data_dir: Path | None = None) -> Vocabulary:
    """Load and validate every data file of :data:`SCHEMA` (cached per directory)."""
    return _load(str((data_dir or DATA_DIR).resolve()))


@lru_cache(maxsize=4)
def _load(data_dir: str) -> Vocabulary:
    base = Path(data_dir)
    lists: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name, schema in SCHEMA.items():
        path = base / name
        lists[name], groups[name] = parse_file(path, schema)
        try:
            digest.update(name.encode() + b"\0" + path.read_bytes())
        except OSError as exc:  # pragma: no cover - parse_file read it a moment ago
            raise VocabularyError(f"{path}: {exc}") from exc
    return Vocabulary(lists, groups, digest.hexdigest())


def fingerprint(data_dir: Path | None = None) -> str:
    """SHA-256 over the data files' content as they are now on disk (not the cached load):
    part of the scan workers' reload key, so an edited vocabulary rebuilds the workers."""
    base = data_dir or DATA_DIR
    digest = hashlib.sha256()
    for name in SCHEMA:
        try:
            digest.update(name.encode() + b"\0" + (base / name).read_bytes())
        except OSError as exc:
            raise VocabularyError(f"{base / name}: {exc}") from exc
    return digest.hexdigest()
