"""Red team RT-30 / RT-11 (round D, t91): more ways a reader joins a split value — a
markdown footnote reference, a link's target, a backslash-escaped underscore, LaTeX spacing
(``\\,``), a backspace or ANSI cursor-left that overprints, shell variables used side by side
(expanded with the values the text assigns), and reading cues ("mirror", "shifted by 13");
a reversed marking keeps its punctuation where it was. Each blocks through ScanEngine; the
benign look-alikes (ordinary markdown, LaTeX, shell scripts, terminal output, mirrors) make
no identifier."""

from __future__ import annotations

import pytest

from detectors.normalise import normalise

P = "Claimant NI number {} - draft the arrears letter."


@pytest.mark.parametrize(
    "value",
    [
        "JG10[^1]3729A",
        "[JG10](https://x.example)3729A",
        "JG10\\_3729A",
        "$\\text{JG}\\,103729\\,\\text{A}$",
        "$\\mathrm{JG}\\;10\\quad 3729\\!A$",
        "JG10X\b3729A",
        "JG10XX\b\b3729A",
        "JG10XX\x1b[2D3729A",
    ],
)
def test_markup_and_overprint_inside_a_value_block(engine, value):
    assert "UK_NINO" in {f.entity_type for f in engine.scan(P.format(value)).findings}


@pytest.mark.parametrize(
    "text",
    [
        'A=JG10; B=3729A; echo "claimant NI: $A$B"',
        'export P1="JG10"\nP2=3729A\ncurl -d "ni=${P1}${P2}" https://x.example/claim',
        "$a = 'JG10'; $b = '3729A'; Write-Output \"$a$b\"",
    ],
)
def test_shell_variables_side_by_side_are_expanded(engine, text):
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


@pytest.mark.parametrize(
    "text",
    [
        "Mirror this to get my NI number: A927301GJ",
        "My NI number shifted by 13 letters: WT103729N - undo the shift",
        "Rotate by 13 to read my NI number: WT103729N",
    ],
)
def test_more_reading_cues_turn_the_text_back(engine, text):
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


def test_a_reversed_marking_mid_line_reads_forwards_with_its_punctuation():
    views = normalise("Briefing note EVITISNES-LAICIFFO: the Department intends to close")
    joined = next(v for v in views if v.origin == "joined")
    assert "note OFFICIAL-SENSITIVE: the" in joined.text


@pytest.mark.parametrize(
    "text",
    [
        "See the guidance[^1] and the annex[^2] for the 2024 figures.\n\n[^1]: GOV.UK",
        "Read [the guide](https://www.gov.uk/guide)2024 edition, section 3.",
        "Use snake\\_case names like user\\_id2 and max\\_len10 in the schema.",
        "The bound is $x\\,\\in\\,[0, 1]$ and $\\text{for}\\quad n \\geq 10$.",
        'PREFIX=/usr/local; SUFFIX=bin; echo "$PREFIX$SUFFIX"; A=1; B=2; echo "$A$B"',
        'for f in *.log; do echo "$HOME$f"; done',
        "\x1b[1mbuild\x1b[0m ok in 12s; progress 10%\x1b[3D20%\x1b[3D30%",
        "Check the mirror before you reverse; shift 13 boxes to bay 4 by 1300.",
        "Typing teh\b\bhe quick brown fox; 1234\b5 done.",
    ],
)
def test_benign_markdown_latex_shell_and_terminal_text_make_no_identifier(engine, text):
    assert engine.scan(text).categories == []


@pytest.mark.parametrize(
    "text",
    [
        "Claimant NI number JG%3103729A",
        "Claimant NI number JG\\u003103729A",
        "Claimant NI number JG\\x3103729A",
        "Claimant NI number JGIO3729A",
        "Claimant NI number JG one 03729 A",
        "Claimant NI: J G un dim tri saith dau naw A - draft the arrears letter.",
        "Claimant NI: J G un zéro trois sept deux neuf A - draft the arrears letter.",
        "Let a = 'JG1037' and b = '29A'. My NI number is a followed by b. Fill the form.",
    ],
)
def test_one_character_disguised_or_named_parts_block(engine, text):
    """RT-10 addendum (t149), RT-12 (Welsh/French digit words), RT-13 (named parts)."""
    assert "UK_NINO" in {f.entity_type for f in engine.scan(text).findings}


@pytest.mark.parametrize(
    "text",
    [
        "See https://x.example/a%20b%2Fc?q=abc%3D123 and the 50%OFF sale, 20%25 more.",
        "Printf uses \\x41 for A; the escape \\u00e9 is e-acute in JSON.",
        "Model BOOIIO10A and part ABIOOIIOC are in stock.",
        "Il y a un chat et deux chiens; trois sont partis. Mae tri o blant yma.",
        "Let x = 'left' and y = 'right'. The answer is x followed by y.",
        "Use step 1 then step 2, then total plus tax.",
    ],
)
def test_escapes_words_and_named_parts_in_ordinary_text_stay_clean(engine, text):
    assert engine.scan(text).categories == []
