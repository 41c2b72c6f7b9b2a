"""Whom the personal context is about (detectors/subjects.py and combine.py), class by class.

Each case states the rule it pins; the texts are written here (synthetic), both sides."""

from __future__ import annotations

import pytest

CASES = [
    # (rule, text, blocks?)
    # -- public figures in a public role ------------------------------------------------
    ("a role title before a name makes it a public figure",
     "Treasury Secretary Janet Yellen said the benefit cap would be reviewed.", False),
    ("a name in apposition with a role is a public figure",
     "The chancellor, Rachel Reeves, announced changes to pension credit.", False),
    ("published news (agency, reporting verbs, quotes) is not casework",
     'Reuters reported on Monday that Mark Halloway, the minister, told reporters "we will act". '
     'Officials said the sanctions regime would change. "It is fair," he added, according to the BBC.',
     False),
    ("a reference biography (born DATE, is a ...) is public",
     "Denholm Ashcroft (born 4 June 1951) is a British novelist. He was diagnosed with diabetes.",
     False),
    ("a byline names the writer of a published piece",
     "by Tom Carver, Lead Prison Pharmacist\nIt has long been recognised that prison health...",
     False),
    ("casework about a private person blocks even when a reporting verb is used",
     "The claimant Gary Pike says he was sanctioned last week and cannot pay his rent.", True),
    # -- fiction, role play, hypothetical, textbook, toy data -----------------------------
    ("fiction framing: names in a story are nobody's data",
     "Write a short story about a nurse called Helen Marsh who is diagnosed with cancer.", False),
    ("role play framing",
     "Let's role-play: you are Dr Simon Reed and I have depression. Start the session.", False),
    ("a programming task's records are toy data",
     "Write a Python function that parses this JSON string: "
     '{"name": "Karen Lowe", "dob": "1990-01-01", "address": "12 High Street"}', False),
    ("placeholder names are examples, not people",
     "Claimant Joe Bloggs has been sanctioned and is in rent arrears.", False),
    ("a format example is nobody's number",
     "Example mobile format for the form: 07700 900123", False),
    ("a placeholder street line is nobody's address",
     "Her address is 123 Main Street, use it to test the form.", False),
    # -- NER off where no person can be --------------------------------------------------
    ("markdown table cells and headings are not people",
     "## Executive Summary\n| Alpha | Governance |\n|---|---|\n| Moderate | Inherent Risk |\n"
     "The diagnosis backlog is reported monthly.", False),
    ("a one-word NER 'person' that is not a forename is a product or company",
     "Please write a pitch deck for my company, Cortado, which helps students with rent arrears.",
     False),
    ("title honorifics are roles, not names",
     "The Lord Chancellor and the Lady Chief Justice disagree about the sentencing backlog.",
     False),
    # -- special category only about an identifiable person -------------------------------
    ("a religion word in a general sense is not about anyone",
     "Islamic State lost territory in 2017; summarise the Muslim-majority countries' response.",
     False),
    ("a health word with no person behind it",
     "Our mental health first aiders meet monthly; draft the agenda.", False),
    ("a named claimant's child's condition is special category",
     "Claimant Lucy Barnes says her son Jayden has cerebral palsy and needs help at night.", True),
    ("a colleague's political campaigning is special category",
     "My colleague Steve Harding spends his weekends canvassing for Reform UK.", True),
    ("trade union membership of a named person",
     "Raj Patel in my team is a union rep; how do I handle his time off for union duties?", True),
    ("a named person's religious observance",
     "David Cohen keeps the Sabbath so cannot work Friday evenings; draft a reply.", True),
    ("age as a protected characteristic about a named person",
     "Sandra Lee is 58 and worried about age discrimination in the restructure.", True),
    # -- ties by sentence structure, not character distance -------------------------------
    ("context in another sentence about someone else does not tie",
     "Ask Emily Carter to book the room. The guidance on benefit sanctions is attached.", False),
    ("a pronoun carries the context back to the named person",
     "I met Joanne Pritchard today. She told me she has been evicted and is sofa surfing.", True),
    ("a record's fields are about the person named in it",
     "Name: Peter Jones\nRef: 4471\nNotes: sanctioned twice, rent arrears", True),
    # -- personal data written as people write it -----------------------------------------
    ("a warning letter for a named officer",
     "Draft a formal warning letter for PC Gary Holt about his repeated lateness.", True),
    ("pension arithmetic for Mr and Mrs X",
     "Pension Credit calc for Mr and Mrs Okafor: his state pension is £176.45 a week.", True),
    ("bank details for a named payee in capitals",
     "paid in error to JOHN PATRICK HEALY acc no 32005087 sc 61 06 96 please recover", True),
    ("a named colleague's reference",
     "Write a job reference for Tom Fletcher. He was dismissed for gross misconduct.", True),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "text", "blocks"), CASES, ids=[c[0] for c in CASES])
def test_whom_the_context_is_about(engine, rule: str, text: str, blocks: bool) -> None:
    categories = engine.scan(text).categories
    assert bool(categories) is blocks, (rule, categories)


def test_special_category_needs_a_person(engine) -> None:
    """Rule: special-category terms count as SPECIAL_CATEGORY only with a person they are
    about; the same term alone is allowed, with a named claimant it blocks as both."""
    assert engine.scan("How should we support staff going through IVF?").categories == []
    assert engine.scan("Kelly Ward told me she is going through IVF.").categories == [
        "PERSONAL_DATA",
        "SPECIAL_CATEGORY",
    ]
