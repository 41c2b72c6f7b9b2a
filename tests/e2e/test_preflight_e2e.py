"""Issue 17 item 7: `aidlp run` checks everything it needs before it listens, and
`aidlp config check` reports the same problems, naming the key and the file.

Each case starts the real `aidlp run` with a config that used to pass `config check` and
then fail after the proxy was already listening. Now `run` exits 2 without ever listening.
"""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from tests.e2e.harness import ROOT, aidlp_executable, wait_for_port

pytestmark = pytest.mark.e2e

CASES = {
    "missing fingerprint index": (
        "detectors:\n  fingerprint_index: no-such-index.idx\n",
        ["detectors.fingerprint_index", "no-such-index.idx"],
    ),
    "missing hmac_key_file": (
        "events:\n  hmac_key_file: no-such-dir/hmac-key\n",
        ["events.hmac_key_file", "no-such-dir/hmac-key"],
    ),
    "spaCy model not installed": (
        "detectors:\n  spacy_model: en_core_web_not_installed\n",
        ["detectors.spacy_model", "en_core_web_not_installed"],
    ),
}


def start(config_path, tmp_path, *extra: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port_pair()
    proc = subprocess.Popen(
        [aidlp_executable(), "run", "--config", str(config_path), "--listen-port", str(port),
         *extra, "--", "--set", f"confdir={tmp_path / 'mitmproxy'}"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    return proc, port


def free_port_pair() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def assert_refuses_before_listening(proc: subprocess.Popen[str], port: int) -> str:
    deadline = time.monotonic() + 60
    listened = False
    while proc.poll() is None and time.monotonic() < deadline:
        listened = listened or wait_for_port(port, 0.05)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2, out + err
    assert not listened, "the proxy listened before refusing to start"
    return err


@pytest.mark.parametrize("case", sorted(CASES))
def test_run_and_config_check_name_the_problem(case, tmp_path):
    yaml, needles = CASES[case]
    config = tmp_path / "aidlp.yaml"
    config.write_text(yaml)
    proc, port = start(config, tmp_path)
    err = assert_refuses_before_listening(proc, port)
    for needle in [*needles, str(config)]:
        assert needle in err, err
    assert "Traceback" not in err

    check = subprocess.run(
        [aidlp_executable(), "config", "check", str(config)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 2, check.stdout + check.stderr
    for needle in [*needles, str(config)]:
        assert needle in check.stderr, check.stderr


def test_busy_metrics_port_refused_before_listening(tmp_path):
    config = tmp_path / "aidlp.yaml"
    config.write_text("workers:\n  processes: 1\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        metrics_port = busy.getsockname()[1]
        proc, port = start(config, tmp_path, "--metrics-port", str(metrics_port))
        err = assert_refuses_before_listening(proc, port)
    assert f"127.0.0.1:{metrics_port}" in err and "metrics" in err, err
    assert "already in use" in err


def test_webhook_without_token_is_a_warning_at_start(start_proxy):
    proxy = start_proxy(
        "workers:\n  processes: 1\nevents:\n  webhook:\n"
        "    url: https://127.0.0.1:9/services/collector/event\n    token_env: AIDLP_TEST_NO_TOKEN\n",
        name="webhook-warning",
    )
    output = proxy.output()
    assert "warning: events.webhook" in output and "$AIDLP_TEST_NO_TOKEN is not set" in output
