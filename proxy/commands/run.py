"""`aidlp run`: mitmproxy in regular (explicit proxy) mode with the aidlp addon."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxy import preflight
from proxy.config import ConfigError, LoadedConfig, load_config


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
    # Forge certificates for the SNI / CONNECT host only. mitmproxy's default copies every
    # name of the upstream certificate into the forged one, and names outside the CA's
    # name constraints (deploy/CA.md) make clients reject it ("permitted subtree violation").
    "upstream_cert": "false",
    # Named explicitly so mitmproxy loads (or creates) its CA while configuring, before it
    # listens. Left at its default, the CA store is only made in mitmproxy's `running` hook,
    # after aidlp's: TLS handshakes arriving meanwhile failed and mitmproxy exited.
    "confdir": "~/.mitmproxy",  # mitmproxy.options.CONF_DIR
}


def _sets_option(passthrough: list[str], name: str) -> bool:
    return any(arg.startswith(f"{name}=") for arg in passthrough)


def _listen(args: argparse.Namespace, loaded: LoadedConfig) -> tuple[str, int]:
    listen = loaded.config.listen
    port = args.listen_port if args.listen_port is not None else listen.port
    return args.listen_host or listen.host, port


def _metrics(args: argparse.Namespace, loaded: LoadedConfig) -> tuple[str, int]:
    metrics = loaded.config.metrics
    return metrics.host, args.metrics_port if args.metrics_port is not None else metrics.port


def mitmdump_arguments(args: argparse.Namespace, loaded: LoadedConfig | None = None) -> list[str]:
    """The mitmdump command line for ``args`` (validates the config first)."""
    loaded = loaded or load_config(args.config)
    addon = Path(__file__).resolve().parent.parent / "addon.py"
    host, port = _listen(args, loaded)
    argv = ["--listen-host", host, "--listen-port", str(port)]
    argv += ["-s", str(addon)]
    for name, value in DEFAULT_OPTIONS.items():
        if not _sets_option(args.passthrough, name):
            argv += ["--set", f"{name}={value}"]
    if args.config:
        argv += ["--set", f"aidlp_config={Path(args.config).resolve()}"]
    if args.metrics_port is not None:
        argv += ["--set", f"aidlp_metrics_port={args.metrics_port}"]
    return argv + list(args.passthrough)


def preflight_problems(args: argparse.Namespace, loaded: LoadedConfig) -> list[preflight.Problem]:
    """What would make ``run`` fail after it started listening (see proxy/preflight.py)."""
    passthrough = list(args.passthrough)
    custom_listen = any(
        a in ("--mode", "-m", "--listen-port", "-p") or a.startswith(("mode=", "listen_port="))
        for a in passthrough
    )
    problems = preflight.check_files(loaded)
    ports = {"metrics (metrics.port / --metrics-port)": _metrics(args, loaded)}
    if not custom_listen:  # mitmproxy's own listen options after `--` are mitmproxy's to check
        ports = {"listen (listen.port / --listen-port)": _listen(args, loaded), **ports}
    return problems + preflight.check_ports(ports, source=loaded.sources[-1])


def run(args: argparse.Namespace) -> int:
    try:
        loaded = load_config(args.config)
        argv = mitmdump_arguments(args, loaded)
    except ConfigError as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    problems = preflight_problems(args, loaded)
    for problem in problems:
        label = "cannot start" if problem.fatal else "warning"
        print(f"aidlp: {label}: {problem}", file=sys.stderr)
    if any(problem.fatal for problem in problems):
        return 2
    from proxy import scan_template

    # The scan-worker template warms up (imports, models) while mitmproxy is imported and
    # starts: started before anything imports mitmproxy (startup_gate does; ~0.4 s of CPU).
    scan_template.start(loaded.config.detectors.model_dump_json())
    from proxy import startup_gate, startup_log

    # mitmdump, with its text log date-stamped and on stderr while events use stdout
    code = startup_log.mitmdump(argv, loaded.config.events.stdout) or 0
    return 1 if startup_gate.failed and not code else code
