"""Red team RT-152: a credential introduced by its keyword in leet (``p4ssw0rd:``,
``P@$$W0RD=``, ``s3cr3t:``, ``t0k3n:``) is found as with the plain keyword: the joined view
reads the keyword through the look-alikes of ``leet_letters`` (``detectors/data/
normalise.yaml``), and the credential rules judge the value as usual. A leet word with no
value, a placeholder value, and a leet word glued to other letters stay allowed."""

from __future__ import annotations

import pytest

VALUE = "Gr4nary&Wharf19"

WITH_CREDENTIALS = [
    f"p4ssw0rd: {VALUE}",
    f"my p@ssword is {VALUE}",
    f"P@$$W0RD={VALUE}",
    f"pa55word: {VALUE}",
    f"passw0rd = '{VALUE}'",
    f"DB_P4SSW0RD={VALUE}",
    "s3cr3t: Gr4nary&Wharf19x9Zq",
    "t0k3n: Gr4naryWharf19xZq8Lm2PqA",
    "4p1_k3y=Gr4naryWharf19xZq8Lm2Pq",
]

WITHOUT_CREDENTIALS = [
    "Never use P@ssw0rd as your password.",  # a leet word, no value
    "p4ssw0rd is a common example in tutorials",
    "p4ssw0rd: ${DB_PASSWORD}",  # a placeholder after it
    "p4ssw0rd: changeme",
    "t0k3n: <your-token>",
    "the b4dge s3cr3tary said 7 things",  # not a keyword
]


@pytest.mark.parametrize("text", WITH_CREDENTIALS)
def test_a_leet_keyword_introduces_a_credential(engine, text: str) -> None:
    result = engine.scan(text)
    assert "CREDENTIALS" in result.categories, text
    found = [f for f in result.findings if f.category == "CREDENTIALS"]
    assert any(
        VALUE[:6] in text[f.start : f.end] or "Gr4nary" in text[f.start : f.end] for f in found
    )


@pytest.mark.parametrize("text", WITHOUT_CREDENTIALS)
def test_leet_words_without_a_credential_pass(engine, text: str) -> None:
    assert "CREDENTIALS" not in engine.scan(text).categories, text
