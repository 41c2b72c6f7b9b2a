"""Vocabularies are data files validated at load, with located errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detectors import vocabulary
from detectors.vocabulary import DATA_DIR, VocabularyError


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_shipped_vocabulary_loads() -> None:
    """Rule: every shipped data file matches its schema (the engine refuses to start otherwise)."""
    vocab = vocabulary.load()
    assert "HEALTH" in vocab.group("special.yaml", "special")
    assert "Aisha" in vocab.list("names.yaml", "forenames")
    assert len(vocab.digest) == 64


def test_entry_with_a_comma_is_a_located_error(tmp_path: Path) -> None:
    """Rule: a phrase holding a comma (two phrases run together) is refused, naming file,
    key, entry and line."""
    data = _copy(tmp_path)
    (data / "context.yaml").write_text(
        "personal: [debt]\ncasework: [journal]\nframing:\n  - claimant\n  - 'claimant, patient'\n"
        "topic_next: [process]\n"
    )
    with pytest.raises(VocabularyError, match=r"context.yaml: framing entry 2 \(line 5\)"):
        vocabulary.load(data)


def test_unknown_and_missing_keys_are_errors(tmp_path: Path) -> None:
    """Rule: an unknown top-level key (a typo) or a missing one is an error, not ignored."""
    data = _copy(tmp_path)
    names = "forenames: [Aisha]\nnot_names: [pip]\nnot_name_words: [The]\n"
    (data / "names.yaml").write_text(names + "org_nxt: [council]\n")
    with pytest.raises(VocabularyError, match=r"names.yaml line 4: unknown key 'org_nxt'"):
        vocabulary.load(data)
    (data / "names.yaml").write_text(names)
    with pytest.raises(VocabularyError, match="missing key 'org_next'"):
        vocabulary.load(data)


def test_non_string_entry_is_an_error(tmp_path: Path) -> None:
    """Rule: an entry must be a non-empty phrase (a number or an empty item is refused)."""
    data = _copy(tmp_path)
    (data / "context.yaml").write_text(
        "personal: [debt]\ncasework: [journal]\nframing: [claimant]\ntopic_next:\n  - 42\n"
    )
    with pytest.raises(VocabularyError, match="topic_next entry 1"):
        vocabulary.load(data)


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    """Rule: the fingerprint (part of the reload key) follows the files' content."""
    data = _copy(tmp_path)
    before = vocabulary.fingerprint(data)
    path = data / "context.yaml"
    path.write_text(path.read_text() + "\n# a comment\n")
    assert vocabulary.fingerprint(data) != before


def test_marking_and_document_rule_words_are_data(tmp_path: Path) -> None:
    """Rule: the markings vocabulary (descriptors, "asks about it" words, document nouns,
    handling instructions, marking columns) and the document rules' word lists (question
    starts, involvement, surname fields, reporting verbs) are data files, validated like the
    others (a located error) and part of the reload fingerprint."""
    vocab = vocabulary.load()
    assert "LOCSEN" in vocab.list("markings.yaml", "descriptors")
    assert "how do i" in vocab.list("document.yaml", "involved_phrases")
    data = _copy(tmp_path)
    before = vocabulary.fingerprint(data)
    text = (data / "markings.yaml").read_text()
    (data / "markings.yaml").write_text(text.replace("[status, marking,", "[status, 12,"))
    assert vocabulary.fingerprint(data) != before
    with pytest.raises(VocabularyError, match=r"markings.yaml: scheme_nouns entry 2 \(line \d+\)"):
        vocabulary.load(data)


def test_name_address_and_pronoun_words_are_data(tmp_path: Path) -> None:
    """Rule: the name-form words (honorifics, labels, roles, cues, greetings, workplace
    units), the street types and the document rules' pronouns are data files too, validated
    like the others: a YAML 1.1 boolean ('on' unquoted) is a located error."""
    vocab = vocabulary.load()
    assert "claimant" in vocab.list("person.yaml", "roles")
    assert "avenue" in vocab.list("address.yaml", "street_types")
    assert "she" in vocab.list("document.yaml", "carry_pronouns")
    assert "pasting" in vocab.list("markings.yaml", "introduces")
    data = _copy(tmp_path)
    text = (data / "person.yaml").read_text()
    (data / "person.yaml").write_text(text.replace('"on"', "on"))
    with pytest.raises(VocabularyError, match=r"person.yaml: imperative_next entry 8 \(line \d+\)"):
        vocabulary.load(data)
