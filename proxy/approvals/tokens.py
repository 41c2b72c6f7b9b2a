"""Approval tokens: EdDSA (Ed25519) JWTs issued by a governance board, verified by the proxy.

Claims: ``iss`` (the board), ``sub`` (user id), ``aud`` = ``aidlp``, ``exp``, ``nbf``, ``iat``,
``jti``, ``categories`` (list), ``tools`` (list of tool ids, or ``*``), ``ref`` (DPIA or approval
reference, required), ``purpose``, and ``equality_analysis_ref`` (required with
SPECIAL_CATEGORY). A token is never logged or recorded: only its ``jti``, ``ref`` and ``iss``.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from detectors.types import Category

AUDIENCE = "aidlp"
ALGORITHM = "EdDSA"
MAX_TOKEN_CHARS = 8192
MAX_TTL_SECONDS = 366 * 86400
#: Compact JWS: three base64url parts (linear-time; no nested quantifiers).
_JWT_CHARS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")

#: Every ``aidlp_approvals_total{result}`` value, and the reasons a request is refused.
RESULTS = ("valid", "expired", "revoked", "invalid", "insufficient", "wrong_user", "wrong_tool")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
ToolClaim = Annotated[str, StringConstraints(pattern=r"^(\*|[a-z0-9][a-z0-9_]{0,62})$")]


class TokenError(Exception):
    """A token that cannot be accepted. ``result`` is ``invalid`` or ``expired``; ``detail``
    says why in words that never include the token."""

    def __init__(self, result: str, detail: str) -> None:
        super().__init__(f"{result}: {detail}")
        self.result = result
        self.detail = detail


class ApprovalClaims(BaseModel):
    """The claims an approval must carry (checked after the signature)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    iss: Text
    sub: Text
    aud: str | list[str]
    exp: int
    nbf: int
    iat: int
    jti: Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
    categories: list[Category] = Field(min_length=1)
    tools: list[ToolClaim] | Literal["*"] = Field(min_length=1)
    ref: Text
    purpose: Annotated[str, StringConstraints(max_length=1000)] | None = None
    equality_analysis_ref: Text | None = None

    @model_validator(mode="after")
    def _special_category_needs_equality_analysis(self) -> ApprovalClaims:
        if "SPECIAL_CATEGORY" in self.categories and not self.equality_analysis_ref:
            raise ValueError("SPECIAL_CATEGORY approval needs equality_analysis_ref (PS4)")
        if self.exp <= self.nbf:
            raise ValueError("exp must be after nbf")
        return self


@dataclass(frozen=True, slots=True)
class Approval:
    """A verified approval (signature, audience and claims checked)."""

    jti: str
    ref: str
    issuer: str
    sub: str
    categories: frozenset[str]
    tools: frozenset[str]
    exp: int
    nbf: int
    iat: int
    purpose: str | None = None
    equality_analysis_ref: str | None = None

    @classmethod
    def from_claims(cls, claims: ApprovalClaims) -> Approval:
        tools = ["*"] if claims.tools == "*" else claims.tools
        return cls(
            jti=claims.jti,
            ref=claims.ref,
            issuer=claims.iss,
            sub=claims.sub,
            categories=frozenset(claims.categories),
            tools=frozenset(tools),
            exp=claims.exp,
            nbf=claims.nbf,
            iat=claims.iat,
            purpose=claims.purpose,
            equality_analysis_ref=claims.equality_analysis_ref,
        )

    def audit(self) -> dict[str, str]:
        """What an event records about the approval (never the token)."""
        return {"jti": self.jti, "ref": self.ref, "issuer": self.issuer}

    def covers_tool(self, tool_id: str) -> bool:
        return "*" in self.tools or tool_id in self.tools

    def missing(self, categories: Sequence[str]) -> list[str]:
        """The categories in ``categories`` that this approval does not cover."""
        return [c for c in categories if c not in self.categories]


# ---- durations -----------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"(\d{1,6})([smhdw])")


def parse_duration(text: str) -> int:
    """Seconds in ``30d``, ``12h``, ``90m``, ``2w``, ``1d12h``. Raises ValueError."""
    value = text.strip().lower()
    parts = _DURATION.findall(value)
    if not value or "".join(n + u for n, u in parts) != value:
        raise ValueError(
            f"bad duration {text!r}: use a number and a unit s, m, h, d or w (e.g. 30d, 12h, 1d12h)"
        )
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise ValueError(f"bad duration {text!r}: must be more than zero")
    return seconds


