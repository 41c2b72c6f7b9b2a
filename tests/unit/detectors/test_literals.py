"""Literal prefilter (detectors/literals.py): the same answer as RE2's (?i) alternations."""

from __future__ import annotations

import random
import re
import sys

import pytest
import re2

from detectors.base import RE2_OPTIONS, LiteralTriggerPattern
from detectors.literals import LiteralSet, fold
from detectors.recognisers.credentials import CredentialRecogniser


def test_fold_is_re2_case_folding_for_every_code_point() -> None:
    """Rule: an ASCII character ``a`` matches code point ``c`` under RE2's ``(?i)`` exactly
    when ``fold(c) == a.lower()`` (so a literal occurs in ``fold(text)`` iff RE2 finds it)."""
    every = "".join(chr(c) for c in range(1, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    folded = fold(every)
    assert len(folded) == len(every)
    for i in range(1, 128):
        target = chr(i).lower()
        found = [m.start() for m in re2.finditer("(?i)" + re2.escape(chr(i)), every)]
        expected = [m.start() for m in re.finditer(re.escape(target), folded)]
        assert found == expected, (chr(i), [hex(ord(every[j])) for j in set(found) ^ set(expected)])


def test_fold_keeps_length_and_other_characters() -> None:
    """Rule: folding maps one character to one character and leaves non-ASCII text alone
    (``ß``, ``İ``, ``ﬁ`` have no single-character ASCII fold in RE2)."""
    text = "Straße İstanbul ﬁle \u212aey \u017fecret ÀPI"
    assert len(fold(text)) == len(text)
    assert fold(text) == "straße İstanbul ﬁle key secret Àpi"


def _re2_groups(groups: list[tuple[str, ...]], text: str) -> set[int]:
    rs = re2.Set.SearchSet(RE2_OPTIONS)
    for literals in groups:
        rs.Add("(?i)(?:" + "|".join(re2.escape(x) for x in literals) + ")")
    rs.Compile()
    return set(rs.Match(text.encode()) or ())


def test_literal_set_answers_like_an_re2_set_of_case_insensitive_alternations() -> None:
    """Rule: ``LiteralSet.groups_in(fold(text))`` is the set of matches of an RE2 set of
    ``(?i)(?:lit|...)`` patterns, overlaps and shared literals included."""
    groups = [("key", "api_key"), ("secret",), ("pass", "passwd"), ("$1$",), ("key",), ("sk",)]
    literal_set = LiteralSet(groups)
    rng = random.Random(7)
    alphabet = [*"keyKEYapi_sSecrtpwd$1 \u212a\u017fßİ-", "\u00e9", "\n"]
    texts = ["", "nothing here", "API_KEY=1", "my pa\u017f\u017fwd", "\u212aEY", "$1$abc", "ask"]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    for text in texts:
        assert literal_set.groups_in(fold(text)) == _re2_groups(groups, text), repr(text)


def test_literal_set_refuses_non_ascii_or_empty_literals() -> None:
    """Rule: only non-empty ASCII literals (their folding is then RE2's)."""
    with pytest.raises(ValueError, match="group 1"):
        LiteralSet([("ok",), ("straße",)])
    with pytest.raises(ValueError, match="group 0"):
        LiteralSet([("",)])
    assert LiteralSet([]).groups_in("anything") == set()


def test_credential_rule_selection_is_the_re2_keyword_set() -> None:
    """Rule: the credential recogniser runs exactly the rules an RE2 set of their (?i)
    keyword alternations (or their prefilter) selects, and its trigger fires exactly when
    its RE2 trigger regex matches."""
    rec = CredentialRecogniser()
    rule_set = re2.Set.SearchSet(RE2_OPTIONS)
    for rule in rec.rules:
        rule_set.Add(
            rule.prefilter or "(?i)(?:" + "|".join(re2.escape(k) for k in rule.keywords) + ")"
        )
    rule_set.Compile()
    (trigger,) = rec.patterns
    assert isinstance(trigger, LiteralTriggerPattern)
    trigger_rx = re2.compile(trigger.regex, RE2_OPTIONS)
    residue_rx = re2.compile(trigger.residue, RE2_OPTIONS) if trigger.residue else None
    literal_trigger = LiteralSet([trigger.literals])
    rng = random.Random(11)
    keywords = sorted({k for r in rec.rules for k in r.keywords})
    texts = [
        "",
        "Please summarise the attached minutes.",
        "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz",
        "token: ghp_" + "a" * 36,
        "\u212aEY=\u017fecret value",
        "my PASSWORD is hunter2",
        "SK" + "0123456789abcdef" * 2,
    ]
    for _ in range(400):
        words = [rng.choice(keywords) for _ in range(rng.randint(0, 3))]
        words = [w.upper() if rng.random() < 0.3 else w for w in words]
        words += ["lorem", "ipsum", "Straße", "\u212a", "\u017f"]
        rng.shuffle(words)
        texts.append(" ".join(words))
    for text in texts:
        data = text.encode()
        assert rec._matching_rules(text, data) == set(rule_set.Match(data) or ()), repr(text)
        fired = bool(literal_trigger.groups_in(fold(text))) or bool(
            residue_rx and residue_rx.search(data)
        )
        assert fired == bool(trigger_rx.search(data)), repr(text)
