"""The `aidlp` command line (contract: ../shared/DESIGN.md)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from proxy import __version__

#: Subcommand modules, in help order. Each has ``register(subparsers)`` which adds a parser
#: whose ``func(args) -> int`` runs the command.
COMMAND_MODULES = (
    "proxy.commands.run",
    "proxy.commands.config",
    "proxy.commands.scan",
    "proxy.commands.eval",
    "proxy.commands.fingerprint",
    "proxy.commands.approval",
    "proxy.commands.pac",
    "proxy.commands.report",
    "proxy.commands.register",
    "proxy.commands.evidence",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aidlp",
        description="Outbound prompt data-loss-prevention proxy for generative-AI tools.",
    )
    parser.add_argument("--version", action="version", version=f"aidlp {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args = build_parser().parse_args(argv)
    args.passthrough = passthrough
    if passthrough and args.command != "run":
        print("aidlp: arguments after `--` are only for `aidlp run`", file=sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the reader went away: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
