"""`aidlp pac --proxy HOST:PORT`: print a PAC file routing only AI-tool hosts through aidlp."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxy.config import ConfigError, load_config
from proxy.pac import PacError, generate_pac


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pac",
        help="generate a PAC file: AI-tool hosts via aidlp, everything else DIRECT",
        description="Generate a proxy auto-config (PAC) file from the AI-tool catalogue. "
        "AI-tool hosts (blocked ones too, so aidlp refuses them) go to the given proxies in "
        "order; AI traffic never falls back to DIRECT. Every other host goes DIRECT.",
    )
    parser.add_argument(
        "--proxy",
        action="append",
        required=True,
        metavar="HOST:PORT",
        help="aidlp proxy address; repeat for failover (tried in order)",
    )
    parser.add_argument("--config", help="config YAML whose catalogue to use (default: embedded)")
    parser.add_argument("-o", "--output", help="write the PAC file here instead of stdout")
    parser.set_defaults(func=pac)


def pac(args: argparse.Namespace) -> int:
    try:
        text = generate_pac(load_config(args.config).catalogue, args.proxy)
    except (ConfigError, PacError) as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
