"""Red team RT-133 and issue 12: a marking that heads a VALUE (a JSON string, a CSV cell, a
URL query value) marks that value's content, as one heading a line does. Enum-like values,
scheme descriptions and questions stay mentions. Payloads are built here with the standard
encoders."""

from __future__ import annotations

import json
from urllib.parse import quote, unquote

import pytest

CONTENT = "OFFICIAL-SENSITIVE Briefing: the Department will close the Leeds office next year."


@pytest.mark.parametrize(
    "text",
    [
        "Convert to a table:\nid,note,site\n1," + CONTENT.replace(",", " ") + ",Leeds\n2,n/a,York",
        "id\tnote\tsite\n1\t" + CONTENT + "\tLeeds",
        "Parse this payload: " + json.dumps({"record": {"note": CONTENT}}),
        "Parse this payload: " + json.dumps(json.dumps({"record": {"note": CONTENT}})),
        json.dumps({"notes": [CONTENT, "second note"]}),
        "Why does this link 404? https://intranet.example/search?q=" + quote(CONTENT) + "&page=2",
    ],
    ids=["csv", "tsv", "json", "json-in-json", "json-array", "url-query"],
)
def test_a_marking_heading_a_value_marks_it(engine, text) -> None:
    """Rule: a marking in capitals at the start of a value, with the value's content after
    it, is a marking (the value is a line of its own to its reader)."""
    assert CONTENT in text or CONTENT in unquote(text) or json.dumps(CONTENT)[1:-1] in text
    assert "OFFICIAL_SENSITIVE" in engine.scan(text).categories


@pytest.mark.parametrize(
    "text",
    [
        json.dumps({"visibility": "RESTRICTED", "owner": "team-a"}),
        json.dumps({"note": "SECRET Santa list for the office party"}),
        json.dumps({"question": "What does OFFICIAL-SENSITIVE mean for email?"}),
        "level,name,description\n2,OFFICIAL-SENSITIVE,the marking for a subset of OFFICIAL "
        "information that could cause damage if lost",
        "| level | meaning |\n|---|---|\n| OFFICIAL-SENSITIVE | handle with care, need to know |",
        "https://www.gov.uk/search?q=" + quote("what is official sensitive"),
    ],
    ids=["enum", "secret-santa", "question", "scheme-csv", "scheme-md", "query"],
)
def test_values_about_the_scheme_stay_mentions(engine, text) -> None:
    """Rule: an enum value, a scheme's description, a question or a search about it are no
    marked content."""
    assert engine.scan(text).categories == []
