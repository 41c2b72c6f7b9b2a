"""`aidlp approval keygen | issue | verify | revoke | list`: governance-board approval tokens.

The board keeps the private key (``keygen`` writes it 0600) and issues tokens; the proxy is
configured with the public key only (``policy.approvals.issuers``). ``issue`` checks tool ids
against the catalogue and appends a record of what it issued (never the token itself) to a
ledger next to the key, which ``revoke`` and ``list`` read. Exit codes: 0 success, 1 token not
valid (``verify``), 2 usage, key, duration or config error.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from detectors.types import CATEGORIES
from proxy.approvals import (
    ApprovalStore,
    KeyFileError,
    issue_token,
    load_private_key,
    parse_duration,
    unverified_claims,
    write_keypair,
)
from proxy.approvals.settings import ApprovalSettings
from proxy.approvals.store import parse_revocations, parse_token_dir

_JTI = re.compile(r"^[\x21-\x7e]{1,128}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class UsageError(Exception):
    """A problem with the command line or its files; printed, exit 2."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "approval",
        help="governance-board approval tokens (keygen, issue, verify, revoke, list)",
        description="Approval tokens let named categories of data go to named AI tools for a "
        "named user, backed by a DPIA reference. Tokens are EdDSA (Ed25519) JWTs.",
    )
    actions = parser.add_subparsers(dest="approval_command", required=True, metavar="ACTION")

    keygen = actions.add_parser("keygen", help="create an Ed25519 signing key pair for a board")
    keygen.add_argument("--out", required=True, help="directory for NAME.key (0600) and NAME.pub")
    keygen.add_argument("--name", default="approval", help="file name stem (default: approval)")
    keygen.add_argument("--force", action="store_true", help="replace existing files")
    keygen.set_defaults(func=cmd_keygen)

    issue = actions.add_parser("issue", help="sign an approval token (printed on stdout)")
    issue.add_argument("--key", required=True, help="the board's private key (NAME.key)")
    issue.add_argument("--iss", default="DPO", help="issuing board, as configured (default: DPO)")
    issue.add_argument("--sub", required=True, help="user id the approval is for")
    issue.add_argument(
        "--categories",
        required=True,
        nargs="+",
        help=f"categories approved (space or comma separated): {', '.join(CATEGORIES)}",
    )
    issue.add_argument(
        "--tools", required=True, nargs="+", help="catalogue tool ids, or '*' for any tool"
    )
    issue.add_argument("--ref", required=True, help="DPIA or approval reference, e.g. DPIA-123")
    issue.add_argument("--purpose", help="what the approval is for")
    issue.add_argument(
        "--equality-analysis-ref", help="Equality Analysis reference (needed for SPECIAL_CATEGORY)"
    )
    issue.add_argument("--ttl", required=True, help="lifetime, e.g. 30d, 12h, 2w (max 366d)")
    issue.add_argument("--jti", help="token id (default: random)")
    issue.add_argument(
        "--out", help="also write the token to this file (0600), e.g. into the token directory"
    )
    issue.add_argument("--config", help="config whose AI-tool catalogue to check --tools against")
    issue.add_argument(
        "--ledger",
        help="issued-token ledger to append to (default: NAME.issued.jsonl next to --key)",
    )
    issue.set_defaults(func=cmd_issue)

    verify = actions.add_parser("verify", help="show a token's claims and whether it is valid now")
    verify.add_argument("jwt", metavar="TOKEN", help="the token, or - to read it from stdin")
    verify.add_argument("--config", help="config YAML with policy.approvals (default: embedded)")
    verify.add_argument("--user", help="also check the token is for this user")
    verify.add_argument("--tool", help="also check the token covers this tool id")
    verify.add_argument("--categories", nargs="+", help="also check it covers these categories")
    verify.set_defaults(func=cmd_verify)

    revoke = actions.add_parser("revoke", help="add a token id (jti) to the revocation list")
    revoke.add_argument("jti", help="the token's jti (shown by `aidlp approval verify`)")
    where = revoke.add_mutually_exclusive_group()
    where.add_argument("--config", help="config whose policy.approvals.revocations to use")
    where.add_argument("--revocations", help="revocation list file (created if missing)")
    revoke.add_argument("--note", help="comment kept next to the jti (no personal data)")
    revoke.add_argument(
        "--ledger",
        action="append",
        default=[],
        help="issued-token ledger(s) that know the jti (repeatable)",
    )
    revoke.add_argument(
        "--force",
        action="store_true",
        help="revoke a jti found in no ledger and not in the token directory",
    )
    revoke.set_defaults(func=cmd_revoke)

    listing = actions.add_parser(
        "list", help="registered tokens, issued tokens and revocations, with expiry"
    )
    listing.add_argument("--config", help="config with policy.approvals (default: embedded)")
    listing.add_argument(
        "--ledger", action="append", default=[], help="issued-token ledger(s) (repeatable)"
    )
    listing.add_argument(
        "--expiring-days",
        type=float,
        default=None,
        help="flag tokens that expire within this many days "
        "(default: the config's policy.approvals.expiry_warning_days, 7)",
    )
    listing.add_argument("--format", choices=("table", "json"), default="table")
    listing.set_defaults(func=cmd_list)


