"""`aidlp pac --name-constraints`: the CA's permitted DNS subtrees cover every catalogue host."""

from __future__ import annotations

from proxy.catalogue import Catalogue, Tool
from proxy.config import load_config
from proxy.pac import constraint_domains, openssl_name_constraints


def within(host: str, roots: list[str]) -> bool:
    return any(host == r or host.endswith("." + r) for r in roots)


def test_every_catalogue_host_is_permitted() -> None:
    catalogue = load_config(None).catalogue
    roots = constraint_domains(catalogue)
    for pattern in catalogue.domains():
        for host in (pattern.replace("*.", "a.").replace("*-", "eu-"), pattern.replace("*", "x")):
            assert catalogue.match(host) is not None
            assert within(host, roots), host
    assert not within("www.gov.uk", roots)
    assert not within("notopenai.com", roots)


def test_reduction_and_prefix_wildcards() -> None:
    catalogue = Catalogue(
        [
            Tool(
                id="a",
                name="A",
                hosts=["api.example-ai.test", "*.example-ai.test", "example-ai.test"],
            ),
            Tool(id="b", name="B", hosts=["*-ml.cloud.test"]),
        ]
    )
    assert constraint_domains(catalogue) == ["cloud.test", "example-ai.test"]
    assert openssl_name_constraints(catalogue) == (
        "nameConstraints = critical, permitted;DNS:cloud.test, permitted;DNS:example-ai.test\n"
    )
