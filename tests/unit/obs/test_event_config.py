"""The ``events:`` config section: validated with field + line, paths relative to the file."""

from __future__ import annotations

import pytest

from proxy.config import ConfigError, load_config


def write(tmp_path, text: str):
    path = tmp_path / "aidlp.yaml"
    path.write_text(text)
    return path


def test_defaults_are_stdout_only():
    events = load_config().config.events
    assert events.stdout is True
    assert events.file.path is None and events.syslog.host is None and events.webhook.url is None


def test_relative_sink_paths_are_relative_to_the_config_file(tmp_path):
    path = write(
        tmp_path,
        "events:\n  hmac_key_file: keys/hmac.key\n  file:\n    path: logs/events.jsonl\n"
        "  webhook:\n    url: https://hec.example:8088/services/collector/event\n"
        "    token_file: hec.token\n",
    )
    events = load_config(path).config.events
    assert events.hmac_key_file == str(tmp_path / "keys" / "hmac.key")
    assert events.file.path == str(tmp_path / "logs" / "events.jsonl")
    assert events.webhook.token_file == str(tmp_path / "hec.token")
    assert events.webhook.ca_file is None


@pytest.mark.parametrize(
    ("yaml_text", "field", "line"),
    [
        ("events:\n  syslog:\n    protocol: tls\n", "events.syslog.protocol", 3),
        ("events:\n  webhook:\n    url: ftp://x\n", "events.webhook.url", 3),
        ("events:\n  webhook:\n    token_env: 'not a name'\n", "events.webhook.token_env", 3),
        ("events:\n  file:\n    max_bytes: 10\n", "events.file.max_bytes", 3),
        ("events:\n  stdout: true\n  sinks: []\n", "events.sinks", 3),
        ("events:\n  stdout_queue_size: 0\n", "events.stdout_queue_size", 2),
        ("events:\n  stdout: maybe\n", "events.stdout", 2),
        ("events:\n  syslog:\n    hots: siem.example\n", "events.syslog.hots", 3),
    ],
)
def test_invalid_settings_name_field_and_line(tmp_path, yaml_text, field, line):
    path = write(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert field in str(err.value)
    assert f"{path} line {line}" in str(err.value)