def _fail(message: str) -> int:
    print(f"aidlp approval: {message}", file=sys.stderr)
    return 2


def _split(values: list[str]) -> list[str]:
    return [v for item in values for v in re.split(r"[,\s]+", item) if v]


# ---- keygen ------------------------------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace) -> int:
    if not _NAME.fullmatch(args.name):
        return _fail(f"bad --name {args.name!r}: letters, digits, _ . - only")
    try:
        private, public = write_keypair(args.out, args.name, force=args.force)
    except (FileExistsError, OSError) as exc:
        return _fail(str(exc))
    print(f"private key: {private} (mode 0600; keep it with the board, never on the proxy)")
    print(f"public key:  {public}")
    print(
        "configure the proxy with the public key, e.g.\n"
        "  policy:\n    approvals:\n      issuers:\n"
        f"        DPO: {public}"
    )
    return 0


# ---- issue ---------------------------------------------------------------------------------------


def cmd_issue(args: argparse.Namespace) -> int:
    try:
        ttl = parse_duration(args.ttl)
    except ValueError as exc:
        return _fail(f"--ttl: {exc}")
    categories = [c.upper() for c in _split(args.categories)]
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown:
        return _fail(
            f"--categories: unknown {', '.join(unknown)} (choose from {', '.join(CATEGORIES)})"
        )
    if "SPECIAL_CATEGORY" in categories and not args.equality_analysis_ref:
        return _fail("SPECIAL_CATEGORY needs --equality-analysis-ref (policy statement PS4)")
    tools = _split(args.tools)
    try:
        _check_tools(tools, args.config)
    except UsageError as exc:
        return _fail(str(exc))
    try:
        key = load_private_key(args.key)
    except KeyFileError as exc:
        return _fail(str(exc))
    try:
        token = issue_token(
            key,
            iss=args.iss,
            sub=args.sub,
            categories=categories,
            tools="*" if tools == ["*"] else tools,
            ref=args.ref,
            ttl_seconds=ttl,
            purpose=args.purpose,
            equality_analysis_ref=args.equality_analysis_ref,
            jti=args.jti,
        )
    except ValueError as exc:
        return _fail(f"cannot issue: {exc}")
    if args.out:
        try:
            _write_private(Path(args.out), token + "\n")
        except OSError as exc:
            return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
        print(f"token written to {args.out}", file=sys.stderr)
    claims = unverified_claims(token)
    ledger = Path(args.ledger) if args.ledger else ledger_path(Path(args.key))
    try:
        append_ledger(ledger, claims)
    except OSError as exc:
        return _fail(f"cannot append to the ledger {ledger}: {exc.strerror or exc}")
    print(
        f"issued jti={claims['jti']} sub={args.sub} expires {_when(claims['exp'])} "
        f"(recorded in {ledger})",
        file=sys.stderr,
    )
    print(token)
    return 0


