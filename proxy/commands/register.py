"""`aidlp register import FILE...` (and `purge`, `info`): the usage register's housekeeping.

``import`` loads aidlp events (JSON lines: rotating event files, syslog lines, SIEM exports)
into the register, idempotently (an event already there is skipped), drops what is past
``register.retention_days`` and then enforces retention on the whole register.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from proxy.commands.report import open_register
from proxy.config import ConfigError
from proxy.register.importer import import_files
from proxy.register.store import RegisterError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "register",
        help="the usage register: import events, enforce retention",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="register_command", required=True, metavar="ACTION")
    for name, helptext, func in (
        ("import", "load events (JSON lines, SIEM export) into the register", import_command),
        ("purge", "delete what is older than register.retention_days now", purge_command),
        ("info", "schema version, rows and retention of the register", info_command),
    ):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("--config", help="config YAML merged over the embedded default")
        action.add_argument(
            "--register", metavar="DIR", help="register directory (overrides config)"
        )
        if name == "import":
            action.add_argument("files", nargs="+", metavar="FILE")
        action.set_defaults(func=func)


def _open(args: argparse.Namespace):
    try:
        return open_register(args, create=args.register_command == "import")
    except (ConfigError, RegisterError) as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return None, None


def import_command(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"aidlp: not a file: {', '.join(missing)}", file=sys.stderr)
        return 2
    store, loaded = _open(args)
    if store is None:
        return 2
    try:
        stats = import_files(store, paths, loaded.config.register.retention_days)
        total = store.count()
    except (OSError, RegisterError) as exc:
        print(f"aidlp: import failed: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(
        f"imported {stats.added} new events from {len(paths)} file(s) "
        f"({stats.events} events read, {stats.duplicates_or_skipped} already present, not "
        f"decisions or past retention; {stats.unreadable} other lines); register holds {total}"
    )
    return 0


def purge_command(args: argparse.Namespace) -> int:
    store, loaded = _open(args)
    if store is None:
        return 2
    try:
        days = loaded.config.register.retention_days
        deleted = store.purge(days)
    finally:
        store.close()
    print(f"deleted {deleted} events older than {days} days")
    return 0


def info_command(args: argparse.Namespace) -> int:
    store, loaded = _open(args)
    if store is None:
        return 2
    try:
        info = {
            "path": str(store.path),
            "schema_version": store.version(),
            "events": store.count(),
            "retention_days": loaded.config.register.retention_days,
        }
    finally:
        store.close()
    print(json.dumps(info))
    return 0
