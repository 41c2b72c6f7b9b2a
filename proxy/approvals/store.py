"""Approval checking at run time: trusted keys, a revocation list and a directory of tokens
registered for authenticated users. Both files are polled (mtime, size, inode) and reloaded
when they change; a poll is a few ``stat`` calls at most every ``reload_seconds``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from proxy.approvals.keys import load_public_key
from proxy.approvals.settings import ApprovalSettings
from proxy.approvals.tokens import Approval, TokenError, decode_token, unverified_claims

log = logging.getLogger("aidlp")

MAX_REGISTRATION_FILE_BYTES = 256 * 1024
MAX_REGISTRATION_FILES = 10_000
TOKEN_SUFFIXES = (".jwt", ".token")

#: When no token is valid, the failure reported is the one closest to success.
_CLOSENESS = {
    "invalid": 0,
    "expired": 1,
    "revoked": 2,
    "wrong_user": 3,
    "wrong_tool": 4,
    "insufficient": 5,
}

Stamp = tuple[int, int, int] | None


def _stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Watched[T]:
    """A value parsed from a file or directory, re-parsed when its stamp changes.

    If the source disappears or cannot be read, the last good value is kept (a deleted
    revocation list must not un-revoke anything) and a warning is logged.
    """

    def __init__(
        self,
        path: Path,
        parse: Callable[[Path], T],
        empty: T,
        interval: float,
        stamp: Callable[[Path], object] = _stamp,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._parse = parse
        self._stamp_of = stamp
        self._clock = clock
        self.interval = interval
        self.value: T = empty
        self._stamp: object = None
        self._polled = float("-inf")
        self.reloads = 0
        self.refresh(force=True)

    def get(self) -> T:
        self.refresh()
        return self.value

    def refresh(self, force: bool = False) -> None:
        now = self._clock()
        if not force and now - self._polled < self.interval:
            return
        self._polled = now
        stamp = self._stamp_of(self.path)
        if stamp == self._stamp and not force:
            return
        if stamp is None:
            if self._stamp is not None or force:
                log.warning("aidlp: %s is missing; keeping the last loaded contents", self.path)
            self._stamp = None
            return
        try:
            value = self._parse(self.path)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            log.warning(
                "aidlp: cannot reload %s (%s); keeping the last loaded contents",
                self.path,
                type(exc).__name__,
            )
            return
        self.value, self._stamp = value, stamp
        self.reloads += 1


def parse_revocations(path: Path) -> frozenset[str]:
    """Revoked jtis: one a line; ``#`` starts a comment; blank lines ignored."""
    revoked = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        jti = line.split("#", 1)[0].strip()
        if jti:
            revoked.add(jti)
    return frozenset(revoked)


def _dir_stamp(path: Path) -> object:
    """The directory's own stamp plus every token file's (catches in-place edits)."""
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        return None
    stamps: list[object] = [_stamp(path)]
    for entry in entries[:MAX_REGISTRATION_FILES]:
        if entry.name.endswith(TOKEN_SUFFIXES):
            try:
                st = entry.stat()
            except OSError:
                continue
            stamps.append((entry.name, st.st_mtime_ns, st.st_size, st.st_ino))
    return tuple(stamps)


def parse_token_dir(path: Path) -> dict[str, tuple[str, ...]]:
    """Registered tokens by (unverified) ``sub``; every use is fully verified."""
    by_user: dict[str, list[str]] = {}
    for count, file in enumerate(sorted(path.iterdir())):
        if count >= MAX_REGISTRATION_FILES:
            log.warning(
                "aidlp: %s holds more than %d files; the rest are ignored",
                path,
                MAX_REGISTRATION_FILES,
            )
            break
        if not file.name.endswith(TOKEN_SUFFIXES) or not file.is_file():
            continue
        try:
            if file.stat().st_size > MAX_REGISTRATION_FILE_BYTES:
                log.warning("aidlp: %s is too large to hold approval tokens; ignored", file)
                continue
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            log.warning("aidlp: cannot read registered tokens in %s; ignored", file)
            continue
        for line in text.splitlines():
            token = line.strip()
            if not token or token.startswith("#"):
                continue
            sub = unverified_claims(token).get("sub")
            if isinstance(sub, str) and sub:
                by_user.setdefault(sub, []).append(token)
    return {user: tuple(tokens) for user, tokens in by_user.items()}


@dataclass(frozen=True, slots=True)
class ApprovalCheck:
    """The outcome of checking approval for one request.

    ``result`` is one of :data:`proxy.approvals.tokens.RESULTS`. ``approval`` is set whenever
    the signature verified (also for expired/revoked/wrong_* tokens, for the audit trail).
    """

    result: str
    approval: Approval | None = None
    detail: str = ""
    source: str = "header"  # header | registered

    @property
    def valid(self) -> bool:
        return self.result == "valid"