def _check_tools(tools: list[str], config: str | None) -> None:
    """Every tool id must be in the catalogue, and none may be a blocked tool (PS6)."""
    if tools == ["*"]:
        return
    if "*" in tools:
        raise UsageError("--tools: '*' (any tool) cannot be combined with tool ids")
    from proxy.catalogue import ToolStatus
    from proxy.config import ConfigError, load_config

    try:
        catalogue = load_config(config).catalogue
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    known = catalogue.tools
    for tool in tools:
        if tool not in known:
            close = difflib.get_close_matches(tool, list(known), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise UsageError(
                f"--tools: {tool!r} is not a tool id in the catalogue{hint} "
                f"(known: {', '.join(sorted(known))})"
            )
        if known[tool].status is ToolStatus.BLOCKED:
            raise UsageError(f"--tools: {tool} is a blocked tool and cannot be approved (PS6)")


# ---- the issued-token ledger -------------------------------------------------------------------

#: Claims a ledger line keeps: what was approved, for whom and until when; never the token.
LEDGER_FIELDS = (
    "jti",
    "iss",
    "sub",
    "categories",
    "tools",
    "ref",
    "equality_analysis_ref",
    "iat",
    "exp",
)


def ledger_path(key: Path) -> Path:
    return key.with_name(key.name.removesuffix(".key") + ".issued.jsonl")


def append_ledger(path: Path, claims: dict) -> None:
    record = {k: claims[k] for k in LEDGER_FIELDS if k in claims}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, sort_keys=True) + "\n")


def read_ledgers(paths: list[str]) -> list[dict]:
    """Ledger records, in file order; a missing or damaged file is a usage error."""
    records: list[dict] = []
    for name in paths:
        try:
            lines = Path(name).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read ledger {name}: {exc}") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise UsageError(f"ledger {name} line {number}: not a JSON object") from None
            if not isinstance(record, dict) or not isinstance(record.get("jti"), str):
                raise UsageError(f"ledger {name} line {number}: no jti")
            records.append(record)
    return records


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _when(epoch: object) -> str:
    if not isinstance(epoch, int | float):
        return "?"
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


# ---- verify --------------------------------------------------------------------------------------


def _approval_settings(config: str | None) -> ApprovalSettings:
    from proxy.config import ConfigError, load_config

    try:
        return load_config(config).config.policy.approvals
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def cmd_verify(args: argparse.Namespace) -> int:
    # `-` reads stdin, which keeps tokens out of shell history
    token = (sys.stdin.read() if args.jwt == "-" else args.jwt).strip()
    try:
        settings = _approval_settings(args.config)
    except UsageError as exc:
        return _fail(str(exc))
    if not settings.issuers:
        return _fail("no trusted issuers configured (policy.approvals.issuers): pass --config FILE")
    store = ApprovalStore(settings)
    if args.tool or args.categories or args.user:
        categories = [c.upper() for c in _split(args.categories or [])]
        check = store.check_token(token, user=args.user, tool=args.tool, categories=categories)
    else:
        check = store.verify(token)
    claims = unverified_claims(token)
    shown = {
        k: (_when(v) + f" ({v})" if k in ("exp", "nbf", "iat") else v) for k, v in claims.items()
    }
    label = "claims" if check.approval is not None else "claims (UNVERIFIED: do not trust)"
    print(f"{label}:")
    print(json.dumps(shown, indent=2, sort_keys=True))
    now = _when(int(time.time()))
    if check.valid:
        print(f"valid now ({now}): yes")
        return 0
    print(f"valid now ({now}): no: {check.result} ({check.detail})")
    return 1


# ---- revoke --------------------------------------------------------------------------------------


