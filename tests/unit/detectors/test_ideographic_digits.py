"""Red team RT-155: a value written in Chinese or Japanese numerals (``AB 一二 三四 五六 C``),
or in circled / parenthesized ideographs (``㊀㊁``, ``㈠㈡``: NFKC reads them as numerals), is
read as digits in the joined view (``ideographic_digits`` in ``detectors/data/
normalise.yaml``); Chinese prose with dates and counts (shorter runs) stays allowed."""

from __future__ import annotations

import pytest

FOUND = [
    ("NI number AB 一二 三四 五六 C", "PERSONAL_DATA"),
    ("NI number AB ㊀㊁ ㊂㊃ ㊄㊅ C", "PERSONAL_DATA"),
    ("NI number AB ㈠㈡ ㈢㈣ ㈤㈥ C", "PERSONAL_DATA"),
    ("NHS 九四三 四七六 五九一九", "PERSONAL_DATA"),
    ("请给他打电话：〇七九一一 一二三四五六", "PERSONAL_DATA"),  # a UK mobile number
]

ALLOWED = [
    "我在二〇二四年去了北京，一共三个人。",  # a date and a count
    "一二三四五，上山打老虎。",  # a counting rhyme: five numerals
    "第一章 第二节 第三段",
]


@pytest.mark.parametrize(("text", "category"), FOUND)
def test_a_value_in_ideographic_numerals_is_found(engine, text: str, category: str) -> None:
    assert category in engine.scan(text).categories, text


@pytest.mark.parametrize("text", ALLOWED)
def test_chinese_prose_with_numerals_stays_allowed(engine, text: str) -> None:
    assert engine.scan(text).categories == [], text
