"""`aidlp report usage | user U | approvals | incidents | subject ...`: ask the usage register.

The register is ``register.directory`` of the config (or ``--register DIR``). Output:
``--format table`` (default), ``csv`` (the main table), ``json`` or ``html`` (a printable
page with a chart of use over time; ``--out FILE`` to write it to a file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from proxy.config import ConfigError, load_config
from proxy.register import reports
from proxy.register.render import FORMATS, render
from proxy.register.store import DB_NAME, RegisterError, RegisterStore
from proxy.register.subjects import NORMALISERS, SubjectKeyError, load_key, lookup_hmacs


def _common(parser: argparse.ArgumentParser, period: bool = True) -> None:
    parser.add_argument("--config", help="config YAML merged over the embedded default")
    parser.add_argument("--register", metavar="DIR", help="register directory (overrides config)")
    if period:
        parser.add_argument("--from", dest="start", metavar="WHEN", help="YYYY-MM-DD or ISO time")
        parser.add_argument(
            "--to", dest="end", metavar="WHEN", help="YYYY-MM-DD (inclusive) or ISO time"
        )
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--out", metavar="FILE", help="write the report here instead of stdout")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="reports from the usage register (FOI, SAR, assurance, incidents)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = parser.add_subparsers(dest="report", required=True, metavar="REPORT")

    usage = kinds.add_parser(
        "usage", help="requests, blocks and approvals by tool/user/day/category"
    )
    _common(usage)
    usage.add_argument("--user", help="only this user")
    usage.add_argument("--tool", help="only this tool (catalogue id)")
    usage.add_argument("--group-by", choices=reports.GROUPS, default="tool")
    usage.set_defaults(func=run_report)

    user = kinds.add_parser("user", help="one person's declared use (PS11, SAR about a user)")
    user.add_argument("user", metavar="U")
    _common(user)
    user.set_defaults(func=run_report)

    approvals = kinds.add_parser("approvals", help="every approval used, by DPIA reference")
    _common(approvals)
    approvals.set_defaults(func=run_report)

    incidents = kinds.add_parser("incidents", help="blocked requests with their incident ids")
    _common(incidents)
    incidents.set_defaults(func=run_report)

    subject = kinds.add_parser(
        "subject",
        help="events that carried a data subject's identifiers (SAR)",
        description="Normalise each identifier given, hash it with the DPO team's subject "
        "key(s) and list the matching events. Nothing about the subject is stored.",
    )
    for family in NORMALISERS:
        subject.add_argument(
            f"--{family.replace('_', '-')}",
            dest=f"id_{family}",
            action="append",
            default=[],
            metavar="VALUE",
        )
    subject.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="FILE",
        help="subject key file (repeat for previous keys); default: register.subjects in config",
    )
    _common(subject)
    subject.set_defaults(func=run_report)


def open_register(
    args: argparse.Namespace, *, create: bool = False
) -> tuple[RegisterStore, object]:
    """The register store and the loaded config (for keys and retention). Only ``create``
    (import) makes a new register; a report on a directory without one is an error."""
    loaded = load_config(args.config)
    directory = args.register or loaded.config.register.directory
    if not directory:
        raise RegisterError(
            "no register: set register.directory in the config or pass --register DIR"
        )
    if not create and not (Path(directory) / DB_NAME).is_file():
        raise RegisterError(f"no register in {directory} (nothing recorded or imported yet)")
    return RegisterStore(directory), loaded


def _filters(args: argparse.Namespace) -> reports.Filters:
    return reports.Filters(
        start_ms=reports.parse_when(args.start) if getattr(args, "start", None) else None,
        end_ms=reports.parse_when(args.end, end=True) if getattr(args, "end", None) else None,
        user=getattr(args, "user", None),
        tool=getattr(args, "tool", None),
    )


def _subject_hashes(args: argparse.Namespace, loaded: object) -> dict[str, list[str]]:
    settings = loaded.config.register.subjects  # type: ignore[attr-defined]
    key_files = args.key or [p for p in [settings.key_file, *settings.previous_key_files] if p]
    if not key_files:
        raise SubjectKeyError(
            "no subject key: pass --key FILE or set register.subjects.key_file in the config"
        )
    keys = [load_key(path, "--key") for path in key_files]
    hashes: dict[str, list[str]] = {}
    for family in NORMALISERS:
        for value in getattr(args, f"id_{family}"):
            try:
                hashes.setdefault(family, []).extend(lookup_hmacs(keys, family, value))
            except ValueError as exc:
                raise ValueError(f"--{family.replace('_', '-')}: {exc}") from None
    if not hashes:
        raise ValueError("give at least one identifier (--nino, --nhs, --email ...)")
    return hashes


def run_report(args: argparse.Namespace) -> int:
    try:
        filters = _filters(args)
        store, loaded = open_register(args)
    except (ConfigError, RegisterError, ValueError) as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    try:
        if args.report == "usage":
            report = reports.usage(store.db, filters, args.group_by)
        elif args.report == "user":
            report = reports.user_report(store.db, filters)
        elif args.report == "approvals":
            report = reports.approvals_report(store.db, filters)
        elif args.report == "incidents":
            report = reports.incidents_report(store.db, filters)
        else:
            report = reports.subject_report(store.db, filters, _subject_hashes(args, loaded))
    except (SubjectKeyError, ValueError) as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    text = render(report, args.format)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


__all__ = ["DB_NAME", "open_register", "register"]