# ---- issuing -------------------------------------------------------------------------------


def issue_token(
    key: Ed25519PrivateKey,
    *,
    iss: str,
    sub: str,
    categories: Sequence[str],
    tools: Sequence[str] | str,
    ref: str,
    ttl_seconds: int,
    purpose: str | None = None,
    equality_analysis_ref: str | None = None,
    now: float | None = None,
    not_before: int | None = None,
    jti: str | None = None,
) -> str:
    """Sign an approval. The claims are validated first (ValueError names the problem)."""
    if ttl_seconds <= 0 or ttl_seconds > MAX_TTL_SECONDS:
        raise ValueError("ttl must be more than zero and at most 366 days")
    issued = int(now if now is not None else time.time())
    nbf = issued if not_before is None else int(not_before)
    payload: dict[str, Any] = {
        "iss": iss,
        "sub": sub,
        "aud": AUDIENCE,
        "iat": issued,
        "nbf": nbf,
        "exp": nbf + ttl_seconds,
        "jti": jti or uuid.uuid4().hex,
        "categories": list(dict.fromkeys(categories)),
        "tools": "*" if tools == "*" or list(tools) == ["*"] else list(dict.fromkeys(tools)),
        "ref": ref,
    }
    if purpose:
        payload["purpose"] = purpose
    if equality_analysis_ref:
        payload["equality_analysis_ref"] = equality_analysis_ref
    try:
        ApprovalClaims.model_validate(payload)
    except ValidationError as exc:
        raise ValueError(_claims_problem(exc)) from None
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers={"typ": "JWT"})


def _claims_problem(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "claims"
        if err["type"] == "missing":
            problems.append(f"missing claim {field}")
        else:
            problems.append(f"{field}: {err['msg']}".replace("Value error, ", ""))
    return "; ".join(problems)


# ---- verifying -----------------------------------------------------------------------------


def unverified_claims(token: str) -> dict[str, Any]:
    """The payload without checking anything (for display and indexing only). {} if unreadable."""
    if not isinstance(token, str) or not _JWT_CHARS.fullmatch(token.strip()):
        return {}
    try:
        claims = jwt.decode(token.strip(), options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def decode_token(
    token: str,
    issuers: Mapping[str, Sequence[Ed25519PublicKey]],
    *,
    now: float | None = None,
    leeway: int = 30,
) -> Approval:
    """Verify signature, audience, times and claims. Raises :class:`TokenError`.

    Revocation, user, tool and category coverage are checked by the caller.
    """
    token = token.strip() if isinstance(token, str) else ""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise TokenError("invalid", "not a token (empty or too long)")
    if not _JWT_CHARS.fullmatch(token):
        # Header values arrive surrogate-escaped: a non-ASCII or control byte would make
        # PyJWT raise UnicodeEncodeError (not a PyJWTError). A JWT is base64url and dots only.
        raise TokenError("invalid", "not a well-formed JWT (characters outside base64url)")
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, ValueError, TypeError):
        raise TokenError("invalid", "not a well-formed JWT") from None
    if not isinstance(header, dict):
        raise TokenError("invalid", "not a well-formed JWT")
    if header.get("alg") != ALGORITHM:
        raise TokenError("invalid", f"must be signed with {ALGORITHM} (Ed25519)")
    issuer = unverified_claims(token).get("iss")
    keys = issuers.get(issuer) if isinstance(issuer, str) else None
    if not keys:
        raise TokenError("invalid", "not issued by a trusted issuer")
    payload: dict[str, Any] | None = None
    for key in keys:
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                options={
                    "verify_exp": False,  # checked below against `now`
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"],
                },
            )
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidAudienceError:
            raise TokenError("invalid", f"audience is not {AUDIENCE!r}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError("invalid", f"missing claim {exc.claim}") from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise TokenError("invalid", "not a well-formed JWT") from None
    if payload is None:
        raise TokenError("invalid", f"signature does not verify with {issuer}'s key(s)")
    try:
        claims = ApprovalClaims.model_validate(payload)
    except ValidationError as exc:
        raise TokenError("invalid", _claims_problem(exc)) from None
    moment = time.time() if now is None else now
    if claims.nbf > moment + leeway:
        raise TokenError("invalid", "not valid yet (nbf is in the future)")
    if claims.iat > moment + leeway:
        raise TokenError("invalid", "issued in the future (iat)")
    if claims.exp <= moment - leeway:
        raise TokenError("expired", "expired")
    return Approval.from_claims(claims)
