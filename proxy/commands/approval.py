"""`aidlp approval keygen | issue | verify | revoke`: governance-board approval tokens.

The board keeps the private key (``keygen`` writes it 0600) and issues tokens; the proxy is
configured with the public key only (``policy.approvals.issuers``). Exit codes: 0 success,
1 token not valid (``verify``), 2 usage, key, duration or config error.
"""

from __future__ import annotations

import argparse
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

_JTI = re.compile(r"^[\x21-\x7e]{1,128}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class UsageError(Exception):
    """A problem with the command line or its files; printed, exit 2."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "approval",
        help="governance-board approval tokens (keygen, issue, verify, revoke)",
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
    revoke.set_defaults(func=cmd_revoke)


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
    print(
        f"issued jti={claims['jti']} sub={args.sub} expires {_when(claims['exp'])}",
        file=sys.stderr,
    )
    print(token)
    return 0


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
