"""Issue 16 (content rule) / issue 12 (evasion recall): identifiers spaced by ANY one
repeated separator (RT-09 addendum) and letters spelled the way people dictate them (RT-12
addendum) are joined into a view; ordinary prose with the same characters or words is not.
The values are made up here."""

from __future__ import annotations

import time

import pytest
import yaml

from detectors import normalise as norm

NINO = "JG103759A"  # valid-format NINO, made up
NHS = "9434765919"  # NHS number with a valid check digit (the NHS's own example number)
MARKING = "OFFICIAL-SENSITIVE"

# one separator of each kind the first fix did not list: ASCII punctuation, typographic
# marks, arrows, symbols, emoji, and short runs with spaces around
ODD_SEPARATORS = [
    "~", "^", "=", "#", "'", '"', "!", "?", "@", "&", "%", "<", ">", "_", "(", "·", "•",
    "→", "❤", "★", "§", "¦", " ~ ", " → ", "~~", "=>",
]  # fmt: skip


def cats(engine, text: str) -> list[str]:
    return engine.scan(text).categories


@pytest.mark.parametrize("sep", ODD_SEPARATORS)
def test_one_repeated_separator_between_every_character_is_joined(engine, sep: str) -> None:
    """Rule: a run of >= 6 single letters/digits, each separated by the SAME short run of
    punctuation or symbols, reads as the value it spaces (NINO, NHS number, marking)."""
    assert cats(engine, f"Client NI no {sep.join(NINO)}, please write to them.") == [
        "PERSONAL_DATA"
    ]
    assert cats(engine, f"Patient NHS number {sep.join(NHS)} for the referral.") == [
        "PERSONAL_DATA"
    ]
    word_a, word_b = MARKING.split("-")
    spaced = sep.join(word_a) + "-" + sep.join(word_b)
    text = f"{spaced} Note for the Director: the Newport team will be cut by a third in May."
    assert "OFFICIAL_SENSITIVE" in cats(engine, text)


@pytest.mark.parametrize(
    "text",
    [
        "Weekend plans ~ sun ~ sea ~ sand ~ more ~ please #summer #beach #fun",
        "Compare a & b & c & d & e & f in the table below.",
        "Steps: 1 → 2 → 3 → 4 → 5 → 6 → done, then review the A/B results.",
        "The query string x=1&y=2&z=3&w=4&v=5 is parsed by the server.",
        "I ❤ U ❤ so ❤ much ★★★★★ five stars from me, 10/10 would buy again!",
        "Ratings: 5 ★ 4 ★ 3 ★ 2 ★ 1 ★ 0 across the six products we tested.",
        "Open tickets #1 #2 #3 #4 #5 #6 #7 #8 #9 #10 need an owner.",
        "Use names like a_b_c_d_e_f or x_1_2_3 in the Python example.",
        "Mixed separators J~G=1#0~3=7#5~9=A are not one spacing.",
        "Tilde art ~~~ and ~ ~ ~ rules, #hashtags and @mentions are fine.",
    ],
)
def test_prose_with_the_same_separators_stays_allowed(engine, text: str) -> None:
    """Rule: mixed separators, short runs, numbered lists and ordinary symbol use create no
    identifier."""
    assert cats(engine, text) == []


def test_lower_case_value_with_one_unusual_separator_is_joined(engine) -> None:
    """Rule: with an unusual separator throughout, a lower-case letter at either end belongs
    to the run (plain spacing drops a lone lower-case word there: "a J G 1 ...")."""
    assert cats(engine, f"ni {'~'.join(NINO.lower())} thanks") == ["PERSONAL_DATA"]


def test_mixed_separators_are_not_collapsed() -> None:
    """Rule: the unusual separator must be the same throughout (word breaks of a space or a
    dash apart); a mix is left as written."""
    text = "ref J~G=1#0~3=7#5~9=A end"
    assert norm.normalise(text)[0].text == text
    assert norm.normalise("ref J~G~1~0~3~7~5~9~A end")[0].text == f"ref {NINO} end"


