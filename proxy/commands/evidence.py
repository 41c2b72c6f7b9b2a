"""`aidlp evidence keygen | open`: sealed evidence of blocked requests (off by default).

``keygen`` makes the security team's X25519 key pair (the proxy gets ``NAME.pub`` as
``register.evidence.public_key_file``; the team keeps ``NAME.key``). ``open INCIDENT --key``
decrypts one incident's sealed text. Every opening, allowed or failed, is audited first: a
row in the register and an ``aidlp.evidence.opened`` event to the configured event sinks
(stdout's copy goes to stderr, so the evidence on stdout stays clean). If the audit cannot be
written, nothing is opened.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
from pathlib import Path

from proxy.commands.report import open_register
from proxy.config import ConfigError
from proxy.events import EventConfigError, EventRecorder, build_sinks
from proxy.events.sinks.stdout import StdoutSink
from proxy.register.evidence import (
    EvidenceError,
    evidence_path,
    generate_keys,
    load_private_key,
    unseal,
)
from proxy.register.store import RegisterError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evidence",
        help="sealed evidence of blocked requests: keygen, open (audited)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="evidence_command", required=True, metavar="ACTION")
    keygen = actions.add_parser("keygen", help="make the security team's X25519 key pair")
    keygen.add_argument("--out", required=True, metavar="DIR")
    keygen.add_argument("--name", default="evidence")
    keygen.set_defaults(func=keygen_command)
    opener = actions.add_parser("open", help="decrypt one incident's evidence (audited)")
    opener.add_argument("incident", metavar="INCIDENT")
    opener.add_argument("--key", required=True, metavar="FILE", help="the team's private key")
    opener.add_argument("--config", help="config YAML merged over the embedded default")
    opener.add_argument("--register", metavar="DIR", help="register directory (overrides config)")
    opener.add_argument("--out", metavar="FILE", help="write the text here (0600), not stdout")
    opener.set_defaults(func=open_command)


def keygen_command(args: argparse.Namespace) -> int:
    try:
        key, pub = generate_keys(Path(args.out), args.name)
    except (EvidenceError, OSError) as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    print(
        f"private key (security team only): {key}\npublic key (register.evidence.public_key_file): {pub}"
    )
    return 0


def _who() -> str | None:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        return None
    return name if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.@\\:%-]{0,127}", name) else None


def _audit(args: argparse.Namespace, store, loaded, result: str, reason: str | None) -> None:
    """Register row, then the event; raises if either cannot be written."""
    user = _who()
    store.audit_opening(args.incident, user, result, reason)
    events = loaded.config.events
    sinks = build_sinks(events.model_copy(update={"stdout": False}), _Stats())
    sinks.append(StdoutSink(10, _Stats(), stream=lambda: sys.stderr))
    recorder = EventRecorder(events, sinks=sinks)
    incident = args.incident if re.fullmatch(r"AIDLP-[0-9A-F]{12}", args.incident) else None
    recorder.emit(
        {"event": "aidlp.evidence.opened", "incident_id": incident, "user": user,
         "result": result, "reason": reason}
    )  # fmt: skip
    recorder.close()


class _Stats:
    def event_emitted(self, event: str) -> None:
        pass

    def event_dropped(self, sink: str, reason: str, count: int = 1) -> None:
        print(f"aidlp: audit event not delivered to {sink} ({reason})", file=sys.stderr)


def open_command(args: argparse.Namespace) -> int:
    try:
        store, loaded = open_register(args)
    except (ConfigError, RegisterError) as exc:
        print(f"aidlp: {exc}", file=sys.stderr)
        return 2
    try:
        try:
            path = evidence_path(store.directory, args.incident)
            sealed = path.read_bytes() if path.is_file() else None
            if sealed is None:
                raise EvidenceError(f"no evidence kept for {args.incident}")
            text = unseal(load_private_key(args.key), args.incident, sealed)
        except EvidenceError as exc:
            _audit(
                args,
                store,
                loaded,
                "failed",
                "not_found" if "no evidence" in str(exc) else "cannot_open",
            )
            print(f"aidlp: {exc}", file=sys.stderr)
            return 1
        _audit(args, store, loaded, "ok", None)
    except (RegisterError, EventConfigError, OSError) as exc:
        print(f"aidlp: not opened: the opening could not be audited ({exc})", file=sys.stderr)
        return 2
    finally:
        store.close()
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text)
    else:
        sys.stdout.buffer.write(text)
        sys.stdout.flush()
    return 0
