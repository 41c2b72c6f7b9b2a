"""Red team RT-111 (people side): a name in one turn, a page of other text, then the
condition in the next turn ("She has ...") blocks on the next turn: the memory keeps the
last sentence of an earlier turn that names someone and reads it just before the new turn
(proxy/conversation/memory.py ``referent``). Unrelated turns after a name stay allowed."""

from __future__ import annotations

import pytest

from proxy.conversation.memory import referent
from tests.unit.inspection.test_conversation_memory import (
    CONDITION,
    FILLER,
    NAME,
    chatgpt,
    engine,  # noqa: F401  (the module's engine fixture)
    make,
    run,
    web,
)


@pytest.mark.parametrize(
    "turns",
    [
        [NAME + FILLER, CONDITION],
        [NAME, FILLER.strip(), FILLER.strip(), CONDITION],
        [NAME + FILLER + FILLER + FILLER, CONDITION],
    ],
)
def test_name_then_pages_then_condition_blocks(engine, turns):  # noqa: F811
    inspector, _ = make(engine)
    for text in turns[:-1]:
        assert run(inspector, chatgpt(text), web()).decision.action == "allow"
    last = run(inspector, chatgpt(turns[-1]), web())
    assert last.blocked
    assert "SPECIAL_CATEGORY" in last.result.categories


@pytest.mark.parametrize(
    "later",
    [
        "What is the capital of France?",
        "Summarise the rota changes in three bullet points.",
        "She asked about the parking changes; draft a short reply.",
    ],
)
def test_unrelated_turns_after_a_name_stay_allowed(engine, later):  # noqa: F811
    inspector, _ = make(engine)
    assert run(inspector, chatgpt(NAME + FILLER), web()).decision.action == "allow"
    assert run(inspector, chatgpt(later), web()).decision.action == "allow"


def test_referent_is_the_last_sentence_naming_someone():
    text = "Morning all. The claimant is Jane Smith from Leeds. We talked about parking."
    assert referent(text) == "The claimant is Jane Smith from Leeds."
    assert referent("Nothing agreed. We met at noon.", "Mr Okafor called.") == "Mr Okafor called."
    assert referent("Nothing agreed.") == ""
