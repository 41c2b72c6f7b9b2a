"""Red team RT-11/12/27/30/59/61: a value split by markup, glue, string concatenation, a
line break, NATO spelling or written backwards is joined as a reader joins it (the joined
view, detectors/joined.py). Payloads are built here; each class has benign look-alikes that
must stay allowed (code with snake_case, ordinary markdown and HTML, lists of strings,
hashes)."""

from __future__ import annotations

import codecs
import json

import pytest

from detectors.normalise import normalise

NINO = "JG103759A"  # valid format, made up
NHS = "9434765919"  # mod-11 valid, made up
AWS = "AKIA" + "Q3EGRKTN7V2XPZ5M"
GHP = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"


def cats(engine, text: str) -> list[str]:
    return engine.scan(text).categories


def spans(engine, text: str, entity: str) -> list[str]:
    return [text[f.start : f.end] for f in engine.scan(text).findings if f.entity_type == entity]


MARKUP = {
    "html comment": "JG10<!-- x -->3759A",
    "html tags": "JG10<b></b>3759A",
    "markdown bold": "JG10**3759**A",
    "markdown code ticks": "`JG10``3759A`",
    "strike": "JG10~~3759~~A",
    "latex": r"$\mathrm{JG}103759\mathrm{A}$",
    "backslash escapes": r"J\G\1\0\3\7\5\9\A",
    "ansi escape": "JG10\x1b[0m3759A",
    "ansi colour": "\x1b[31mJG10\x1b[1;32m3759A\x1b[0m",
    "line separator": "JG10\u20283759A",
    "quoted e-mail lines": "JG10\n> 3759A",
    "line break": "JG1037\n59A",
    "folded line": "JG1037\r\n 59A",
    "right-to-left override": "\u202e" + NINO[::-1] + "\u202c",
}


@pytest.mark.parametrize("kind", sorted(MARKUP))
def test_markup_and_breaks_inside_a_value(engine, kind: str) -> None:
    text = f"Claimant NI {MARKUP[kind]} - draft the letter"
    assert cats(engine, text) == ["PERSONAL_DATA"], kind
    (found,) = spans(engine, text, "UK_NINO")
    assert found.replace("\n", "").startswith(MARKUP[kind].replace("\n", "")[:1]) or kind in (
        "latex",
        "markdown code ticks",
        "ansi colour",
    )


CONCAT = {
    "js plus": "const ni = 'JG10' + '3759A';",
    "python implicit": 'ni = ("JG10" "3759A")',
    "sql pipes": "SELECT * FROM c WHERE ni = 'JG10' || '3759A';",
    "excel ampersand": '="JG10"&"3759A"',
    "csv concatenate": 'name,ni\nJane,=CONCATENATE("JG10","3759A")',
    "php dot": "$ni = 'JG10' . '3759A';",
    "f-string pieces": "ni = f\"{'JG10'}{'3759A'}\"",
    "char array": json.dumps(list(NINO)) + " <- join these",
    "chunks": json.dumps(["JG", "1037", "59A"]),
}


@pytest.mark.parametrize("kind", sorted(CONCAT))
def test_concatenated_literals(engine, kind: str) -> None:
    assert cats(engine, CONCAT[kind]) == ["PERSONAL_DATA"], kind


def test_concatenated_credentials_and_markings(engine) -> None:
    assert "CREDENTIALS" in cats(engine, json.dumps(list(AWS)))
    chunks = json.dumps(["OFFI", "CIAL-SEN", "SITIVE: Minister to close the Leeds office"])
    assert cats(engine, chunks) == ["OFFICIAL_SENSITIVE"]


GLUE = {
    "snake prefix": f"save the record as claimant_{NINO} please",
    "snake suffix": f"file name is {NINO}_2024.pdf",
    "snake both, lower case": f"nino_{NINO.lower()}_record",
    "camelCase": f"variable ni{NINO} holds the claimant",
    "digit after": f"claimant {NINO}2 in the list",
    "nhs glued": f"patient nhs{NHS} referral",
    "nhs capitals": f"patient NHS{NHS} referral",
}


@pytest.mark.parametrize("kind", sorted(GLUE))
def test_glued_identifiers(engine, kind: str) -> None:
    assert cats(engine, GLUE[kind]) == ["PERSONAL_DATA"], kind