def test_spaced_runs_stay_linear_on_clean_and_hostile_text() -> None:
    """Rule: the separator pattern is RE2 (no backtracking): 200 KB of separator-heavy text
    normalises in bounded time (generous bound: a failure means super-linear work)."""
    hostile = ("J~" * 50_000) + "\n" + ("~ ~ " * 25_000)
    start = time.process_time()
    norm.normalise(hostile)
    assert time.process_time() - start < 10


# -- dictated letters --------------------------------------------------------------------

DICTATED = [
    "My NI number is J as in Jack, G as in George, 1 0 3 7 5 9, A as in Apple.",
    "NI number: J for Juliet, G for Golf, 103759, A for Alpha.",
    "NI number is Johnny George one zero three seven five nine Able.",
    "Meine NI-Nummer: Julius Gustav eins null drei sieben fünf neun Anton.",
    "NI: capital J, capital G, one, zero, three, seven, five, nine, capital A.",
    "my national insurance number is jay gee one oh three seven five nine ay",
    "Juliett Golf one zero three seven five nine Alfa is the claimant's number.",
    "Patient NHS number nine four three, four seven six, five nine one nine.",
    "NI number J as in Jack G as in George 1 0 3 7 5 9 A as in Apple",
    "NI number: jay, gee, one, oh, three, seven, five, nine, ay.",
    "Ring her on oh seven nine four six, double one two, three four five.",
]


@pytest.mark.parametrize("text", DICTATED)
def test_dictated_values_block(engine, text: str) -> None:
    """Rule: spelling alphabets (NATO, RAF, German), letter names, "X as in Word", "X for
    Word", "capital X", and digit words in comma groups join into the value they spell."""
    assert cats(engine, text) == ["PERSONAL_DATA"]


@pytest.mark.parametrize(
    "text",
    [
        "A as in the example above, the answer is 3 or 4.",
        "Charlie and Victor played Golf on 3 May with Oscar and Mike.",
        "Victor Hugo wrote Les Miserables in 1862; King George was on the throne.",
        "Use a for loop: for i in range(10), then print i for each of 1, 2, 3.",
        "Pick one, two, three, four, five or six options from the list.",
        "The King and Queen met Peter, Roger and William in 1953.",
        "B for Boston is wrong, B as in Bravo is right, says the radio manual (chapter 4).",
        "Delta Echo team scored 3 goals; Golf Hotel in Lima has 12 rooms.",
        "Count: one, two, three, four, five, six, seven, eight, nine, ten.",
        "We need double or triple checks, one, two, three times a day.",
        "Scores were 12, 34, 56, 78 and 90; one two, three four.",
    ],
)
def test_alphabet_words_in_prose_stay_allowed(engine, text: str) -> None:
    """Rule: alphabet words, connectors and digit words in real sentences make no value
    (two spelled letters and a value-shaped result are needed)."""
    assert cats(engine, text) == []


def test_spelling_vocabularies_are_data_and_validated(tmp_path, monkeypatch) -> None:
    """Rule: the alphabets, digit words, connectors and letter cues live in the data file;
    a malformed table fails at load with the file named."""
    data = yaml.safe_load(norm.DATA_FILE.read_text(encoding="utf-8"))
    assert data["spelling_alphabets"]["raf"]["johnny"] == "J"
    assert "as in" in data["spelling_connectors"]
    data["spelling_alphabets"]["raf"]["johnny"] = "jj"
    bad = tmp_path / "normalise.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setattr(norm, "DATA_FILE", bad)
    norm._data.cache_clear()
    try:
        with pytest.raises(norm.NormaliseDataError, match="spelling_alphabets"):
            norm._data()
    finally:
        monkeypatch.undo()
        norm._data.cache_clear()
        norm._data()
