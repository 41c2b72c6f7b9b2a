"""Governance-board approvals: signed tokens that let named categories go to named tools.

- :mod:`.keys`: Ed25519 key files (keygen, loading, clear errors);
- :mod:`.tokens`: the claims, issuing and verifying (EdDSA JWT via PyJWT);
- :mod:`.settings`: the ``policy.approvals`` config section;
- :mod:`.store`: run-time checks with a revocation list and registered tokens, both reloaded
  when their files change.
"""

from proxy.approvals.keys import KeyFileError, load_private_key, load_public_key, write_keypair
from proxy.approvals.settings import ApprovalSettings
from proxy.approvals.store import ApprovalCheck, ApprovalStore
from proxy.approvals.tokens import (
    AUDIENCE,
    RESULTS,
    Approval,
    TokenError,
    decode_token,
    issue_token,
    parse_duration,
    unverified_claims,
)

__all__ = [
    "AUDIENCE",
    "RESULTS",
    "Approval",
    "ApprovalCheck",
    "ApprovalSettings",
    "ApprovalStore",
    "KeyFileError",
    "TokenError",
    "decode_token",
    "issue_token",
    "load_private_key",
    "load_public_key",
    "parse_duration",
    "unverified_claims",
    "write_keypair",
]