def test_marking_written_backwards_inside_ordinary_text(engine) -> None:
    """RT-16: the marking token turned back in place (the rest of the line reads forwards)."""
    text = "EVITISNES-LAICIFFO - Briefing for the Minister: the Leeds office will close."
    assert cats(engine, text) == ["OFFICIAL_SENSITIVE"]


def test_marking_wrapped_in_plus_signs(engine) -> None:
    """A UTF-7-style wrapping (the marking read as UTF-8 plain text)."""
    text = "+OFFICIAL-SENSITIVE- briefing: the Department intends to close the Leeds office"
    assert cats(engine, text) == ["OFFICIAL_SENSITIVE"]
    assert cats(engine, "C++ and official-sensitive handling guidance: what does it mean?") == []


def test_glued_marking(engine) -> None:
    text = "OFFICIAL-SENSITIVE_Briefing: ministers will close the Leeds office in March"
    assert cats(engine, text) == ["OFFICIAL_SENSITIVE"]


def test_nato_spelling_and_backwards(engine) -> None:
    assert cats(engine, "NI: Juliet Golf one zero three seven five nine Alpha") == ["PERSONAL_DATA"]
    assert cats(engine, "NI Juliett-Golf-1-0-3-7-5-9-Alfa please") == ["PERSONAL_DATA"]
    reverse = f"My NI number reversed is {NINO[::-1]} - reverse it and fill the form."
    assert cats(engine, reverse) == ["PERSONAL_DATA"]
    assert cats(engine, f"My NI number is {NINO[::-1]} - fill the form.") == []  # no cue
    assert "CREDENTIALS" in cats(engine, f"key backwards: {AWS[::-1]}")
    rot = codecs.encode(f"my NI number {NINO}", "rot13")
    assert cats(engine, f"decode the rot13: {rot}") == ["PERSONAL_DATA"]
    assert "CREDENTIALS" in cats(engine, f"token reversed: {GHP[::-1]}")


@pytest.mark.parametrize(
    "text",
    [
        "Use **bold** and `code` and <b>tags</b> in markdown; 2**32 is big; x*y*z.",
        "def claimant_record_2024(nino_value, nhs_number_field): return get_user_by_id(42)",
        "user_id = row['user_id']; created_at_2024_01_01 = True; fooBar123 = baz",
        "names = ['alpha beta', 'nino', 'email', 'phone']; keys = ('id', 'name', 'dob')",
        "print('hello' + ' ' + 'world'); greeting = 'Good' + 'morning'",
        "sha = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'",
        "commit ab123456cd0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a in main; uuid 4a3b123456c1-aa",
        "The orders were 1234567\n890 units and 55\n66 boxes.",
        "Romeo and Juliet met Oscar and Victor at the Hotel Delta in 1997.",
        "<!-- comment --> <div class='x'>text</div> <span>1</span><span>2</span>",
        "Reverse a string in Python: s[::-1]; the part number A123456BC is in stock",
        r"Paths: C:\Users\name\Documents and regex \d\w\s+ and \n newlines",
        "\x1b[1mBold\x1b[0m terminal output: build 2024 passed",
    ],
)
def test_look_alikes_stay_allowed(engine, text: str) -> None:
    assert cats(engine, text) == [], text


def test_joined_view_is_windows_around_the_edits_only() -> None:
    """The joined view holds the edited windows (line-bounded), not the whole text again;
    offsets map back to the original value."""
    filler = "ordinary words here. " * 200
    text = f"{filler}\nClaimant NI JG10<!-- x -->3759A today\n{filler}"
    joined = [v for v in normalise(text) if v.origin == "joined"]
    assert len(joined) == 1
    view = joined[0]
    assert "JG103759A" in view.text and len(view.text) < 300
    s = view.text.index("JG103759A")
    start, end = view.to_original(s, s + 9)
    assert text[start:end] == "JG10<!-- x -->3759A"


def test_clean_text_makes_no_extra_views() -> None:
    assert len(normalise("Please summarise the attached meeting notes for the team.")) == 1


def test_joins_are_linear_on_a_large_adversarial_input(engine) -> None:
    """1 MB of joinable runs: still one extra view, bounded by the text's size."""
    text = ("'a' + 'b' JG10**37**59A x_AB123456C_y\n" * 30_000)[: 1 << 20]
    views = normalise(text)
    assert sum(len(v.text) for v in views if v.origin == "joined") <= 2 * len(text)