def cmd_revoke(args: argparse.Namespace) -> int:
    jti = args.jti.strip()
    if not _JTI.fullmatch(jti):
        return _fail("bad jti: printable characters without spaces, at most 128")
    if args.revocations:
        path = Path(args.revocations)
    else:
        try:
            settings = _approval_settings(args.config)
        except UsageError as exc:
            return _fail(str(exc))
        if not settings.revocations:
            return _fail(
                "no revocation list configured (policy.approvals.revocations): pass --config "
                "FILE or --revocations FILE"
            )
        path = Path(settings.revocations)
    if not args.force:
        try:
            known = _known_jtis(args.ledger, args.config)
        except UsageError as exc:
            return _fail(str(exc))
        if jti not in known:
            return _fail(
                f"unknown jti {jti}: not in the token directory nor in any --ledger given; "
                "check it with `aidlp approval list`, or pass --force to revoke it anyway"
            )
    note = " ".join((args.note or "").split())[:200]
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"cannot read {path}: {exc}")
    if any(line.split("#", 1)[0].strip() == jti for line in existing.splitlines()):
        print(f"{jti} is already revoked in {path}")
        return 0
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    line = f"{jti}  # revoked {stamp}" + (f" {note}" if note else "") + "\n"
    if existing and not existing.endswith("\n"):
        existing += "\n"
    try:
        _write_atomic(path, existing + line)
    except OSError as exc:
        return _fail(f"cannot write {path}: {exc.strerror or exc}")
    print(f"revoked {jti} in {path} (the proxy reloads it within seconds)")
    return 0


def _known_jtis(ledgers: list[str], config: str | None) -> set[str]:
    known = {record["jti"] for record in read_ledgers(ledgers)}
    if config:
        token_dir = _approval_settings(config).token_dir
        if token_dir:
            known |= {row["jti"] for row in _registered_rows(Path(token_dir), None)}
    return known


# ---- list ----------------------------------------------------------------------------------------


def _registered_rows(token_dir: Path, store: ApprovalStore | None) -> list[dict]:
    """One row per token in the token directory (claims unverified unless ``store``)."""
    rows = []
    for tokens in parse_token_dir(token_dir).values():
        for token in tokens:
            claims = unverified_claims(token)
            status = store.verify(token).result if store is not None else "unchecked"
            rows.append({**{k: claims.get(k) for k in LEDGER_FIELDS}, "status": status})
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    try:
        settings = _approval_settings(args.config)
        issued = read_ledgers(args.ledger)
    except UsageError as exc:
        return _fail(str(exc))
    store = ApprovalStore(settings)
    revoked = parse_revocations(Path(settings.revocations)) if settings.revocations else frozenset()
    now = time.time()
    days = settings.expiry_warning_days if args.expiring_days is None else args.expiring_days
    soon = now + days * 86400
    rows = []
    if settings.token_dir:
        for row in _registered_rows(Path(settings.token_dir), store):
            rows.append({"source": "registered", **row})
    for record in issued:
        exp = record.get("exp")
        if record["jti"] in revoked:
            status = "revoked"
        elif isinstance(exp, int | float) and exp <= now:
            status = "expired"
        else:
            status = "issued"
        rows.append(
            {"source": "ledger", **{k: record.get(k) for k in LEDGER_FIELDS}, "status": status}
        )
    for row in rows:
        exp = row.get("exp")
        row["expiring_soon"] = (
            row["status"] in ("valid", "issued", "unchecked")
            and isinstance(exp, int | float)
            and exp <= soon
        )
    if args.format == "json":
        print(json.dumps({"tokens": rows, "revoked": sorted(revoked)}, indent=2, sort_keys=True))
        return 0
    if not rows and not revoked:
        print("no registered tokens, no ledger entries, no revocations")
        return 0
    header = ("source", "jti", "sub", "iss", "ref", "tools", "categories", "expires", "status")
    table = [header]
    for row in rows:
        status = row["status"] + (" (expiring soon)" if row["expiring_soon"] else "")
        tools = row.get("tools")
        table.append(
            (
                row["source"],
                str(row.get("jti")),
                str(row.get("sub")),
                str(row.get("iss")),
                str(row.get("ref")),
                ",".join(tools) if isinstance(tools, list) else str(tools),
                ",".join(row.get("categories") or []),
                _when(row.get("exp")),
                status,
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )
    if revoked:
        print(f"revoked jtis ({len(revoked)}): {', '.join(sorted(revoked))}")
    return 0


def _write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` in one step so the proxy never reads a half-written list."""
    if not path.parent.is_dir():
        raise OSError(f"directory {path.parent} does not exist")
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
