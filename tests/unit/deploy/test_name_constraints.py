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


def test_shipped_launchers_forge_for_the_host_name_only() -> None:
    """A name-constrained CA needs forged certificates without the upstream's other names:
    `aidlp run` sets upstream_cert=false, and no shipped launcher turns it back on."""
    import argparse
    from pathlib import Path

    from proxy.commands.run import mitmdump_arguments

    args = argparse.Namespace(
        config=None, listen_host=None, listen_port=None, metrics_port=None, passthrough=[]
    )
    assert "upstream_cert=false" in mitmdump_arguments(args)
    root = Path(__file__).resolve().parents[3]
    launchers = {
        "deploy/Containerfile": '"aidlp"',
        "deploy/systemd/aidlp.service": "aidlp run",
        "deploy/k8s/deployment.yaml": "- run",
    }
    for name, launch in launchers.items():
        text = (root / name).read_text()
        assert launch in text, name  # started through `aidlp run`, which sets the option
        assert "upstream_cert" not in text, name