class ApprovalStore:
    """Verifies approval tokens against trusted issuers, revocations and the request."""

    def __init__(
        self,
        settings: ApprovalSettings,
        *,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._clock = clock
        #: Set by the proxy: is proxy authentication on (the default for require_user)?
        self.proxy_auth = False
        self.issuers: dict[str, list[Ed25519PublicKey]] = {
            name: [load_public_key(f) for f in files] for name, files in settings.issuers.items()
        }
        self.revocations: Watched[frozenset[str]] | None = None
        if settings.revocations:
            self.revocations = Watched(
                Path(settings.revocations),
                parse_revocations,
                frozenset(),
                settings.reload_seconds,
                clock=monotonic,
            )
        self.registrations: Watched[dict[str, tuple[str, ...]]] | None = None
        if settings.token_dir:
            self.registrations = Watched(
                Path(settings.token_dir),
                parse_token_dir,
                {},
                settings.reload_seconds,
                stamp=_dir_stamp,
                clock=monotonic,
            )

    @property
    def require_user(self) -> bool:
        """Are header tokens bound to the authenticated proxy user?"""
        required = self.settings.require_user
        return self.proxy_auth if required is None else required

    @property
    def unbound(self) -> bool:
        """Tokens are trusted (issuers configured) but not bound to any user."""
        return bool(self.issuers) and not (self.require_user and self.proxy_auth)

    def verify(self, token: str, now: float | None = None) -> ApprovalCheck:
        """Signature, claims, times and revocation (not user, tool or coverage)."""
        try:
            approval = decode_token(
                token,
                self.issuers,
                now=self._clock() if now is None else now,
                leeway=self.settings.leeway_seconds,
            )
        except TokenError as exc:
            return ApprovalCheck(exc.result, None, exc.detail)
        if self.revocations is not None and approval.jti in self.revocations.get():
            return ApprovalCheck("revoked", approval, "on the revocation list")
        return ApprovalCheck("valid", approval)

    def check_token(
        self,
        token: str,
        *,
        user: str | None,
        tool: str | None,
        categories: Sequence[str],
        now: float | None = None,
    ) -> ApprovalCheck:
        """Is ``token`` a valid approval for ``user`` sending ``categories`` to ``tool``?

        ``user`` is the authenticated proxy user, or None when proxy auth is off (then ``sub``
        cannot be checked). ``tool`` None skips the tool check (for `aidlp approval verify`).
        """
        checked = self.verify(token, now)
        approval = checked.approval
        if not checked.valid or approval is None:
            return checked
        if user is not None and approval.sub != user:
            return ApprovalCheck("wrong_user", approval, "issued to a different user")
        if tool is not None and not approval.covers_tool(tool):
            return ApprovalCheck("wrong_tool", approval, f"does not cover the tool {tool}")
        missing = approval.missing(categories)
        if missing:
            return ApprovalCheck("insufficient", approval, "does not cover " + ", ".join(missing))
        return checked

    def registered(self, user: str) -> tuple[str, ...]:
        if self.registrations is None:
            return ()
        return self.registrations.get().get(user, ())

    def check(
        self,
        header_token: str | None,
        *,
        user: str | None,
        tool: str,
        categories: Sequence[str],
        now: float | None = None,
    ) -> ApprovalCheck | None:
        """The best approval for a request, or None when none was presented or registered.

        The header token is tried first, then the user's registered tokens. When none is
        valid, the header token's failure is reported if there was one, else the registered
        token's failure closest to success.
        """
        header_check: ApprovalCheck | None = None
        if header_token is not None and user is None and self.require_user:
            verified = self.verify(header_token, now)
            header_check = ApprovalCheck(
                "wrong_user" if verified.valid else verified.result,
                verified.approval,
                "no authenticated proxy user to bind the token to (require_user)",
            )
        elif header_token is not None:
            header_check = self.check_token(
                header_token, user=user, tool=tool, categories=categories, now=now
            )
            if header_check.valid:
                return header_check
        best: ApprovalCheck | None = None
        if user is not None:
            for token in self.registered(user):
                checked = self.check_token(
                    token, user=user, tool=tool, categories=categories, now=now
                )
                checked = ApprovalCheck(
                    checked.result, checked.approval, checked.detail, "registered"
                )
                if checked.valid:
                    return checked
                if best is None or _CLOSENESS[checked.result] > _CLOSENESS[best.result]:
                    best = checked
        return header_check or best
