"""`aidlp pac --proxy HOST:PORT`: print a PAC file routing only AI-tool hosts through aidlp."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxy.config import ConfigError, load_config
from proxy.pac import PacError, generate_pac, openssl_name_constraints


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
        metavar="HOST:PORT",
        help="aidlp proxy address; repeat for failover (tried in order); required for a PAC file",
    )
    parser.add_argument(
        "--name-constraints",
        action="store_true",
        help="print instead an OpenSSL nameConstraints line limiting the interception CA to "
        "the catalogue's domains (deploy/CA.md)",
    )
    parser.add_argument("--config", help="config YAML whose catalogue to use (default: embedded)")
    parser.add_argument("-o", "--output", help="write the PAC file here instead of stdout")
    parser.set_defaults(func=pac)


def pac(args: argparse.Namespace) -> int:
    if not args.proxy and not args.name_constraints:
        print("aidlp: --proxy HOST:PORT is required", file=sys.stderr)
        return 2
    try:
        catalogue = load_config(args.config).catalogue
        if args.name_constraints:
            text = openssl_name_constraints(catalogue)
        else:
            text = generate_pac(catalogue, args.proxy)
    except (ConfigError, PacError) as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
