"""The inspector remembers routing verdicts per path and host name: asked again (and for
values too long to remember) it answers as the routing check does, blocked ones included."""

from __future__ import annotations

from proxy.inspection.pipeline import BLOCKED, ROUTING_MEMO_CHARS
from tests.unit.inspection.test_inspector import inspector

PATHS = [
    "/v1/chat/completions",
    "/openai/deployments/deepseek-r1/chat/completions?api-version=2024-10-21",
    "/models/deepseek-ai/DeepSeek-R1/v1/chat/completions",
    "/v1/chat/completions?model=deepseek-chat",
    "/v1/x" + "/a" * ROUTING_MEMO_CHARS + "/deployments/deepseek-r1",  # too long to remember
    "/v1/x" + "/a" * ROUTING_MEMO_CHARS,
]
HOSTS = [
    None,
    "",
    "api.openai.com",
    "someone-deepseek-r1-chat.hf.space",
    "plain-space.hf.space",
    "a" * ROUTING_MEMO_CHARS + ".deepseek-r1.hf.space",
]


def test_remembered_url_verdicts_are_the_routing_checks() -> None:
    inspect = inspector()
    verdicts = [inspect.routing.url_verdict(p) for p in PATHS]
    assert BLOCKED in verdicts and None in verdicts  # both kinds are asked
    for _ in range(2):
        assert [inspect._url_verdict(p) for p in PATHS] == verdicts


def test_remembered_host_verdicts_are_the_routing_checks() -> None:
    inspect = inspector()

    def direct(name):
        listed = not name or inspect.catalogue.listed_exactly(name)
        return BLOCKED if not listed and inspect.routing.host_verdict(name or "") else None

    verdicts = [direct(h) for h in HOSTS]
    assert BLOCKED in verdicts and None in verdicts
    for _ in range(2):
        assert [inspect.host_names_blocked_model([h]) for h in HOSTS] == verdicts
    assert inspect.host_names_blocked_model(HOSTS) == BLOCKED
