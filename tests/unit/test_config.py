"""Config loading: embedded default, merging, and errors that name the field and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from proxy.config import ConfigError, load_config


def test_embedded_default_loads():
    loaded = load_config()
    assert loaded.config.listen.host == "127.0.0.1" and loaded.config.listen.port == 8080
    assert loaded.config.metrics.port == 9464
    assert loaded.config.limits.max_body_bytes == 20 * 1024 * 1024
    assert loaded.catalogue.match("chat.deepseek.com").status.value == "blocked"


def test_user_file_merges_over_default(tmp_path):
    path = tmp_path / "aidlp.yaml"
    path.write_text("policy:\n  mode: monitor\nlisten:\n  port: 3128\n")
    loaded = load_config(path)
    assert loaded.config.policy.mode.value == "monitor"
    assert loaded.config.listen.port == 3128
    assert loaded.config.listen.host == "127.0.0.1"  # untouched default kept


def test_extra_tools_and_relative_catalogue_path(tmp_path):
    (tmp_path / "tools.yaml").write_text(
        "version: 1\ntools:\n  - id: dept\n    name: Dept AI\n    status: approved\n    hosts: [ai.dept.example]\n"
    )
    path = tmp_path / "aidlp.yaml"
    path.write_text(
        "catalogue:\n  file: tools.yaml\n  extra_tools:\n"
        "    - {id: other, name: Other, hosts: ['*.other.example'], status: blocked}\n"
    )
    loaded = load_config(path)
    assert loaded.catalogue.match("ai.dept.example").status.value == "approved"
    assert loaded.catalogue.match("x.other.example").status.value == "blocked"
    assert loaded.catalogue.match("api.openai.com") is None  # replaced catalogue file


@pytest.mark.parametrize(
    "text,field,line",
    [
        ("policy:\n  mode: enforcing\n", "policy.mode", 2),
        ("listen:\n  host: 127.0.0.1\n  port: 70000\n", "listen.port", 3),
        ("limits:\n  max_body_bytes: lots\n", "limits.max_body_bytes", 2),
        ("unknown_section: 1\n", "unknown_section", 1),
        (
            "catalogue:\n  extra_tools:\n    - id: x\n      name: X\n      hosts: ['http://x.example/']\n",
            "catalogue.extra_tools.0.hosts.0",
            5,
        ),
    ],
)
def test_errors_name_field_file_and_line(tmp_path, text, field, line):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert field in message and f"{path} line {line}" in message


@pytest.mark.parametrize(
    "text,needle",
    [
        ("policy: [unclosed\n", "invalid YAML"),
        ("policy:\n  mode: enforce\npolicy:\n  mode: monitor\n", "duplicate key"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_malformed_files(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_config(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.yaml")


def test_bad_catalogue_file_names_its_line(tmp_path):
    (tmp_path / "tools.yaml").write_text(
        "version: 1\ntools:\n  - id: a\n    name: A\n    hosts: []\n"
    )
    path = tmp_path / "aidlp.yaml"
    path.write_text("catalogue:\n  file: tools.yaml\n")
    with pytest.raises(ConfigError, match=r"tools\.0\.hosts .*line 5"):
        load_config(path)


def test_config_check_cli(tmp_path):
    aidlp = str(Path(sys.executable).with_name("aidlp"))
    ok = subprocess.run([aidlp, "config", "check"], capture_output=True, text=True)
    assert ok.returncode == 0 and "config OK" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("workers:\n  processes: 0\n")
    result = subprocess.run([aidlp, "config", "check", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2
    assert "workers.processes" in result.stderr and "line 2" in result.stderr
