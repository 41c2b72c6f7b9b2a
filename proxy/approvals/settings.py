"""The ``policy.approvals:`` config section: trusted issuers, revocations, registered tokens."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from proxy.approvals.keys import KeyFileError, load_public_key
from proxy.events.schema import TOKEN_PATTERN

_ISSUER = TOKEN_PATTERN


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


KeyFiles = Annotated[list[str], BeforeValidator(_as_list), Field(min_length=1)]


class ApprovalSettings(BaseModel):
    """Where approval tokens are trusted from, and where revocations and registrations live.

    The proxy holds public keys only; the boards keep the private keys.
    """

    model_config = ConfigDict(extra="forbid")

    issuers: dict[str, KeyFiles] = Field(
        default_factory=dict,
        description="Issuer (the token's `iss`, e.g. DPO, DDA) → Ed25519 public key file(s) "
        "(PEM or OpenSSH). Several files per issuer allow key rotation.",
    )
    revocations: str | None = Field(
        default=None,
        description="File of revoked token ids (jti), one a line; reloaded when it changes.",
    )
    token_dir: str | None = Field(
        default=None,
        description="Directory of tokens registered for authenticated proxy users "
        "(*.jwt / *.token files, one token a line); reloaded when it changes.",
    )
    require_user: bool | None = Field(
        default=None,
        description="A header token is honoured only for the authenticated proxy user it was "
        "issued to (`sub`); with no authenticated user it is refused (wrong_user). Default: "
        "on when proxy authentication is on. Without it a token works for anyone holding it "
        "(a warning is logged at start).",
    )
    leeway_seconds: int = Field(default=30, ge=0, le=300, description="Clock skew allowed.")
    reload_seconds: float = Field(
        default=1.0, ge=0, le=300, description="How often file changes are polled (mtime)."
    )
    expiry_warning_days: float = Field(
        default=7,
        ge=0,
        le=365,
        description="A registered approval (token_dir) that expires within this many days is "
        "warned about: an `aidlp.approval.expiring` event (once per approval) and the gauge "
        "`aidlp_approvals_expiring`; `aidlp approval list` flags the same tokens. 0: off.",
    )
    expiry_check_seconds: float = Field(
        default=3600,
        ge=1,
        le=86400,
        description="How often registered approvals are checked for coming expiry.",
    )

    @field_validator("issuers")
    @classmethod
    def _check_issuers(cls, issuers: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, files in issuers.items():
            if not _ISSUER.fullmatch(name):
                raise ValueError(
                    f"issuer {name!r}: use a short name such as DPO or DDA "
                    "(letters, digits, _ . : -)"
                )
            for file in files:
                try:
                    load_public_key(file)
                except KeyFileError as exc:
                    raise ValueError(f"issuer {name!r}: {exc}") from None
        return issuers

    @field_validator("revocations")
    @classmethod
    def _check_revocations(cls, value: str | None) -> str | None:
        if value and not Path(value).is_file():
            raise ValueError(
                f"revocation list {value} does not exist: create it (an empty file is fine, "
                f"`touch {value}`) or use `aidlp approval revoke --revocations {value} JTI`"
            )
        return value

    @field_validator("token_dir")
    @classmethod
    def _check_token_dir(cls, value: str | None) -> str | None:
        if value and not Path(value).is_dir():
            raise ValueError(f"token directory {value} does not exist or is not a directory")
        return value


def resolve_paths(policy: Any, base_file: Path) -> None:
    """Make relative paths in a raw ``policy:`` mapping relative to ``base_file``'s directory.

    Called by the config loader before validation (in place; non-mappings are left alone).
    """
    approvals = policy.get("approvals") if isinstance(policy, dict) else None
    if not isinstance(approvals, dict):
        return

    def resolve(value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        path = Path(os.path.expandvars(os.path.expanduser(value)))
        return str(path if path.is_absolute() else base_file.parent / path)

    for key in ("revocations", "token_dir"):
        if key in approvals:
            approvals[key] = resolve(approvals[key])
    issuers = approvals.get("issuers")
    if isinstance(issuers, dict):
        for name, files in issuers.items():
            if isinstance(files, str):
                issuers[name] = resolve(files)
            elif isinstance(files, list):
                issuers[name] = [resolve(f) for f in files]
