"""Precomposed accents on the letters a detection needs (red team RT-149).

Rule: a reader (and a model) reads "ÓFFICIAL-SENSITIVE", "sclérosis" or "pásswórd" through
the accents, so the scanner does too, through one extra view of the main text with
precomposed accents dropped; accented words the vocabularies hold still match as written,
and accented prose with nothing sensitive stays allowed.
"""

from __future__ import annotations

import pytest

from detectors.normalise import normalise


def categories(engine, text: str) -> set[str]:
    return set(engine.scan(text).categories)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("ÓFFICIAL-SENSITIVE: the minister's briefing on the reorganisation", "OFFICIAL_SENSITIVE"),
        ("OFFÍCIAL-SÉNSITIVE PERSONAL — do not forward", "OFFICIAL_SENSITIVE"),
        ("my pásswórd is Tr0ub4dor&3xK9!q", "CREDENTIALS"),
        ("aws key ÁKIAIOSFODNN7EXAMPLQ in the deploy script", "CREDENTIALS"),
        ("NI number ÁB 12 34 56 C", "PERSONAL_DATA"),
        # letters with a stroke, bar or tail have no decomposition: their names give the base
        ("ØFFICIAL-SENSITIVE: the minister's briefing on the reorganisation", "OFFICIAL_SENSITIVE"),
        ("db ᵽassword: Tr0ub4dor&3xK9!q", "CREDENTIALS"),
        ("key ȺKIAIOSFODNN7EXAMPLQ in the deploy script", "CREDENTIALS"),
        ("NI number ɈG 10 37 29 A", "PERSONAL_DATA"),
    ],
)
def test_precomposed_accents_are_read_through(engine, text: str, category: str) -> None:
    assert category in categories(engine, text)


def test_the_plain_form_of_each_positive_blocks_too(engine) -> None:
    """The positives' unaccented twins block the same way (the view adds nothing else)."""
    assert "OFFICIAL_SENSITIVE" in categories(engine, "OFFICIAL-SENSITIVE: the minister's briefing")
    assert "CREDENTIALS" in categories(engine, "my password is Tr0ub4dor&3xK9!q")


@pytest.mark.parametrize(
    "text",
    [
        "Le café est très agréable près de la gare, on y mange une crème brûlée délicieuse.",
        "¿Dónde está la estación? Está a cinco minutos, al lado del museo.",
        "Mae'r ysgol yn agos i'r dref; mae'n braf heddiw ac rydw i'n mynd â'r ci am dro.",
        "İstanbul'da hava bugün çok güzel, öğleden sonra çay içeceğiz.",
        "Der Bahnhof ist geschlossen, wir nehmen den Bus über die Brücke.",
        "Łódź i Gdańsk są piękne; jutro pojedziemy pociągiem nad morze.",
        "Vi møtes på kaféen i Tromsø klokka åtte, før toget går.",
        "The naïve résumé of the café's rôle in the coöperative was cliché.",
    ],
)
def test_accented_prose_with_nothing_sensitive_stays_allowed(engine, text: str) -> None:
    assert engine.scan(text).categories == []


def test_the_view_is_one_character_for_one_and_only_when_needed() -> None:
    [main, unaccented] = normalise("sclérosis HÍV İ")
    assert unaccented.origin == "unaccented"
    assert unaccented.text == "sclerosis HIV I"
    assert len(unaccented.text) == len(main.text)
    assert unaccented.to_original(0, 9) == (0, 9)
    assert [v.origin for v in normalise("plain ASCII text")] == ["text"]
    assert [v.origin for v in normalise("a ≥ b, 5 € — no accented letter")] == ["text"]
    [_, stroked] = normalise("Ø ł ħ Ɉ ı, but ß æ Ω ж stay")
    assert stroked.text == "O l h J i, but ß æ Ω ж stay"
