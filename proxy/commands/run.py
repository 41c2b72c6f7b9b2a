"""`aidlp run`: mitmproxy in regular (explicit proxy) mode with the aidlp addon."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxy.config import ConfigError, load_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="start the proxy",
        description="Start the aidlp proxy. Arguments after `--` go straight to mitmproxy "
        "(e.g. `-- -s extra.py --set ssl_insecure=true`).",
    )
    parser.add_argument("--config", help="config YAML merged over the embedded default")
    parser.add_argument("--listen-host", help="proxy address (default from config: 127.0.0.1)")
    parser.add_argument("--listen-port", type=int, help="proxy port (default from config: 8080)")
    parser.add_argument("--metrics-port", type=int, help="metrics port (default from config: 9464)")
    parser.set_defaults(func=run)


#: mitmproxy options aidlp sets unless the arguments after `--` set them.
DEFAULT_OPTIONS = {
    "flow_detail": "0",  # flows are recorded as aidlp events, not printed
}


def _sets_option(passthrough: list[str], name: str) -> bool:
    return any(arg.startswith(f"{name}=") for arg in passthrough)


def mitmdump_arguments(args: argparse.Namespace) -> list[str]:
    """The mitmdump command line for ``args`` (validates the config first)."""
    loaded = load_config(args.config)
    listen = loaded.config.listen
    addon = Path(__file__).resolve().parent.parent / "addon.py"
    port = args.listen_port if args.listen_port is not None else listen.port
    argv = ["--listen-host", args.listen_host or listen.host, "--listen-port", str(port)]
    argv += ["-s", str(addon)]
    for name, value in DEFAULT_OPTIONS.items():
        if not _sets_option(args.passthrough, name):
            argv += ["--set", f"{name}={value}"]
    if args.config:
        argv += ["--set", f"aidlp_config={Path(args.config).resolve()}"]
    if args.metrics_port is not None:
        argv += ["--set", f"aidlp_metrics_port={args.metrics_port}"]
    return argv + list(args.passthrough)


def run(args: argparse.Namespace) -> int:
    try:
        argv = mitmdump_arguments(args)
    except ConfigError as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    from mitmproxy.tools.main import mitmdump

    return mitmdump(argv) or 0
