"""`aidlp config check [FILE]`: validate a config without starting anything."""

from __future__ import annotations

import argparse
import json
import sys

from proxy import preflight
from proxy.config import ConfigError, config_summary, load_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="work with aidlp config files")
    actions = parser.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate a config file (default: the embedded one)")
    check.add_argument("file", nargs="?", help="config YAML, merged over the embedded default")
    check.set_defaults(func=check_config)


def check_config(args: argparse.Namespace) -> int:
    try:
        loaded = load_config(args.file)
    except ConfigError as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    problems = preflight.check_files(loaded)
    # A running aidlp holds its own ports, so a busy port is only a warning here.
    config = loaded.config
    problems += preflight.check_ports(
        {
            "listen": (config.listen.host, config.listen.port),
            "metrics": (config.metrics.host, config.metrics.port),
        },
        fatal=False,
        source=loaded.sources[-1],
    )
    errors = [p for p in problems if p.fatal]
    if errors:
        print(
            "aidlp: config would not start:\n" + "\n".join(f"  {p}" for p in errors),
            file=sys.stderr,
        )
    for problem in problems:
        if not problem.fatal:
            print(f"aidlp: warning: {problem}", file=sys.stderr)
    if errors:
        return 2
    print("config OK: " + json.dumps(config_summary(loaded)))
    return 0
