"""End-to-end fixtures: see harness.py for what each provides."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.e2e.harness import TEST_HOSTNAMES, AidlpProcess, free_port
from tests.e2e.upstream import Upstream

#: Default e2e config: one worker to spare this 2-core machine.
TEST_CONFIG = """
workers:
  processes: 1
"""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The log-leak test scans every proxy's output of the session, so it runs last."""
    last = [item for item in items if item.path.name == "test_no_leak_in_logs.py"]
    items[:] = [item for item in items if item.path.name != "test_no_leak_in_logs.py"] + last


def require_tool(name: str) -> str:
    """Path of a system tool; skipped when absent unless AIDLP_E2E_STRICT=1 (CI) makes it fail."""
    found = shutil.which(name)
    if found:
        return found
    if os.environ.get("AIDLP_E2E_STRICT") == "1":
        pytest.fail(f"{name} is required for this test (AIDLP_E2E_STRICT=1)")
    pytest.skip(f"{name} is not installed")


class PKI:
    def __init__(self, base: Path) -> None:
        self.ca = trustme.CA()
        self.ca_pem = base / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_pem))
        leaf = self.ca.issue_cert(*TEST_HOSTNAMES, "127.0.0.1")
        self.cert_pem = base / "upstream-cert.pem"
        self.key_pem = base / "upstream-key.pem"
        leaf.cert_chain_pems[0].write_to_path(str(self.cert_pem))
        for extra in leaf.cert_chain_pems[1:]:
            extra.write_to_path(str(self.cert_pem), append=True)
        leaf.private_key_pem.write_to_path(str(self.key_pem))


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    return PKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def upstream(pki: PKI) -> Iterator[Upstream]:
    server = Upstream(str(pki.cert_pem), str(pki.key_pem), free_port(), free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def start_proxy(tmp_path_factory: pytest.TempPathFactory, pki: PKI, upstream: Upstream):
    started: list[AidlpProcess] = []
    counter = itertools.count()
    env = {
        "AIDLP_TEST_UPSTREAM_HTTPS": str(upstream.https_port),
        "AIDLP_TEST_UPSTREAM_HTTP": str(upstream.http_port),
    }

    def start(
        config_yaml: str | None = TEST_CONFIG,
        extra_args: tuple[str, ...] = (),
        env_extra: dict[str, str] | None = None,
        name: str = "aidlp",
        wait: bool = True,
        confdir_files: dict[str, bytes] | None = None,
        mitmdump: bool = False,
    ) -> AidlpProcess:
        workdir = tmp_path_factory.mktemp(f"{name}{next(counter)}")
        proc = AidlpProcess(
            workdir,
            pki.ca_pem,
            env,
            config_yaml,
            extra_args,
            env_extra,
            name,
            confdir_files,
            mitmdump,
        )
        started.append(proc)
        return proc.wait_ready() if wait else proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture(scope="session")
def aidlp_proxy(start_proxy) -> AidlpProcess:
    return start_proxy(name="shared")


@pytest.fixture
def upstream_log(upstream: Upstream):
    upstream.log.clear()
    return upstream.log
