"""Letters and e-mails: whom "you" and "I" are (red team RT-88, RT-90).

A salutation ("Dear Ms Smith,", "Hi Jane,", "To: Kevin Walsh") names the person the
letter speaks to: "you/your" right before a special-category term, in any later paragraph
up to the closing, is that person. A writer who names themselves in full ("My name is
Jane Smith", or a signature under "Thanks,") is whom "I/my" right before such a term is
about: a named person's health is special-category data whoever writes it (the policy
call is in detectors/README.md). Written here, independently of the evaluation corpora.
"""

from __future__ import annotations

import pytest

_PADDING = "We have reviewed the arrangements for the office move and the parking allocation. "


def categories(engine, text: str) -> list[str]:
    return engine.scan(text).categories


# Rule: the salutation's person is "you" in a later paragraph (RT-88).
@pytest.mark.parametrize(
    "text",
    [
        "Proofread this letter:\n\nDear Ms Smith,\n\nThank you for your letter of 3 March and "
        "for attending the meeting on Monday.\n\nWe were sorry to hear that your multiple "
        "sclerosis has got worse. We will arrange a ground-floor desk.\n\nYours sincerely,\n"
        "HR Team",
        "Dear Jane,\n\nFurther to our call.\n\nYou told us you are HIV positive and asked for "
        "adjustments.\n\nKind regards,\nHR",
        # paragraphs of other matters between the salutation and the fact
        "Please tidy up this letter.\n\nDear Mr Okafor,\n\n" + _PADDING * 12 + "\n\nWe "
        "understand that your epilepsy means you cannot drive at present.\n\nKind regards,\n"
        "Facilities",
        "To: Kevin Walsh\nSubject: support\n\nFollowing your schizophrenia diagnosis we will "
        "review your hours.\n",
    ],
)
def test_second_person_in_a_letter_is_the_addressee(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in categories(engine, text)


# Rule (other side): "you" after the closing, an AI assistant greeted by name, a letter
# with no special-category fact, and "you" far from the term are no addressee's data.
@pytest.mark.parametrize(
    "text",
    [
        "Dear Mr Patel,\n\nThanks for your time today.\n\nKind regards,\nHR\n\nP.S. a general "
        "note for all readers: you can find our depression support leaflet on the intranet.",
        "Hi Claude, I have anxiety about public speaking. How can I get better at it?",
        "Dear Mr Patel,\n\nThank you for your letter about the parking permit. We will reply "
        "within ten days.\n\nYours sincerely,\nEstates",
        "Dear Mr Patel,\n\nYou asked what the office is doing for the awareness campaigns "
        "this year; the wellbeing team will publish the autism guide in May.\n\nRegards,\nHR",
    ],
)
def test_second_person_without_an_addressed_fact_stays_allowed(engine, text: str) -> None:
    assert categories(engine, text) == []


# Rule: a writer named in full is "I/my" before a special-category term (RT-90).
@pytest.mark.parametrize(
    "text",
    [
        "My name is Jane Smith and I work in the Leeds office. I have multiple sclerosis; "
        "draft my adjustment request.",
        "I have multiple sclerosis; draft my adjustment request.\n\nThanks,\nJane Smith, "
        "Leeds office",
        "I was diagnosed with epilepsy last month and cannot drive to site. Please draft a "
        "request for home working.\n\nThanks,\nMark Davies",
    ],
)
def test_a_named_writer_stating_their_own_condition_blocks(engine, text: str) -> None:
    assert "SPECIAL_CATEGORY" in categories(engine, text)


# Rule (other side): a forename alone identifies no writer; "I" far from the term (a
# cover letter about the people the writer supports) is not the writer's condition.
@pytest.mark.parametrize(
    "text",
    [
        "Hi, I'm Sarah and I have type 2 diabetes. What breakfast ideas are good for blood sugar?",
        "Improve my cover letter:\n\nDear Hiring Manager,\n\nI am writing to apply for the "
        "support worker role. I have five years' experience supporting adults with dementia "
        "and learning disabilities.\n\nYours sincerely,\nSarah Brown",
        "Can you review my email?\n\nHi team,\n\nThe mental health first aiders list is now on "
        "the intranet.\n\nThanks,\nMark Davies",
    ],
)
def test_first_person_without_a_named_writer_or_own_fact_stays_allowed(engine, text) -> None:
    assert categories(engine, text) == []
