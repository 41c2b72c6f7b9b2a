"""Red team RT-152: text written upside down (a "flip text" generator: the text reversed,
each character turned half a circle: ``ǝʌıʇısuǝs-lɐıɔıɟɟo``) is read right way up in its
own view (``upside_down`` in ``detectors/data/normalise.yaml``), so a marking, a NINO or a
password written so is found; ordinary text, phonetic transcription and a friendly
message written upside down stay allowed."""

from __future__ import annotations

import pytest
import yaml

from detectors.normalise import DATA_FILE, normalise

with open(DATA_FILE, encoding="utf-8") as handle:
    _FORMS = yaml.safe_load(handle)["upside_down"]


def flipped(text: str) -> str:
    """``text`` as a flip-text generator writes it (the first form of each character)."""
    return "".join(_FORMS.get(c, c)[0] for c in reversed(text))


def test_flipped_reads_back():
    assert flipped("OFFICIAL-SENSITIVE") == "ƎɅI⊥ISNƎS-˥∀IƆIℲℲO"
    view = [v for v in normalise(flipped("NI number AB 12 34 56 C")) if v.origin == "upside_down"]
    assert [v.text for v in view] == ["NI number AB 12 34 56 C"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (
            flipped("OFFICIAL-SENSITIVE\nThe brief on the reorganisation follows."),
            "OFFICIAL_SENSITIVE",
        ),
        ("ǝʌıʇısuǝs-lɐıɔıɟɟo\nbrief follows", "OFFICIAL_SENSITIVE"),  # lower case forms
        (flipped("NI number AB 12 34 56 C"), "PERSONAL_DATA"),
        (flipped("Claimant NINO: JG103729A"), "PERSONAL_DATA"),
        (flipped("password: Gr4nary&Wharf19"), "CREDENTIALS"),
    ],
)
def test_upside_down_values_are_found(engine, text: str, category: str) -> None:
    assert category in engine.scan(text).categories, text


@pytest.mark.parametrize(
    "text",
    [
        flipped("Have a lovely day, see you at 10 tomorrow!"),
        "ðə ˈfəʊnɛtɪk ˈtrænskrɪpʃən ɪz ɹɪˈtn wɪð ɐ ɒ ʌ ɜː",  # IPA, not upside down
        "Upside-down text such as ∀ or Ǝ is used in maths: ∀x ∃y.",
    ],
)
def test_harmless_text_stays_allowed(engine, text: str) -> None:
    assert engine.scan(text).categories == [], text


def test_ascii_text_gets_no_upside_down_view() -> None:
    assert [v.origin for v in normalise("pq bd nu 69 MW")] == ["text"]
